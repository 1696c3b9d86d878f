#!/usr/bin/env bash
# Reproduces docs/plasticity.md: loss of plasticity on the long input-permuted Fashion-MNIST stream (500 tasks of
# 1,000 images, one pass each, MLP 784-100-100-10, SGD 0.125): plain SGD against each plasticity method, and UPGD,
# 3 seeds. Writes OUT/long-permuted.md (the table), OUT/long-permuted-accuracy.svg (the figure) and the compare
# reports (OUT/*/report.html, with the diagnostics over the stream).
# Usage: scripts/plasticity.sh [OUT]   (default runs/plasticity; SEEDS=1,2,3 by default; about 20 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/plasticity}
seeds=${SEEDS:-1,2,3}
# the per-method values that differ from the declared defaults are in presets/hparams/long-permuted-fmnist.yaml
bin/perennial compare long-permuted-fmnist --strategies naive,cbp,shrink-perturb,l2-init,w-init,redo,spectral \
  --seeds "$seeds" --out "$out/strategies" --force
bin/perennial compare long-permuted-fmnist --strategies naive --set optimizer.name=upgd \
  --seeds "$seeds" --out "$out/upgd" --force
bin/perennial results --plasticity "$out/strategies" "$out/upgd" --out "$out/long-permuted.md"
