#!/usr/bin/env bash
# Creates .venv and installs the project with its test tools. Safe to re-run: a no-op when done.
# torch is installed first and pinned to the CPU build that pip finds locally on these machines;
# otherwise sentence-transformers would pull the default CUDA build (gigabytes).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
if ! python -c "import torch" 2>/dev/null; then
  pip install --quiet "torch==2.13.0"
fi
if ! python -c "import bot, knowledge_base, index, pytest" 2>/dev/null || [ pyproject.toml -nt .venv/.installed ]; then
  pip install --quiet -e ".[dev]"
  touch .venv/.installed
fi
