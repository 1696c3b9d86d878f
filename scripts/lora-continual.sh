#!/usr/bin/env bash
# Reproduces the continual runs of docs/efficient-training.md (LoRA and ReLoRA): per-task LoRA adapters
# (strategy lora-per-task on a frozen initial MLP 784-400-400) against naive fine-tuning of the whole network, on split
# Fashion-MNIST (task- and class-incremental, 5 experiences) and permuted Fashion-MNIST (5 tasks), one epoch per
# experience, AdamW lr 1e-3 (the presets), no continual evaluation. Prints a markdown table of the final metrics.
# Usage: scripts/lora-continual.sh [OUT]   (SEEDS=1 by default, RANK=8, ALPHA=16; PERENNIAL=bin/perennial)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/lora-continual}
seeds=${SEEDS:-1}
rank=${RANK:-8}
alpha=${ALPHA:-16}
read -r -a perennial <<<"${PERENNIAL:-bin/perennial}"
lora=(--set strategy.name=lora-per-task --set training.lora.rank="$rank" --set training.lora.alpha="$alpha")
source "$(dirname "$0")/progress.sh"
read -r -a seed_list <<<"${seeds//,/ }"
progress_init $((8 * ${#seed_list[@]})) # the eight runs below, per seed
run() {
  local name=$1 preset=$2
  shift 2
  for s in "${seed_list[@]}"; do
    # a finished run is kept, so the script can be run again after an interruption
    grep -qs '"status" *: *"complete"' "$out/$name/seed-$s/result.json" && { progress_kept; continue; }
    "${perennial[@]}" run "$preset" --set seed="$s" --set evaluation.every_steps=0 "$@" --out "$out/$name/seed-$s" --force >/dev/null
    progress_ran
  done
}
# task ids at test time only in the task-incremental split; the other streams read out with the adapters merged
run split-task-il/naive split-fmnist-task-il
run split-task-il/lora-per-task split-fmnist-task-il "${lora[@]}" --set strategy.inference=task
run split-class-il/naive split-fmnist-class-il
run split-class-il/lora-per-task-mean split-fmnist-class-il "${lora[@]}" --set strategy.inference=mean
run split-class-il/lora-per-task-sum split-fmnist-class-il "${lora[@]}" --set strategy.inference=sum
run permuted/naive permuted-fmnist
run permuted/lora-per-task-mean permuted-fmnist "${lora[@]}" --set strategy.inference=mean
run permuted/lora-per-task-sum permuted-fmnist "${lora[@]}" --set strategy.inference=sum
python3 - "$out" <<'PY'
import json, pathlib, statistics, sys
root = pathlib.Path(sys.argv[1])
print("| stream | method | seeds | ACC | BWT | forgetting | trainable | frozen | wall s |")
print("|---|---|---|---|---|---|---|---|---|")
for stream in sorted(p for p in root.iterdir() if p.is_dir()):
    for method in sorted(p for p in stream.iterdir() if p.is_dir()):
        runs = [json.loads(f.read_text()) for f in sorted(method.glob("seed-*/result.json"))]
        def cell(key):
            v = [r[key] for r in runs]
            return f"{statistics.mean(v):.4f}" + (f" ± {statistics.stdev(v):.4f}" if len(v) > 1 else "")
        wall = statistics.mean(r["compute"]["wall_seconds"] for r in runs)
        p = runs[0]["parameters"]
        print(f"| {stream.name} | {method.name} | {len(runs)} | {cell('average_accuracy')} | {cell('bwt')} | {cell('forgetting')}"
              f" | {p['trainable']:,} | {p['frozen']:,} | {wall:.0f} |")
PY
