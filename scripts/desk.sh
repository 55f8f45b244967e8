#!/usr/bin/env bash
# Runs the desk. With no provider configured it starts the built-in emulator on a loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/sora-studio "$@"
