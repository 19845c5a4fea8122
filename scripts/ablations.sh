#!/usr/bin/env bash
# Ablations on corpus v1 + v2 (README "Ablations"). Each row trains one variant of the default config
# (configs/default.yaml: MiniLM-L6, per-sentence, names masked) on the whole training split, then
# evaluates it on the corpus test split (v1 and v2 genres), the PLOVER real-text set when ../shared is
# there, the test articles and the name-swap set; runs/ablation-NAME/report.md holds the figures.
# Every variant gets the same budget: at most 15 minutes of training on these 2 cores (per-pair and
# MPNet cap their steps to fit it). About 90 minutes in all.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
PY=.venv/bin/python
DATA=(--data data/corpus/test.jsonl)
[ -f ../shared/eval/plover_gsr.jsonl ] && DATA+=(--data ../shared/eval/plover_gsr.jsonl)
run() {  # name, extra training flags...
  name=$1; shift
  $PY -m train --config configs/default.yaml --training.output_dir "models/ablation-$name" --training.progress false "$@"
  $PY -m train.evaluate --checkpoint "models/ablation-$name" "${DATA[@]}" --out "runs/ablation-$name" > /dev/null
}
run per-sentence                                                   # = the default
run per-pair --model.pair_encoding per_pair --training.max_steps 1500
run names-visible --model.mask_names false
run focal --training.focal_gamma 2.0
run mpnet --model.encoder packaged:all-mpnet-base-v2 --training.max_steps 60
