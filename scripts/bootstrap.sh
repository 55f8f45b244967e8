#!/usr/bin/env bash
# Prepares a clean clone for running the desk or its tests: system libraries Qt needs, a virtual
# environment in .venv, and the package with its test dependencies. Cheap when nothing changed: the
# venv is reinstalled only when pyproject.toml differs from the one it was built from.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a file it provides, to check without dpkg on non-Debian systems.
QT_SYSTEM_PACKAGES=(
  "libpulse0:libpulse.so.0"
  "libxcb-icccm4:libxcb-icccm.so.4"
  "libxcb-keysyms1:libxcb-keysyms.so.1"
  "libxcb-cursor0:libxcb-cursor.so.0"
  "libxkbcommon-x11-0:libxkbcommon-x11.so.0"
  "libegl1:libEGL.so.1"
  "libgl1:libGL.so.1"
  "libfontconfig1:libfontconfig.so.1"
  "libdbus-1-3:libdbus-1.so.3"
  "libxcb-image0:libxcb-image.so.0"
  "libxcb-render-util0:libxcb-render-util.so.0"
  "libxcb-shape0:libxcb-shape.so.0"
  "libxcb-xinerama0:libxcb-xinerama.so.0"
  "libxcb-randr0:libxcb-randr.so.0"
  "libxcb-xkb1:libxcb-xkb.so.1"
  "libglib2.0-0:libglib-2.0.so.0"
)

missing=()
for entry in "${QT_SYSTEM_PACKAGES[@]}"; do
  pkg="${entry%%:*}"
  lib="${entry#*:}"
  if ! ldconfig -p 2>/dev/null | grep -q "$lib"; then
    missing+=("$pkg")
  fi
done
# Debian package -> a command it provides: the bundle build packs with zstd, and its smoke test
# stores a key through a private Secret Service session bus (dbus-daemon).
TOOL_PACKAGES=(
  "zstd:zstd"
  "dbus-daemon:dbus-daemon"
)
for entry in "${TOOL_PACKAGES[@]}"; do
  if ! command -v "${entry#*:}" >/dev/null 2>&1; then
    missing+=("${entry%%:*}")
  fi
done
# The team library's tests start a throwaway PostgreSQL cluster with the server's own programs
# (initdb, pg_ctl, postgres), which Debian keeps under /usr/lib/postgresql/VERSION/bin.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
  && ! command -v initdb >/dev/null 2>&1; then
  missing+=("postgresql")
fi
python_ok=1
if ! command -v python3 >/dev/null 2>&1; then
  python_ok=0
  missing+=("python3" "python3-venv")
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && [ ! -x .venv/bin/python ]; then
  missing+=("python3-venv")
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: these system packages are missing: ${missing[*]}" >&2
    echo "bootstrap: install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
[ "$python_ok" = 1 ] || command -v python3 >/dev/null

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python 3.11 or newer is needed; found $(python3 --version)" >&2
  exit 1
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  python3 -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing sora-studio and its test dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
