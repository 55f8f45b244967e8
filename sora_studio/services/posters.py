"""Posters for the player: a clip's first frame as plain pixels, the posters part of the facade.

The desk decodes the first frame of the clip it expects to show next on a pool thread, so that
switching to it shows a picture at once while QtMultimedia opens the file. PyAV is imported
inside the function, on the pool thread that asks, never on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FramePixels:
    """One decoded picture: ``rgb`` holds ``height`` rows of ``width * 3`` bytes."""

    width: int
    height: int
    rgb: bytes


def first_frame(video_path: str | Path, max_side: int = 1280) -> FramePixels:
    """The clip's first frame, its long side at most ``max_side``; pool thread.

    Raises ``UserError`` (``MediaError``) when the video cannot be decoded.
    """
    from sora_studio.media.poster import first_frame_rgb

    width, height, rgb = first_frame_rgb(video_path, max_side)
    return FramePixels(width, height, rgb)
