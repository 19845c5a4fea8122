#!/usr/bin/env bash
# The test command: install, validate the corpus, run the test suite (slow tests excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/ruff check infer train tests
.venv/bin/python -m train.corpus validate
.venv/bin/python -m pytest -q "$@"
