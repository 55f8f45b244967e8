#!/usr/bin/env bash
# Runs the whole test suite offscreen: lint, layer contracts, strict types, then pytest. Arguments go to pytest.
# Under CI (CI=true), or with SORA_STUDIO_PACKAGE_SMOKE=1, a full run also builds the desktop
# bundle and smoke-tests it (about two minutes), so a change that breaks packaging is caught too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/litellm_env.sh  # the real LiteLLM proxy that tests/providers run
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check sora_studio tests packaging
.venv/bin/ruff format --check sora_studio tests packaging
.venv/bin/lint-imports
.venv/bin/mypy sora_studio
if [ $# -eq 0 ] && { [ "${CI:-}" = "true" ] || [ "${SORA_STUDIO_PACKAGE_SMOKE:-}" = "1" ]; }; then
  echo "test: building the desktop bundle and smoke-testing it"
  bash packaging/build.sh
  bash packaging/smoke_test.sh
fi
# pytest last, so its summary is the run's closing line.
exec .venv/bin/python -m pytest "$@"
