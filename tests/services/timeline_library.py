"""A small library for the timeline tests: real MP4s at three frame rates, verdicts and notes.

Shared by ``test_timeline_export.py`` and ``test_timeline_import.py``. The clips are written
through the app's own encoder at 24, 30 and 25 fps, so a test can tell a clip's own rate from an
assumed 24.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sora_studio.core.models import Note, ReviewStatus
from sora_studio.media.encode import Mp4Writer
from sora_studio.services import review
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job, add_video_asset

SAMPLE_RATE = 48_000


def write_clip_at(path: Path, fps: int, frames: int, level: int = 40) -> Path:
    """``frames`` frames at ``fps`` with a tone; each clip's bytes differ by ``level``."""
    with Mp4Writer(path, 160, 90, fps=fps) as writer:
        for index in range(frames):
            writer.write_frame(np.full((90, 160, 3), (level + index) % 256, dtype=np.uint8))
        t = np.arange(frames * SAMPLE_RATE // fps, dtype=np.float32) / SAMPLE_RATE
        writer.write_audio(0.1 * np.sin(2 * np.pi * 440 * t))
    return path


def write_ntsc_clip(path: Path, frames: int) -> Path:
    """``frames`` frames of H.264 at exactly 30000/1001 fps (the app's encoder takes whole
    rates only), so a test can see 29.97 kept as it is."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(30000, 1001))
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        for index in range(frames):
            picture = np.full((90, 160, 3), (index * 5) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@dataclass
class TimelineLibrary:
    repo: Repository
    media: Path
    boat: int  # 24 fps, 48 frames, approved; an open range note and a resolved note
    kite: int  # 30 fps, 90 frames, approved; one open note
    fog: int  # 25 fps, 50 frames, rejected; no notes
    notes: dict[int, list[Note]]

    def rate(self, job_id: int) -> int:
        return {self.boat: 24, self.kite: 30, self.fog: 25}[job_id]

    def frames(self, job_id: int) -> int:
        return {self.boat: 48, self.kite: 90, self.fog: 50}[job_id]


def build_library(tmp_path: Path) -> TimelineLibrary:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    media = tmp_path / "library-media"
    media.mkdir()
    boat = add_job(repo, prompt="a paper boat at dawn", seconds=2, cost_cents=Decimal(40))
    add_video_asset(repo, boat.id, write_clip_at(media / "boat-render.mp4", 24, 48, 10))
    kite = add_job(repo, prompt="a red kite", model="sora-2-pro", seconds=3)
    add_video_asset(repo, kite.id, write_clip_at(media / "kite-render.mp4", 30, 90, 80))
    fog = add_job(repo, prompt="fog over the bay", seconds=2)
    add_video_asset(repo, fog.id, write_clip_at(media / "fog-render.mp4", 25, 50, 160))
    review.record_verdict(repo, [boat.id, kite.id], ReviewStatus.APPROVED, "ben")
    review.record_verdict(repo, [fog.id], ReviewStatus.REJECTED, "ana", "too grey")
    review.add_note(repo, boat.id, 500, "lens flare — keep it", "ana", end_ms=1250)
    done = review.add_note(repo, boat.id, 1500, "cut here", "ben")
    review.resolve_note(repo, done.id)
    review.add_note(repo, kite.id, 1000, "kite leaves the frame", "ana")
    notes = {job_id: repo.notes_for(job_id) for job_id in (boat.id, kite.id, fog.id)}
    return TimelineLibrary(repo, media, boat.id, kite.id, fog.id, notes)
