#!/usr/bin/env bash
# Ablations for the evaluation report: each trains a variant of the default config and evaluates it
# on the corpus test split (and the name-swap set). About 30 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
PY=.venv/bin/python
run() {  # name, extra training flags...
  name=$1; shift
  $PY -m train --config configs/default.yaml --training.output_dir "models/ablation-$name" "$@"
  $PY -m train.evaluate --checkpoint "models/ablation-$name" --data data/corpus/test.jsonl --out "runs/ablation-$name" > /dev/null
}
run mask-names --model.mask_names true
run maxlen-64 --model.max_length 64
# MPNet-base is about 5 times slower to train: a short run shows the trade-off.
run mpnet-short --model.encoder packaged:all-mpnet-base-v2 --data.max_train_examples 2000 --training.epochs 1
