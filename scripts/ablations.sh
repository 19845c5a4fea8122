#!/usr/bin/env bash
# Ablations for the evaluation report. Each row changes one thing from a base run, which is
# configs/default.yaml with actor names visible (--model.mask_names false), trains it and evaluates it
# on the corpus test split (and the name-swap set); runs/ablation-NAME/report.md holds the figures.
# About 45 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
PY=.venv/bin/python
run() {  # name, extra training flags...
  name=$1; shift
  $PY -m train --config configs/default.yaml --training.output_dir "models/ablation-$name" "$@"
  $PY -m train.evaluate --checkpoint "models/ablation-$name" --data data/corpus/test.jsonl --out "runs/ablation-$name" > /dev/null
}
run names-visible --model.mask_names false                     # the base
run mask-names --model.mask_names true                         # = the default config
run maxlen-64 --model.mask_names false --model.max_length 64
run appended --model.mask_names false --model.pair_encoding appended   # no markers around the mentions
# Encoders on a short budget (2,000 examples, one epoch): MPNet-base is about 5 times slower to train.
run minilm-short --model.mask_names false --data.max_train_examples 2000 --training.epochs 1
run mpnet-short --model.mask_names false --model.encoder packaged:all-mpnet-base-v2 --data.max_train_examples 2000 --training.epochs 1
