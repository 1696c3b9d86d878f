#!/usr/bin/env bash
# Reproduces docs/results.md: every strategy that supports the benchmark (from the registry, see
# 'bin/perennial list strategies --names --for BENCHMARK') on four Fashion-MNIST benchmarks, 3 seeds each.
# Usage: scripts/reproduce-results.sh [BENCHMARK ...]   (default: all four; each writes runs/results/NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
benchmarks=("$@")
[ ${#benchmarks[@]} -gt 0 ] || benchmarks=(split-fmnist-class-il split-fmnist-task-il permuted-fmnist rotated-fmnist)
for b in "${benchmarks[@]}"; do
  extra=()
  [ "$b" = permuted-fmnist ] && extra=(--set scenario.tasks=10)
  strategies=$(bin/perennial list strategies --names --for "$b")
  bin/perennial compare "$b" --strategies "$strategies" --seeds 1,2,3 --set evaluation.every_steps=0 "${extra[@]}" \
    --out "runs/results/$b"
done
dirs=()
for b in split-fmnist-class-il split-fmnist-task-il permuted-fmnist rotated-fmnist; do
  [ -f "runs/results/$b/summary.json" ] && dirs+=("runs/results/$b")
done
bin/perennial results "${dirs[@]}" --out runs/results/tables.md
