#!/usr/bin/env bash
# Creates .venv with the pinned CPU torch and the export/parity/training tools (offline local index).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if .venv/bin/python -c "import torch, onnx, onnxruntime, onnxscript, numpy, PIL, pytest, ruff" 2>/dev/null; then
  exit 0
fi
# --retries 1: the public index is unreachable here, so long retry back-offs only waste minutes.
.venv/bin/pip install --retries 1 --timeout 20 -r models/requirements.txt
