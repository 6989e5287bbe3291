#!/usr/bin/env bash
# Every test of the project: lint + format check, type-check, unit tests (Vitest), model parity and training smoke tests
# (pytest), and the browser e2e suite (Playwright in Debian Chromium, software WebGPU + wasm fallback).
# Installs what is missing first (Python venv, Debian Chromium), so it runs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n=== %s ===\n' "$*"; }

step "prerequisites"
[ -d node_modules ] || npm ci
bash scripts/setup-python.sh
bash scripts/ensure-chromium.sh

step "lint and format check (eslint, prettier, ruff)"
npm run --silent lint

step "type-check (tsc -b)"
npx tsc -b

step "unit tests (vitest)"
npx vitest run

step "model tests (pytest)"
.venv/bin/python -m pytest -q models/tests

step "browser e2e (playwright, Debian chromium)"
CI=${CI:-1} npx playwright test

printf '\nall tests passed\n'
