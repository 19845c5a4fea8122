#!/usr/bin/env bash
# The main job: install, train the default model if models/default is absent, run batch inference on
# the example articles and print the article-level dyad table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
if [ ! -f models/default/model.safetensors ]; then
  .venv/bin/python -m train --config configs/default.yaml
fi
.venv/bin/python -m infer --checkpoint models/default --input data/examples/articles.jsonl \
  --output runs/example/articles.parquet --show
