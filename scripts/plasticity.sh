#!/usr/bin/env bash
# Reproduces docs/plasticity.md. Main table: loss of plasticity on the long input-permuted Fashion-MNIST stream (500
# tasks of 1,000 images, one pass each, MLP 784-100-100-10, SGD 0.125): plain SGD against each plasticity method and
# UPGD, 3 seeds. Then one seed each on the label-permuted and random-label streams (naive, cbp, l2-init, UPGD).
# Writes OUT/long-permuted.md, OUT/long-label-permuted.md, OUT/long-random-label.md (tables), the figures beside them
# (*-accuracy.svg) and the compare reports (OUT/*/report.html, with the diagnostics over the stream).
# Usage: scripts/plasticity.sh [OUT]   (default runs/plasticity; SEEDS=1,2,3 by default; about 25 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/plasticity}
seeds=${SEEDS:-1,2,3}
# the per-method values that differ from the declared defaults are in presets/hparams/long-permuted-fmnist.yaml
bin/perennial compare long-permuted-fmnist --strategies naive,cbp,shrink-perturb,l2-init,w-init,redo,spectral \
  --seeds "$seeds" --out "$out/permuted" --force
bin/perennial compare long-permuted-fmnist --strategies naive --set optimizer.name=upgd --seeds "$seeds" --out "$out/permuted-upgd" --force
bin/perennial results --plasticity "$out/permuted" "$out/permuted-upgd" --out "$out/long-permuted.md"
for stream in label-permuted random-label; do
  bin/perennial compare "long-$stream-fmnist" --strategies naive,cbp,l2-init --seeds 1 --out "$out/$stream" --force
  bin/perennial compare "long-$stream-fmnist" --strategies naive --set optimizer.name=upgd --seeds 1 --out "$out/$stream-upgd" --force
  bin/perennial results --plasticity "$out/$stream" "$out/$stream-upgd" --out "$out/long-$stream.md"
done
