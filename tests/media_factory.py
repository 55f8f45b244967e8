"""Real media for tests: small MP4 clips written through PyAV (the app's own encoder).

One helper for every test that needs a clip on disk. Tests under ``tests/services`` get it as
the ``make_clip`` fixture (``tests/services/conftest.py``); others import :func:`write_clip`.
:func:`remux_moov_at_end` rewrites one the way many cameras and editors do, index last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import av
import numpy as np

from sora_studio.media.encode import Mp4Writer

FPS = 24
SAMPLE_RATE = 48_000


class ClipMaker(Protocol):
    """The type of :func:`write_clip` (and of the ``make_clip`` fixture)."""

    def __call__(
        self,
        path: Path,
        *,
        level: int = ...,
        frames: int = ...,
        width: int = ...,
        height: int = ...,
    ) -> Path: ...


def write_clip(
    path: Path,
    *,
    level: int = 90,
    frames: int = 48,
    width: int = 320,
    height: int = 180,
) -> Path:
    """``frames`` frames at 24 fps (48 = 2 s) with a sine tone; returns ``path``.

    Each frame is one flat grey that steps up from ``level``, so clips written with different
    levels have different bytes (and different checksums) while looking alike.
    """
    with Mp4Writer(path, width, height, fps=FPS) as writer:
        for index in range(frames):
            writer.write_frame(np.full((height, width, 3), (level + index) % 256, dtype=np.uint8))
        t = np.arange(frames * (SAMPLE_RATE // FPS), dtype=np.float32) / SAMPLE_RATE
        writer.write_audio(0.1 * np.sin(2 * np.pi * 440 * t))
    return path


def remux_moov_at_end(source: Path, dest: Path) -> Path:
    """Copy ``source``'s packets into ``dest`` through PyAV without ``+faststart``.

    The result holds the same pictures and sound with its ``moov`` index after the media
    (``ftyp``, ``free``, ``mdat``, ``moov``): a prefix of such a file has no index at all, which
    is the shape of a download or copy cut short.
    """
    with av.open(str(source)) as reader, av.open(str(dest), "w", format="mp4") as writer:
        streams = {s.index: writer.add_stream_from_template(s) for s in reader.streams}
        for packet in reader.demux():
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = streams[packet.stream.index]
            writer.mux(packet)
    return dest
