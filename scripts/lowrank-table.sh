#!/usr/bin/env bash
# Reproduces the "Low-rank training" table of docs/efficient-training.md: Fashion-MNIST, MLP 784-400-400-10, Adam
# (lr 1e-3, batch 128), 3 epochs, full Adam against GaLore and PLUMAGE around the same Adam at ranks 8 and 32
# (projector refreshed every 200 steps; GaLore with scale 1 so that both methods take steps of the same size), and
# Adam on LoRA adapters of the same ranks (α = r; the heads trained in full) and ReLoRA (merge and restart every 200 steps).
# Prints a markdown table: test accuracy (mean ± standard error over the seeds), optimizer-state bytes, ms per step.
# Runs already finished under OUT are kept. Usage: scripts/lowrank-table.sh [OUT]   (default runs/lowrank; SEEDS="1 2 3", RANKS="8 32")
# PERENNIAL overrides the launcher, e.g. PERENNIAL="java -Dai.djl.offline=true -jar perennial-cli/target/perennial-cli.jar".
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/lowrank}
seeds=${SEEDS:-1 2 3}
ranks=${RANKS:-8 32}
read -r -a perennial <<<"${PERENNIAL:-bin/perennial}"
common=(train --optimizer adam --lr 1e-3 --epochs 3 --batch-size 128)

source "$(dirname "$0")/progress.sh"
read -r -a seed_list <<<"$seeds"
read -r -a rank_list <<<"$ranks"
progress_init $(( ${#seed_list[@]} * (1 + 4 * ${#rank_list[@]}) ))
run() { # name seed flags...
  local name=$1 seed=$2
  shift 2
  [ -f "$out/$name-s$seed/result.json" ] && { progress_kept; return 0; } # finished runs are kept on a rerun
  "${perennial[@]}" "${common[@]}" --seed "$seed" "$@" --out "$out/$name-s$seed" --force >/dev/null
  progress_ran
}

methods=("adam")
for seed in $seeds; do
  run adam "$seed"
done
for r in $ranks; do
  methods+=("galore-r$r" "plumage-r$r")
  for seed in $seeds; do
    run "galore-r$r" "$seed" --galore-rank "$r" --galore-interval 200 --galore-scale 1
    run "plumage-r$r" "$seed" --plumage-rank "$r" --plumage-interval 200
  done
done
for r in $ranks; do
  methods+=("lora-r$r" "relora-r$r")
  for seed in $seeds; do
    run "lora-r$r" "$seed" --lora "rank=$r"
    run "relora-r$r" "$seed" --lora "rank=$r,restart_every=200"
  done
done

python3 - "$out" "${methods[@]}" <<'PY'
import glob, json, math, sys
out, methods = sys.argv[1], sys.argv[2:]
print("| optimizer | test accuracy (mean ± s.e.) | seeds | optimizer-state bytes | ms per step |")
print("|---|---|---|---|---|")
for m in methods:
    rs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{m}-s*/result.json"))]
    acc = [r["test_accuracy"] for r in rs]
    mean = sum(acc) / len(acc)
    se = math.sqrt(sum((a - mean) ** 2 for a in acc) / (len(acc) - 1) / len(acc)) if len(acc) > 1 else float("nan")
    ms = sum(1000 * r["train_seconds"] / r["steps"] for r in rs) / len(rs)
    print(f"| {m} | {mean:.4f} ± {se:.4f} | {len(acc)} | {rs[0]['optimizer_state_bytes']:,} | {ms:.1f} |")
PY
