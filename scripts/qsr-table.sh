#!/usr/bin/env bash
# The Quadratic Synchronization Rule against constant synchronization periods on Fashion-MNIST (docs/distributed.md):
# K = 4 workers on Spark (local[4]), momentum SGD with a cosine schedule, H = 1 (data-parallel), H = 4, H = 16 and QSR
# (H = max(4, (alpha / lr)^2), alpha 0.2: H = 4 at the peak rate), seeds 1-3. Prints test accuracy (mean ± s.d.) and
# communication rounds per setting. Finished runs are kept: rerunning the script continues where it stopped.
# Usage: scripts/qsr-table.sh [OUT_DIR] [SEEDS]    (PERENNIAL=path/to/launcher to use another build; EPOCHS=10 to train
# longer than the preset's 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/runs/qsr}"
seeds="${2:-1 2 3}"
perennial="${PERENNIAL:-$root/bin/perennial}"
mkdir -p "$out"
declare -A settings=(
  [h1]="--sync every"
  [h4]="--sync constant --local-steps 4"
  [h16]="--sync constant --local-steps 16"
  [qsr]="--sync qsr --local-steps 4 --qsr-alpha 0.2"
)
order=(h1 h4 h16 qsr)
source "$(dirname "$0")/progress.sh"
read -r -a seed_list <<<"$seeds"
progress_init $((${#order[@]} * ${#seed_list[@]}))
for seed in "${seed_list[@]}"; do
  for name in "${order[@]}"; do
    dir="$out/$name-s$seed"
    if [ -f "$dir/result.json" ]; then progress_kept; continue; fi
    echo "== $name seed $seed" >&2
    # shellcheck disable=SC2086
    "$perennial" spark-train fmnist-qsr --master 'local[4]' --workers 4 ${settings[$name]} --set seed="$seed" ${EPOCHS:+--set training.epochs=$EPOCHS} \
      --out "$dir" --force 2>"$dir.log" >/dev/null || { echo "failed: see $dir.log" >&2; exit 1; }
    progress_ran
  done
done
python3 - "$out" "$seeds" <<'PY'
import json, statistics, sys, os
out, seeds = sys.argv[1], sys.argv[2].split()
print("| sync | test accuracy (mean ± s.d., %d seeds) | rounds | MB to workers per run | seconds in rounds |" % len(seeds))
print("|---|---|---|---|---|")
for name, label in [("h1", "every step (H = 1)"), ("h4", "constant H = 4"), ("h16", "constant H = 16"), ("qsr", "QSR, H_base 4, α 0.2")]:
    accs, rounds, mb, secs = [], [], [], []
    for s in seeds:
        r = json.load(open(os.path.join(out, f"{name}-s{s}", "result.json")))
        accs.append(r["accuracy_matrix"][-1][-1])
        c = r["distributed"]["communication"]
        rounds.append(c["rounds"]); mb.append(c["bytes_to_workers"] / 1e6); secs.append(c["round_seconds"])
    sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
    print(f"| {label} | {statistics.mean(accs):.4f} ± {sd:.4f} | {statistics.mean(rounds):.0f} | {statistics.mean(mb):.0f} |"
          f" {statistics.mean(secs):.0f} |")
PY
