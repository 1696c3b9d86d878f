#!/usr/bin/env bash
# Reproduces the "Quantized training" table of docs/efficient-training.md: Fashion-MNIST, MLP 784-400-400-10, AdamW 1e-3,
# batch 128, 3 epochs, seeds 1-3, in each training precision; then the 12-bit-accumulator fine-tune of each seed's FP32
# model (FINETUNE_STEPS=150 steps of AdamW 1e-4 by default, the accumulator in every forward pass, evaluation included;
# the simulated accumulator costs about 1.5 s per step). Prints the table (test
# accuracy, mean ± standard error over seeds) and writes it to OUT/table.md. Runs whose result.json exists are kept, so
# an interrupted script continues where it stopped.
# Then, unless CONTINUAL=0, two continual runs per precision (FP32 and NVFP4 with SR gradients, seed 1): split
# Fashion-MNIST class-incremental with ER, and permuted Fashion-MNIST (5 tasks) with EWC; their table goes to
# OUT/continual.md.
# Usage: scripts/precision-table.sh [OUT]   (default runs/precision; SEEDS="1 2 3"; PERENNIAL="bin/perennial")
# A shorter protocol for a busy machine: EPOCHS=1 MAX_STEPS=150 SEEDS=1 (every run, fine-tune included, stops after
# MAX_STEPS optimizer steps; continual runs after MAX_STEPS steps per experience).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/precision}
seeds=${SEEDS:-1 2 3}
perennial=${PERENNIAL:-bin/perennial}
epochs=${EPOCHS:-3}
cap=()
if [[ -n "${MAX_STEPS:-}" ]]; then cap=(--max-steps "$MAX_STEPS"); fi
common=(--dataset fashion-mnist --model mlp --optimizer adamw --lr 1e-3 --epochs "$epochs" --batch-size 128 "${cap[@]}")
# label | hidden widths | precision
rows=(
  "FP32|400,400|fp32"
  "NVFP4, RTN in every GEMM|400,400|nvfp4:gradients=nearest"
  "NVFP4, SR gradients|400,400|nvfp4:gradients=stochastic"
  "MXFP4, SR gradients|400,400|mxfp4:gradients=stochastic"
  "ternary absmean|400,400|ternary:scale=absmean"
  "ternary absmedian|400,400|ternary:scale=absmedian"
  "ternary absmean, 2x width (800-800)|800,800|ternary:scale=absmean"
  "ternary absmedian, 2x width (800-800)|800,800|ternary:scale=absmedian"
)
finetune="accumulator:exponent_bits=4,mantissa_bits=7,rounding=nearest"
narrow="accumulator:exponent_bits=4,mantissa_bits=4,rounding=nearest" # 9 bits: seed 1 only, to see what fine-tuning recovers
mkdir -p "$out"
slug() { echo "$1" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-'; }
for seed in $seeds; do
  for row in "${rows[@]}"; do
    IFS='|' read -r label hidden precision <<<"$row"
    dir="$out/$(slug "$precision")-h${hidden/,/-}-s$seed"
    if [[ ! -f "$dir/result.json" ]]; then
      $perennial train "${common[@]}" --hidden "$hidden" --precision "$precision" --seed "$seed" --out "$dir" --force
    fi
  done
  base="$out/fp32-h400-400-s$seed"
  if [[ ! -f "$out/finetune-s$seed/result.json" ]]; then
    rm -f "$out/fp32-s$seed.safetensors" "$out/fp32-s$seed.json"
    $perennial export "$base" --out "$out/fp32-s$seed.safetensors"
    $perennial train --dataset fashion-mnist --model mlp --hidden 400,400 --optimizer adamw --lr 1e-4 --epochs 1 --batch-size 128 \
      --max-steps "${MAX_STEPS:-${FINETUNE_STEPS:-150}}" --precision "$finetune" --init-from "$out/fp32-s$seed.safetensors" --seed "$seed" --out "$out/finetune-s$seed" --force
  fi
  # control: the same fine-tune in FP32, so the accumulator's effect is told apart from the extra steps
  for pair in "finetune-fp32|fp32" "finetune-narrow|$narrow"; do
    IFS='|' read -r name precision <<<"$pair"
    if [[ "$name" == finetune-narrow && "$seed" != "${seeds%% *}" ]]; then continue; fi
    if [[ ! -f "$out/$name-s$seed/result.json" ]]; then
      $perennial train --dataset fashion-mnist --model mlp --hidden 400,400 --optimizer adamw --lr 1e-4 --epochs 1 --batch-size 128 \
        --max-steps "${MAX_STEPS:-${FINETUNE_STEPS:-150}}" --precision "$precision" --init-from "$out/fp32-s$seed.safetensors" --seed "$seed" \
        --out "$out/$name-s$seed" --force
    fi
  done
done
python3 - "$out" "$seeds" "$finetune" "${rows[@]}" <<'PY'
import json, math, re, sys
out, seeds, finetune, rows = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4:]
def slug(s):
    return re.sub('-+', '-', re.sub('[^a-zA-Z0-9]', '-', s))
def stats(values):
    m = sum(values) / len(values)
    se = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1) / len(values)) if len(values) > 1 else float('nan')
    return f"{m:.4f} ± {se:.4f}"
lines = ["| training | precision | test accuracy (mean ± s.e., %d seeds) | s/run (mean) |" % len(seeds), "|---|---|---|---|"]
for row in rows:
    label, hidden, precision = row.split('|')
    results = [json.load(open(f"{out}/{slug(precision)}-h{hidden.replace(',', '-')}-s{s}/result.json")) for s in seeds]
    lines.append(f"| {label} | `{precision}` | {stats([r['test_accuracy'] for r in results])} | "
                 f"{sum(r['wall_seconds'] for r in results) / len(results):.0f} |")
tuned = [json.load(open(f"{out}/finetune-s{s}/result.json")) for s in seeds]
lines.append(f"| FP32 model, forward in a 12-bit accumulator, before fine-tuning | `{finetune}` | "
             f"{stats([r['test_accuracy_initial'] for r in tuned])} | |")
lines.append(f"| ... after fine-tuning ({tuned[0]['steps']} steps, AdamW 1e-4, STE) | `{finetune}` | {stats([r['test_accuracy'] for r in tuned])} | "
             f"{sum(r['wall_seconds'] for r in tuned) / len(tuned):.0f} |")
control = [json.load(open(f"{out}/finetune-fp32-s{s}/result.json")) for s in seeds]
lines.append(f"| control: the same fine-tune in FP32 | `fp32` | {stats([r['test_accuracy'] for r in control])} | "
             f"{sum(r['wall_seconds'] for r in control) / len(control):.0f} |")
narrow = json.load(open(f"{out}/finetune-narrow-s{seeds[0]}/result.json"))
lines.append(f"| 9-bit accumulator (seed {seeds[0]} only): before / after the same fine-tune | `{narrow['precision']}` | "
             f"{narrow['test_accuracy_initial']:.4f} / {narrow['test_accuracy']:.4f} | {narrow['wall_seconds']:.0f} |")
noise = []
for row in rows:
    label, hidden, precision = row.split('|')
    if precision.startswith(('nvfp4', 'mxfp4')):
        for s in seeds:
            r = json.load(open(f"{out}/{slug(precision)}-h{hidden.replace(',', '-')}-s{s}/result.json"))
            d = r['gradient_noise'][0]
            noise.append(f"| {label} | {s} | {d['mean_gradient_norm']:.3g} | {d['mean_noise_norm']:.3g} | "
                         f"{d['fraction_below_threshold']:.3f} | {d['first_step_below_threshold']} |")
table = "\n".join(lines)
table += "\n\n| FP4 run | seed | mean ‖∇_Y L‖ | mean σ_q | fraction of steps with ‖∇_Y L‖ < √3·σ_q | first such step |\n|---|---|---|---|---|---|\n"
table += "\n".join(noise) + "\n"
open(f"{out}/table.md", "w").write(table)
print(table)
PY

if [[ "${CONTINUAL:-1}" != 0 ]]; then
  for precision in fp32 nvfp4:gradients=stochastic; do
    for pair in "split-fmnist-class-il|er" "permuted-fmnist|ewc"; do
      IFS='|' read -r preset strategy <<<"$pair"
      dir="$out/$preset-$strategy-$(slug "$precision")"
      if [[ ! -f "$dir/result.json" ]]; then
        steps=()
        if [[ -n "${MAX_STEPS:-}" ]]; then steps=(--set training.max_steps="$MAX_STEPS"); fi
        $perennial run "$preset" --set strategy.name="$strategy" --set training.precision="$precision" "${steps[@]}" --out "$dir" --force
      fi
    done
  done
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
lines = ["| stream | strategy | precision | average accuracy | BWT | forgetting | ms/step |", "|---|---|---|---|---|---|---|"]
for preset, strategy in (("split-fmnist-class-il", "er"), ("permuted-fmnist", "ewc")):
    for precision in ("fp32", "nvfp4:gradients=stochastic"):
        slug = precision.replace(':', '-').replace('=', '-')
        r = json.load(open(f"{out}/{preset}-{strategy}-{slug}/result.json"))
        lines.append(f"| {preset} | {strategy} | `{precision}` | {r['average_accuracy']:.4f} | {r['bwt']:.4f} | {r['forgetting']:.4f} | "
                     f"{r['ms_per_step']:.1f} |")
table = "\n".join(lines) + "\n"
open(f"{out}/continual.md", "w").write(table)
print(table)
PY
fi
