#!/usr/bin/env bash
# Perennial side by side with the plain-PyTorch reference (scripts/pytorch_reference.py) on the same protocol:
# Fashion-MNIST, MLP 784-400-400-10, SGD 0.01 momentum 0.9, batch 128, one epoch per experience, ER with an
# experience-balanced memory of 500, EWC with the per-sample Fisher over 500 samples and the paper's ½.
# Runs each job of each seed alternately (Perennial, then the reference) and prints, per job: accuracy mean ± standard
# error over the seeds for both, their paired difference (mean and standard error of the per-seed differences: the
# reference starts from Perennial's initial weights and shuffling orders for the seed), the loop-time ratio and the
# peak-RSS ratio.
# Needs python3-torch and OpenBLAS (Debian: apt-get install python3-torch libopenblas0-pthread).
# Usage: scripts/compare-pytorch.sh [SEEDS] [JOBS] [OUT]
#   SEEDS default "1 2 3 4 5"; JOBS default "split:naive split:joint split:er split:ewc permuted:naive permuted:joint
#   permuted:er permuted:ewc"; OUT default runs/compare-pytorch
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-"1 2 3 4 5"}
jobs=${2:-"split:naive split:joint split:er split:ewc permuted:naive permuted:joint permuted:er permuted:ewc"}
out=${3:-runs/compare-pytorch}
lambda=${EWC_LAMBDA:-100}
# the first Python that has torch: $PYTHON, python3, then Debian's own (python3-torch installs there)
py=""
for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch' 2>/dev/null; then py=$candidate; break; fi
done
[ -n "$py" ] || { echo "error: no Python with torch; apt-get install python3-torch libopenblas0-pthread (or set PYTHON)" >&2; exit 2; }
mkdir -p "$out"
for seed in $seeds; do
  for job in $jobs; do
    stream=${job%%:*}
    strategy=${job##*:}
    preset=split-fmnist-class-il
    extra=()
    if [ "$stream" = permuted ]; then preset=permuted-fmnist; extra+=(--set scenario.tasks=5); fi
    case $strategy in
      er) extra+=(--set strategy.policy=experience-balanced --set strategy.memory=500) ;;
      ewc) extra+=(--set strategy.lambda="$lambda" --set strategy.fisher_samples=500) ;;
    esac
    dir="$out/$stream-$strategy-$seed"
    bin/perennial run "$preset" --set seed="$seed" --set optimizer.name=momentum --set optimizer.lr=0.01 \
        --set training.batch_size=128 --set training.epochs=1 --set evaluation.every_steps=0 --set evaluation.probe_size=0 \
        --set strategy.name="$strategy" "${extra[@]}" --out "$dir" --force > "$dir.log" 2>&1
    "$py" scripts/pytorch_reference.py --stream "$stream" --strategy "$strategy" --seed "$seed" --lam "$lambda" \
        > "$out/$stream-$strategy-$seed.torch.json"
    echo "seed $seed $job done" >&2
  done
done
python3 - "$out" "$seeds" "$jobs" <<'PY'
import json, math, sys
out, seeds, jobs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def stats(v):
    m = sum(v) / len(v)
    se = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1) / len(v)) if len(v) > 1 else float("nan")
    return m, se
print(f"{'job':16} {'Perennial ACC':>17} {'PyTorch ACC':>17} {'difference':>19} {'loop s P/T':>14} {'RSS MB P/T':>14}")
for job in jobs:
    stream, strategy = job.split(":")
    p_acc, t_acc, p_s, t_s, p_rss, t_rss = [], [], [], [], [], []
    for s in seeds:
        r = json.load(open(f"{out}/{stream}-{strategy}-{s}/result.json"))
        c = r["compute"]
        p_acc.append(r["average_accuracy"]); p_s.append(c["train_seconds"] + c["experience_seconds"]); p_rss.append(c["peak_rss_bytes"] / 2**20)
        t = json.load(open(f"{out}/{stream}-{strategy}-{s}.torch.json"))
        t_acc.append(t["acc"]); t_s.append(t["loop_seconds"]); t_rss.append(t["peak_rss_mb"])
    pm, pse = stats(p_acc); tm, tse = stats(t_acc)
    # paired by seed: with the reference's default --rng perennial both sides start from the same weights and batches
    diff, dse = stats([p - t for p, t in zip(p_acc, t_acc)])
    ps, ts = sum(p_s) / len(p_s), sum(t_s) / len(t_s)
    pr, tr = max(p_rss), max(t_rss)
    print(f"{job:16} {pm:8.4f} ± {pse:6.4f} {tm:8.4f} ± {tse:6.4f} {diff:+9.4f} ± {dse:6.4f} "
          f"{ps:5.1f}/{ts:5.1f} {ts / ps:4.1f}x {pr:6.0f}/{tr:6.0f}")
PY
