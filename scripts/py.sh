#!/usr/bin/env bash
# Run the project's Python (.venv) from the repo root: bash scripts/py.sh -m models.export ...
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="$root/.venv/bin/python"
if [ ! -x "$py" ]; then
  echo "error: no Python venv at $root/.venv: run npm run setup:python first" >&2
  exit 1
fi
cd "$root"
exec "$py" "$@"
