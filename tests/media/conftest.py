"""Small clips for the media tests, written with the project's own encoder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sora_studio.media.encode import Mp4Writer

FPS = 24


def level_for(index: int) -> int:
    """The grey level of frame ``index`` in ``counting_clip``: distinct per frame, far apart."""
    return 20 + (index * 9) % 220


def write_counting_clip(
    path: Path, *, width: int = 320, height: int = 180, frames: int = 48
) -> Path:
    """A clip whose frame ``k`` is a flat grey ``level_for(k)``, with a quiet tone."""
    with Mp4Writer(path, width, height, fps=FPS) as writer:
        for index in range(frames):
            writer.write_frame(np.full((height, width, 3), level_for(index), dtype=np.uint8))
        t = np.arange(frames * 48_000 // FPS, dtype=np.float32) / 48_000
        writer.write_audio(0.1 * np.sin(2 * np.pi * 440 * t))
    return path


@pytest.fixture(scope="session")
def frame_level() -> Callable[[int], int]:
    """``level_for``, for tests that check which frame they got."""
    return level_for


@pytest.fixture(scope="session")
def counting_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s at 320x180, 24 fps: frame k is grey ``level_for(k)``."""
    return write_counting_clip(tmp_path_factory.mktemp("clips") / "counting.mp4")
