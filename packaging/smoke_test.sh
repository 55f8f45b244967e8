#!/usr/bin/env bash
# Smoke test of the built bundle (dist/sora-studio/ by default): does the frozen app start, render
# on the built-in emulator, play, store a key and open the desk, with nothing from the
# development tree? Several steps run `sora-studio --bundle-self-test CHECK`
# (packaging/bundle_self_test.py), which works with the bundle's own copies of the libraries the
# spec trims, strips, stubs or replaces.
#
#   1. `sora-studio --version` (timed: the bundle's cold start)
#   2. the Qt plugins the desk needs are in the bundle and their libraries resolve inside it
#      (platforms xcb/wayland/offscreen, the FFmpeg multimedia backend, SVG icons and images),
#      and so do PyAV's; the self-test `imports`: numpy's OpenBLAS, PyAV encoding H.264 + AAC and
#      decoding it, Pillow and Qt image formats, ssl/truststore, openai on httpx2, AES-CBC
#   3. `sora-studio render "a red kite over a green hill" --seconds 4 --wait --json` on the
#      built-in emulator, in a fresh data folder: exit 0, status ready, and the three files it
#      names exist; the MP4 decodes to 4 s of 1280x720 video with sound, the images decode
#   4. the self-test `play`: QtMultimedia plays that clip offscreen to its end through the
#      bundled FFmpeg backend, decoding its video frames and its sound
#   5. `sora-studio export report-pdf`: the PDF report (fpdf2 and fontTools) of that library
#   6. the key store: a private session bus with a stand-in Secret Service
#      (packaging/smoke/secret_service.py); the self-test `keyring` stores, reads and deletes a
#      key, then `providers add --key-stdin` stores a provider's key, the service receives it
#      intact and `providers list` reads it back (masked). Skipped without dbus-daemon.
#   7. the desk itself, offscreen, on the same data folder: it must come up and stay up without
#      an error and load the FFmpeg multimedia backend (it quits by itself when the app honours
#      SORA_STUDIO_EXIT_AFTER_SHOWN=1; otherwise it is stopped after DESK_SECONDS)
#   8. the size budget: the bundle under MAX_BUNDLE_MB (300) and, when build.sh packed it, the
#      download beside it under MAX_ARCHIVE_MB (120)
#
# Usage: packaging/smoke_test.sh [BUNDLE_DIR]
# Environment: PROBE_PYTHON  a Python with PyAV, Pillow, jeepney and cryptography to check the
#              files and run the stand-in Secret Service (default: the build venv's, else
#              .venv's); DESK_SECONDS (default 12); MAX_BUNDLE_MB, MAX_ARCHIVE_MB;
#              KEEP_SMOKE_DATA=1 keeps the data folder for a look.
set -euo pipefail
cd "$(dirname "$0")/.."

bundle="${1:-dist/sora-studio}"
exe="$bundle/sora-studio"
desk_seconds="${DESK_SECONDS:-12}"
prompt="a red kite over a green hill"

fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

[ -x "$exe" ] || fail "no executable at $exe; build it first with packaging/build.sh (make package)"

probe_python="${PROBE_PYTHON:-}"
if [ -z "$probe_python" ]; then
  for candidate in packaging/.build-venv/bin/python .venv/bin/python; do
    if [ -x "$candidate" ] && "$candidate" -c 'import av, PIL' >/dev/null 2>&1; then
      probe_python="$candidate"
      break
    fi
  done
fi
[ -n "$probe_python" ] || fail "no Python with PyAV and Pillow to check the files; set PROBE_PYTHON"

work="$(mktemp -d "${TMPDIR:-/tmp}/sora-smoke.XXXXXX")"
bus_pid=""
service_pid=""
cleanup() {
  [ -z "$service_pid" ] || kill "$service_pid" 2>/dev/null || true
  [ -z "$bus_pid" ] || kill "$bus_pid" 2>/dev/null || true
  if [ "${KEEP_SMOKE_DATA:-0}" = 1 ]; then
    echo "smoke: data kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
data="$work/data"

# A clean environment for the app: offscreen Qt, no provider configured (so the built-in emulator
# is used), no data folder override other than ours, no keyring choice or configuration of the
# user's (XDG_CONFIG_HOME holds keyring's keyringrc.cfg).
run_app() {
  env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u SORA_STUDIO_DATA_DIR -u PYTHONPATH -u PYTHONHOME \
    -u PYTHON_KEYRING_BACKEND XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" \
    QT_QPA_PLATFORM=offscreen "$@"
}

# 1. Cold start.
t0=$(now)
version="$(run_app "$exe" --version)" || fail "--version exited $?"
t1=$(now)
[[ "$version" == sora-studio\ * ]] || fail "--version printed '$version'"
echo "smoke: $version; --version took $(elapsed "$t0" "$t1")s"

# 2. The plugins the desk loads at run time, present and linkable inside the bundle.
qt="$bundle/_internal/PySide6/Qt"
for plugin in platforms/libqxcb.so platforms/libqoffscreen.so platforms/libqwayland.so \
  multimedia/libffmpegmediaplugin.so iconengines/libqsvgicon.so imageformats/libqsvg.so \
  imageformats/libqjpeg.so; do
  [ -f "$qt/plugins/$plugin" ] || fail "the bundle lacks the Qt plugin $plugin"
  if command -v ldd >/dev/null 2>&1; then
    # Libraries that must come from the bundle; system ones (X11, Wayland, GL) may be absent on a
    # headless build machine and are the target desktop's to provide.
    missing="$(ldd "$qt/plugins/$plugin" | grep 'not found' | grep -E 'libQt6|libav|libsw|libicu|libpyside|libshiboken' || true)"
    [ -z "$missing" ] || fail "$plugin cannot find bundled libraries: $missing"
  fi
done
echo "smoke: Qt plugins present: platforms (xcb, wayland, offscreen), FFmpeg multimedia, SVG, images"
if command -v ldd >/dev/null 2>&1; then
  # PyAV's FFmpeg, with the stand-ins the spec put in place of the encoders it never runs.
  for library in "$bundle"/_internal/av.libs/libav*.so*; do
    missing="$(ldd "$library" | grep 'not found' || true)"
    [ -z "$missing" ] || fail "$(basename "$library") cannot find: $missing"
  done
fi
self_test() {
  local check="$1"
  shift
  run_app "$exe" --bundle-self-test "$check" "$@" >"$work/self-test-$check.log" 2>&1 || {
    cat "$work/self-test-$check.log" >&2
    fail "the bundle's self-test '$check' failed"
  }
  grep '^self-test: ' "$work/self-test-$check.log" | sed 's/^self-test: /smoke: /'
}
self_test imports

# 3. One render on the built-in emulator, headless.
t0=$(now)
if ! run_app "$exe" --data-dir "$data" render "$prompt" --seconds 4 --wait --json --timeout 300 \
  >"$work/render.json" 2>"$work/render.log"; then
  cat "$work/render.log" >&2
  fail "render --wait --json exited non-zero"
fi
t1=$(now)
echo "smoke: render --wait --json finished in $(elapsed "$t0" "$t1")s"

"$probe_python" - "$work/render.json" "$prompt" <<'PY' || fail "the render's files do not check out"
"""Check the JSON the render printed and decode every file it names."""

import json
import sys
from pathlib import Path

import av
from PIL import Image

result = json.loads(Path(sys.argv[1]).read_text())
assert result["status"] == "ready", f"status is {result['status']}: {result.get('error_message')}"
assert result["prompt"] == sys.argv[2], result["prompt"]
paths = result["paths"]
for variant in ("video", "thumbnail", "spritesheet"):
    assert paths.get(variant), f"no {variant} path in {paths}"
    assert Path(paths[variant]).is_file(), f"{variant} file missing: {paths[variant]}"

with av.open(paths["video"]) as container:
    video = container.streams.video[0]
    assert (video.width, video.height) == (1280, 720), (video.width, video.height)
    assert container.streams.audio, "the MP4 has no audio stream"
    frames = sum(1 for _ in container.decode(video=0))
    duration = float(container.duration or 0) / av.time_base
assert frames > 0, "no video frame decoded"
assert 3.5 <= duration <= 4.5, f"duration {duration:.2f}s, expected about 4s"
for variant in ("thumbnail", "spritesheet"):
    with Image.open(paths[variant]) as image:
        image.load()
print(
    f"smoke: job {result['job_id']} ready: {frames} frames, {duration:.2f}s 1280x720 with audio; "
    f"thumbnail and spritesheet decode"
)
PY

# 4. Playback with sound through QtMultimedia, as the desk's player does it.
video="$("$probe_python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["paths"]["video"])' "$work/render.json")"
self_test play "$video"
grep -q 'Using Qt multimedia with FFmpeg' "$work/self-test-play.log" ||
  fail "the player did not use the bundled FFmpeg multimedia backend"

# 5. The PDF report: fpdf2 with fontTools, stripped like every library in the bundle.
run_app "$exe" --data-dir "$data" export report-pdf "$work/report.pdf" >"$work/export.log" 2>&1 || {
  cat "$work/export.log" >&2
  fail "export report-pdf exited non-zero"
}
{ [ "$(head -c 5 "$work/report.pdf")" = "%PDF-" ] && tail -c 32 "$work/report.pdf" | grep -q '%%EOF'; } ||
  fail "export report-pdf wrote no complete PDF"
echo "smoke: export report-pdf wrote a $(du -k "$work/report.pdf" | cut -f1) KB PDF"

# 6. The key store, on a private session bus with a stand-in Secret Service.
if command -v dbus-daemon >/dev/null 2>&1; then
  "$probe_python" -c 'import jeepney, cryptography' 2>/dev/null ||
    fail "$probe_python lacks jeepney or cryptography for the stand-in Secret Service"
  bus="$(dbus-daemon --session --fork --nopidfile --print-address=1 --print-pid=1)" ||
    fail "could not start a private session bus"
  DBUS_SESSION_BUS_ADDRESS="$(sed -n 1p <<<"$bus")"
  export DBUS_SESSION_BUS_ADDRESS
  bus_pid="$(sed -n 2p <<<"$bus")"
  "$probe_python" packaging/smoke/secret_service.py --store "$work/secrets.json" \
    --ready "$work/secrets.ready" 2>"$work/secret-service.log" &
  service_pid=$!
  for _ in $(seq 100); do
    [ -f "$work/secrets.ready" ] && break
    kill -0 "$service_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -f "$work/secrets.ready" ] || {
    cat "$work/secret-service.log" >&2
    fail "the stand-in Secret Service did not start"
  }
  self_test keyring
  key="sk-smoke-$(date +%s)-7xQz"
  printf '%s\n' "$key" | run_app "$exe" --data-dir "$data" providers add smoke-proxy \
    --preset litellm --base-url http://127.0.0.1:9/v1 --key-stdin >"$work/providers.log" 2>&1 || {
    cat "$work/providers.log" >&2
    fail "providers add --key-stdin exited non-zero"
  }
  run_app "$exe" --data-dir "$data" providers list --json >"$work/providers.json" \
    2>>"$work/providers.log" || {
    cat "$work/providers.log" >&2
    fail "providers list exited non-zero"
  }
  "$probe_python" - "$work/secrets.json" "$work/providers.json" "$key" <<'PY' ||
"""The service holds the key exactly as sent; the app reads it back through keyring (masked)."""

import json
import sys
from pathlib import Path

stored = json.loads(Path(sys.argv[1]).read_text())
providers = json.loads(Path(sys.argv[2]).read_text())
key = sys.argv[3]
secrets = [item["secret"] for item in stored]
assert secrets == [key], f"the Secret Service holds {len(secrets)} secrets, not the key sent"
(row,) = [p for p in providers if p["name"] == "smoke-proxy"]
assert row["key_source"] == "keyring", row
assert row["key"] and row["key"].endswith(key[-4:]) and key not in row["key"], row["key"]
print(f"smoke: providers add --key-stdin stored the key in the Secret Service; list shows {row['key']}")
PY
    fail "the key store does not check out"
  kill "$service_pid" "$bus_pid" 2>/dev/null || true
  service_pid=""
  bus_pid=""
  unset DBUS_SESSION_BUS_ADDRESS
else
  echo "smoke: SKIP the key store (no dbus-daemon for a private session bus)"
fi

# 7. The desk, offscreen, on the library that now holds one clip.
t0=$(now)
set +e
run_app SORA_STUDIO_EXIT_AFTER_SHOWN=1 timeout -k 5 "$desk_seconds" "$exe" --data-dir "$data" \
  >"$work/desk.log" 2>&1
rc=$?
set -e
t1=$(now)
if grep -E -q 'Traceback|start-up failed|could not start|Could not load the Qt platform plugin|Cannot load library|No QtMultimedia backends' "$work/desk.log"; then
  cat "$work/desk.log" >&2
  fail "the desk reported an error"
fi
case "$rc" in
  0) echo "smoke: the desk showed its window and quit by itself after $(elapsed "$t0" "$t1")s" ;;
  124) echo "smoke: the desk ran ${desk_seconds}s offscreen without an error (stopped by timeout)" ;;
  *)
    cat "$work/desk.log" >&2
    fail "the desk exited $rc"
    ;;
esac
[ -f "$data/studio.sqlite3" ] || fail "the desk left no database in $data"
# The player is built with the desk, so Qt must have loaded the bundled FFmpeg backend.
grep -q 'Using Qt multimedia with FFmpeg' "$work/desk.log" ||
  fail "the desk did not load the FFmpeg multimedia backend (no 'Using Qt multimedia with FFmpeg' line)"
echo "smoke: the desk loaded the bundled FFmpeg multimedia backend"

# 8. The size budget (packaging/README.md says what is in the bundle and what was cut).
bundle_mb=$(du -sm "$bundle" | cut -f1)
[ "$bundle_mb" -lt "${MAX_BUNDLE_MB:-300}" ] ||
  fail "the bundle is $bundle_mb MB, over MAX_BUNDLE_MB=${MAX_BUNDLE_MB:-300}"
sizes="$bundle_mb MB in $(find "$bundle" -type f | wc -l) files"
archive="$(ls -t "$(dirname "$bundle")"/sora-studio-*.tar.* 2>/dev/null | head -1 || true)"
if [ -n "$archive" ]; then
  archive_mb=$(du -m "$archive" | cut -f1)
  [ "$archive_mb" -lt "${MAX_ARCHIVE_MB:-120}" ] ||
    fail "$archive is $archive_mb MB, over MAX_ARCHIVE_MB=${MAX_ARCHIVE_MB:-120}"
  sizes="$sizes, $archive_mb MB as $(basename "$archive")"
fi
echo "smoke: PASS ($sizes)"
