#!/usr/bin/env bash
# Runs the whole test suite offscreen: lint, layer contracts, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check sora_studio tests
.venv/bin/ruff format --check sora_studio tests
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
