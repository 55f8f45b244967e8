#!/usr/bin/env bash
# Builds the desktop bundle: a self-contained folder dist/sora-studio/ with the `sora-studio`
# executable (the desk, and the headless sub-commands), made by PyInstaller from
# packaging/sora-studio.spec.
#
# The build runs in its own virtual environment, packaging/.build-venv, holding the app's runtime
# dependencies (from pyproject.toml) and the pinned build tools (packaging/requirements.txt), so
# PyInstaller never lands in the development venv. The app itself is analysed from the working
# tree, not installed. The venv is reinstalled only when pyproject.toml or the requirements change.
#
# Then it packs the download, dist/sora-studio-VERSION-linux-ARCH.tar.zst, and prints the sizes of
# both (MB and files unpacked, MB packed) as its last lines.
#
# Usage: packaging/build.sh [--dev-venv] [--clean] [--no-archive]
#   --dev-venv    build with the development venv (.venv, made by scripts/bootstrap.sh) instead,
#                 installing the pinned build tools into it: saves a second copy of PySide6
#   --clean       drop PyInstaller's cache and the previous bundle first
#   --no-archive  skip the download archive (quicker while iterating on the bundle)
# Environment: SORA_BUILD_PYTHON  the interpreter that makes the build venv (default: python3);
#              it must be built with a shared libpython (PyInstaller needs it).
set -euo pipefail
cd "$(dirname "$0")/.."

use_dev_venv=0
clean=0
archive=1
for arg in "$@"; do
  case "$arg" in
    --dev-venv) use_dev_venv=1 ;;
    --clean) clean=1 ;;
    --no-archive) archive=0 ;;
    --tarball) ;; # the archive is always made now; kept so older commands still work
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    *)
      echo "build: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

stamp_name=".packaging-$(cat pyproject.toml packaging/requirements.txt | sha256sum | cut -c1-16)"

if [ "$use_dev_venv" = 1 ]; then
  bash scripts/bootstrap.sh
  venv=.venv
  if [ ! -f "$venv/$stamp_name" ]; then
    echo "build: installing the build tools into $venv"
    "$venv/bin/python" -m pip install -q -r packaging/requirements.txt
    rm -f "$venv"/.packaging-*
    touch "$venv/$stamp_name"
  fi
else
  venv=packaging/.build-venv
  python="${SORA_BUILD_PYTHON:-python3}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "build: $python not found; install Python 3.11+ or set SORA_BUILD_PYTHON" >&2
    exit 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "build: Python 3.11 or newer is needed; $python is $("$python" --version)" >&2
    exit 1
  fi
  if [ "$(uname -s)" = Linux ] &&
    ! "$python" -c 'import sysconfig, sys; sys.exit(not sysconfig.get_config_var("Py_ENABLE_SHARED"))'; then
    echo "build: $python has no shared libpython, which PyInstaller needs." >&2
    echo "build: use the distribution's python3, or rebuild with --enable-shared" >&2
    echo "build: (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.11)." >&2
    exit 1
  fi
  if [ ! -f "$venv/$stamp_name" ]; then
    echo "build: preparing the build venv $venv (runtime dependencies + PyInstaller)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # Installing the project pulls exactly its runtime dependencies; the project itself is then
    # removed so the spec analyses the working tree and never a stale installed copy.
    "$venv/bin/python" -m pip install -q -r packaging/requirements.txt .
    "$venv/bin/python" -m pip uninstall -q -y sora-studio
    touch "$venv/$stamp_name"
  fi
fi

if [ "$clean" = 1 ]; then
  rm -rf build/pyinstaller dist/sora-studio
fi

echo "build: running PyInstaller (a few minutes; nice'd so the machine stays usable)"
start=$(date +%s)
clean_flag=()
[ "$clean" = 1 ] && clean_flag=(--clean)
nice -n 10 "$venv/bin/python" -m PyInstaller --noconfirm "${clean_flag[@]}" --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/sora-studio.spec

bundle=dist/sora-studio
if [ "$(uname -s)" = Linux ]; then
  # The desktop entry, metainfo and icons travel with the bundle, with the script that installs
  # them pointing at this bundle's executable.
  rm -rf "$bundle/resources"
  mkdir -p "$bundle/resources"
  cp -r resources/icons resources/*.desktop resources/*.metainfo.xml "$bundle/resources/"
  cp packaging/install-desktop-entry.sh "$bundle/install-desktop-entry.sh"
  chmod +x "$bundle/install-desktop-entry.sh"
fi

elapsed=$(($(date +%s) - start))
summary="build: $bundle: $(du -sm "$bundle" | cut -f1) MB in $(find "$bundle" -type f | wc -l) files, built in ${elapsed}s"

[ "$(uname -s)" = Linux ] || archive=0 # macOS and Windows ship a .dmg or an installer
if [ "$archive" = 1 ]; then
  # The download. zstd at level 12 with a 128 MB window packs the bundle to about a third in
  # ~15 s on two cores and unpacks it in about a second; xz -6 is ~10% smaller but takes minutes
  # to pack here and ten times longer to unpack, and gzip is ~15% bigger. GNU tar unpacks it
  # with a plain `tar -xf` (1.31+, with the zstd tool every current distribution ships). The
  # window is the largest zstd unpacks without being told (--long=27), and the entries carry
  # no build user's name. Without zstd here, xz packs a .tar.xz instead.
  version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' sora_studio/__init__.py)
  base="dist/sora-studio-$version-$(uname -s | tr 'A-Z' 'a-z')-$(uname -m)"
  rm -f "$base".tar.*
  pack_start=$(date +%s)
  tar_flags=(--sort=name --owner=0 --group=0 --numeric-owner -C dist -cf - sora-studio)
  if command -v zstd >/dev/null 2>&1; then
    packed="$base.tar.zst"
    tar "${tar_flags[@]}" | nice -n 10 zstd -q -12 --long=27 -T0 -o "$packed"
    how="zstd -12"
  else
    packed="$base.tar.xz"
    tar "${tar_flags[@]}" | nice -n 10 xz -6 -T0 >"$packed"
    how="xz -6 (no zstd here)"
  fi
  packed_summary="build: $packed: $(du -m "$packed" | cut -f1) MB ($how, packed in $(($(date +%s) - pack_start))s)"
fi

echo "$summary"
[ "$archive" = 0 ] || echo "$packed_summary"
