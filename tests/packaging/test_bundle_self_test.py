"""packaging/bundle_self_test.py, the checks packaging/smoke_test.sh runs inside the built bundle
(``sora-studio --bundle-self-test CHECK``), run here on the development venv so a mistake in a
check shows up without a bundle build. Each runs in its own process, as in the bundle.
"""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _self_test(*args: str) -> subprocess.CompletedProcess[str]:
    program = (
        f"import sys\nsys.path.insert(0, {str(ROOT / 'packaging')!r})\n"
        "from bundle_self_test import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def _clip(path: Path, *, sound: bool, seconds: int = 1) -> Path:
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 160, 96, "yuv420p"
        audio = container.add_stream("aac", rate=48000, layout="stereo") if sound else None
        for index in range(24 * seconds):
            image = np.full((96, 160, 3), (index * 9) % 256, dtype=np.uint8)
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(video.encode(None))
        if audio is not None:
            tone = np.sin(np.arange(1024) / 1024 * 2 * np.pi * 8).astype(np.float32)
            for index in range(48000 * seconds // 1024 + 1):
                frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp")
                frame.sample_rate, frame.pts = 48000, index * 1024
                frame.time_base = Fraction(1, 48000)
                container.mux(audio.encode(frame))
            container.mux(audio.encode(None))
    return path


def test_imports_check_passes() -> None:
    result = _self_test("imports")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("self-test: imports: numpy")
    assert "H.264+AAC round trip" in result.stdout


def test_play_check_plays_a_clip_with_its_sound(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "clip.mp4", sound=True)
    result = _self_test("play", str(clip))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "played to its end" in result.stdout
    assert "Using Qt multimedia with FFmpeg" in result.stderr


def test_play_check_fails_on_a_clip_without_sound(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "silent.mp4", sound=False)
    result = _self_test("play", str(clip))
    assert result.returncode == 1
    assert "play FAILED" in result.stderr and "no sound" in result.stderr


@pytest.mark.parametrize("args", [(), ("nonsense",)])
def test_an_unknown_check_prints_the_usage(args: tuple[str, ...]) -> None:
    result = _self_test(*args)
    assert result.returncode == 2
    assert "--bundle-self-test {imports,play,keyring}" in result.stderr
