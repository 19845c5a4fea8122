#!/usr/bin/env bash
# Create .venv and install geostance with its test extras. torch is pinned (2.13.0, a CPU wheel on
# these machines) in the same pip command, so nothing pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "torch==2.13.0" -e ".[test,eval,ray,onnx]"
  touch .venv/.installed
fi
