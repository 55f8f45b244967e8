"""Benchmark: hover-scrub latency in the review grid against decoding the frame from the MP4.

Run with ``.venv/bin/python tests/benchmarks/bench_scrub.py`` (a display is not needed: Qt's
offscreen platform is used when none is set). Builds a real library database with 2,000 ready
clips. One real 1280x720 clip is rendered by the emulator and every row's assets point at its
files, so set-up stays fast while every frame still goes through the real path: spritesheet JPEG
decoded off-thread by the thumbnail cache, crop cached, one cell repainted.

Measured: the time from a synthetic mouse-move event on the grid to the moment the event loop
has repainted the hovered cell with the new frame (p50, p99 over many moves that each land on a
different frame, sweeping across cells as a hand does), next to the time PyAV takes to open the
MP4, seek and decode that frame (median). Goal: p99 under 4 ms and at least 20x faster than
decoding. ``speedup`` is the median decode over the p50 scrub. Last line: JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av
from gui_heartbeat import percentile  # type: ignore[import-not-found]
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from sora_studio.core.models import Asset, AssetVariant, JobStatus
from sora_studio.core.spritesheet import frame_index_at, frame_time_ms
from sora_studio.emulator.renderer import RenderedFiles, RenderSpec, render_video
from sora_studio.services.library import sha256_of
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.review.clip_delegate import image_rect
from sora_studio.ui.review.review_panel import ReviewPanel

CLIPS = 2000
MOVES = 25 * 40
FRAMES = 25


def render_sample(folder: Path) -> RenderedFiles:
    return render_video(
        RenderSpec("video_bench", "a red fox crossing a snowy field at dawn", 1280, 720, 4),
        folder,
    )


def seed_library(db_path: Path, count: int, media: RenderedFiles) -> None:
    """``count`` ready clips in one transaction, all pointing at the same media files."""
    repo = Repository(open_db(db_path))
    hashes = {
        AssetVariant.VIDEO: (media.video, sha256_of(media.video)),
        AssetVariant.THUMBNAIL: (media.thumbnail, sha256_of(media.thumbnail)),
        AssetVariant.SPRITESHEET: (media.spritesheet, sha256_of(media.spritesheet)),
    }
    try:
        with repo.db.atomic():
            for i in range(count):
                job = repo.create_job(
                    provider="emulator",
                    fingerprint=f"fp{i}",
                    prompt=f"take {i}: a red fox crossing a snowy field at dawn",
                    model="sora-2",
                    size="1280x720",
                    seconds=4,
                    status=JobStatus.READY,
                    estimate_cents=Decimal(40),
                    queue_position=i,
                )
                repo.update_job(job.id, cost_cents=Decimal(40), remote_id=f"video_{i}")
                for variant, (path, digest) in hashes.items():
                    size = path.stat().st_size
                    repo.upsert_asset(Asset(job.id, variant, str(path), size, digest, True, 1.0))
    finally:
        repo.close()


def decode_frame_ms(video: Path, frame: int) -> float:
    """Open the MP4, seek to ``frame``'s time and decode it to RGB, as a scrubber without a
    spritesheet would have to."""
    start = time.perf_counter()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        duration_ms = int(float(stream.duration * stream.time_base) * 1000)
        target_s = frame_time_ms(frame, FRAMES, duration_ms) / 1000
        container.seek(int(target_s / stream.time_base), stream=stream, backward=True)
        for decoded in container.decode(stream):
            if decoded.time is not None and decoded.time + 1e-6 >= target_s:
                decoded.to_ndarray(format="rgb24")
                break
    return (time.perf_counter() - start) * 1000


def sample_library(root: Path, count: int) -> tuple[RenderedFiles, float]:
    """A library in ``root`` with ``count`` ready clips sharing one rendered clip's media (see
    :func:`seed_library`); returns that media and the seconds the set-up took."""
    t0 = time.perf_counter()
    media = render_sample(root / "sample")
    seed_library(root / "studio.sqlite3", count, media)
    return media, time.perf_counter() - t0


def open_panel(root: Path) -> ReviewPanel:
    """The review panel on the library in ``root``, as the benchmarks measure it (no audio)."""
    library = root / "library"
    return ReviewPanel(root / "studio.sqlite3", library, reviewer="bench", with_audio=False)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        media, set_up_s = sample_library(root, CLIPS)
        print(
            f"library: {CLIPS} clips sharing one real 1280x720 clip's media "
            f"({set_up_s:.1f} s set-up)"
        )
        panel = open_panel(root)
        panel.resize(1600, 1000)
        panel.show()
        app.processEvents()
        grid = panel.grid
        viewport = grid.viewport()
        painted: list[tuple[int, int]] = []
        grid.clip_delegate.paint_listener = lambda job, frame: painted.append((job, frame))
        cells = [panel.proxy.index(r, 0) for r in range(12)]
        # Warm-up: the first hover starts the (single, shared) spritesheet decode off-thread.
        first = grid.visualRect(cells[0])
        grid.scrub_to(QPoint(first.center()))
        deadline = time.perf_counter() + 10
        while grid.clip_delegate.layout_for(panel.model.clip_row(panel.proxy.job_id_at(0))) is None:
            app.processEvents()
            if time.perf_counter() > deadline:
                raise SystemExit("the spritesheet never loaded")
        samples: list[float] = []
        previous: tuple[int, int] | None = None
        for move in range(MOVES):
            # Sweep each cell left to right, as a hand does, then go on to the next cell (so
            # one move in 25 also repaints the cell being left).
            index = cells[(move // FRAMES) % len(cells)]
            picture = image_rect(grid.visualRect(index).adjusted(2, 2, -2, -2))
            frame = move % FRAMES
            x = picture.left() + int((frame + 0.5) * picture.width() / FRAMES)
            job_id = panel.proxy.job_id_at(index.row())
            expected = (job_id, frame_index_at(x - picture.left(), picture.width(), FRAMES))
            if expected == previous:
                continue
            previous = expected
            painted.clear()
            pos = QPointF(x, picture.center().y())
            event = QMouseEvent(
                QEvent.Type.MouseMove,
                pos,
                QPointF(viewport.mapToGlobal(pos.toPoint())),
                Qt.MouseButton.NoButton,
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
            )
            start = time.perf_counter()
            QApplication.sendEvent(viewport, event)
            while expected not in painted:
                app.processEvents()
            samples.append((time.perf_counter() - start) * 1000)
        warm = samples[len(samples) // 10 :]  # the first pass fills the crop cache
        p50, p99 = percentile(warm, 0.5), percentile(warm, 0.99)
        print(f"hover -> repainted cell over {len(warm)} moves: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
        print(
            f"  (incl. the first pass, which cuts and scales the crops: "
            f"p99 {percentile(samples, 0.99):.3f} ms)"
        )
        decodes = [decode_frame_ms(media.video, f) for f in range(0, FRAMES, 2)]
        decode_ms = statistics.median(decodes)
        print(
            f"PyAV open + seek + decode of the same frame from the MP4: median {decode_ms:.2f} ms"
        )
        speedup = decode_ms / p50
        print(
            f"speedup (median decode / p50 scrub): {speedup:.0f}x; vs p99: {decode_ms / p99:.0f}x"
        )
        painted_cells = {job for job, _ in painted}
        print(f"cells repainted by the last move: {len(painted_cells)}")
        panel.shutdown()
        panel.deleteLater()
        app.processEvents()
    print(
        json.dumps(
            {
                "clips": CLIPS,
                "p50_ms": round(p50, 3),
                "p99_ms": round(p99, 3),
                "decode_ms": round(decode_ms, 2),
                "speedup": round(speedup, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
