#!/usr/bin/env bash
# Smoke test of the built bundle (dist/sora-studio/ by default): does the frozen app start, render
# on the built-in emulator and open the desk, with nothing from the development tree?
#
#   1. `sora-studio --version` (timed: the bundle's cold start)
#   2. the Qt plugins the desk needs are in the bundle and their libraries resolve inside it
#      (platforms xcb/wayland/offscreen, the FFmpeg multimedia backend, SVG icons and images)
#   3. `sora-studio render "a red kite over a green hill" --seconds 4 --wait --json` on the
#      built-in emulator, in a fresh data folder: exit 0, status ready, and the three files it
#      names exist; the MP4 decodes to 4 s of 1280x720 video with sound, the images decode
#   4. the desk itself, offscreen, on the same data folder: it must come up and stay up without
#      an error and load the FFmpeg multimedia backend (it quits by itself when the app honours
#      SORA_STUDIO_EXIT_AFTER_SHOWN=1; otherwise it is stopped after DESK_SECONDS)
#
# Usage: packaging/smoke_test.sh [BUNDLE_DIR]
# Environment: PROBE_PYTHON  a Python with PyAV and Pillow to check the files (default: the build
#              venv's, else .venv's); DESK_SECONDS (default 12); KEEP_SMOKE_DATA=1 keeps the data
#              folder for a look.
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
cleanup() {
  if [ "${KEEP_SMOKE_DATA:-0}" = 1 ]; then
    echo "smoke: data kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
data="$work/data"

# A clean environment for the app: offscreen Qt, no provider configured (so the built-in emulator
# is used), no data folder override other than ours.
run_app() {
  env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u SORA_STUDIO_DATA_DIR -u PYTHONPATH -u PYTHONHOME \
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

# 4. The desk, offscreen, on the library that now holds one clip.
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

echo "smoke: PASS ($(du -sh "$bundle" | cut -f1) bundle at $bundle)"
