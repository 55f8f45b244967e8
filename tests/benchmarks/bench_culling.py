"""Benchmark: culling at speed, from a verdict key to the next clip's first picture on screen.

Run with ``.venv/bin/python tests/benchmarks/bench_culling.py`` (``QT_QPA_PLATFORM=offscreen``
works without a display). It builds the whole desk (builder, queue, review grid; no engine, so
nothing renders meanwhile) on a fresh library of ``CLIPS`` finished, unjudged clips with real
MP4s (a few renders of the built-in emulator, copied), opens the first clip and then reviews
them all by key, with auto-advance on as shipped: every ``KEY_EVERY_MS`` a verdict key is
pressed on the grid (``1`` and ``2`` in turn, and every fourth clip a reject: ``R``, a reason
typed in place, ``Return``, timed from the ``Return``).

An *advance* is timed from the key press to the first paint of the player's canvas that shows
the next clip's picture: the poster (its first frame, decoded ahead on a pool thread while the
previous clip played) when it was ready, else QtMultimedia's own first frame. The time to the
player's own first decoded frame is reported too (``player_frame_*``): what the switch would cost
without posters, which is why posters are used. Goal: p95 advance under ``GOAL_MS``. A 5 ms
heartbeat ``QTimer`` on the GUI thread measures its longest stall during the session. After
the desk has shut down the library is read again to check every verdict was stored.

``--no-posters`` turns the posters off (nothing is decoded ahead): the advance then waits for
QtMultimedia's first frame, the measurement that chose posters (see the report of issue 16).

The last line is JSON: ``{"clips", "p50_advance_ms", "p95_advance_ms", "max_stall_ms", ...}``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.job_factory

from gui_heartbeat import Heartbeat, percentile  # type: ignore[import-not-found]
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sora_studio.app import DeskOptions, attach_review, build_desk
from sora_studio.core.models import JobStatus
from sora_studio.emulator.renderer import RenderedFiles, RenderSpec, render_video
from sora_studio.paths import AppPaths, resolve_paths
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.interpreter_tuning import freeze_startup_objects
from tests.job_factory import copy_rendered_files

CLIPS = 100
RENDERS = 4  # distinct clips rendered; the rest are copies of their files
KEY_EVERY_MS = 600  # a quick reviewer: a glance at each clip, then the key
GOAL_MS = 50.0
PICTURE_TIMEOUT_MS = 3000
PROMPTS = (
    "a red fox running through fresh snow at dawn",
    "a lighthouse in a storm, waves crashing, slow push in",
    "neon city street at night in the rain, reflections",
    "a paper boat drifting down a rain-soaked street at dusk",
)


def seed_library(paths: AppPaths, count: int) -> list[int]:
    """``count`` finished clips without a verdict, each with its MP4, thumbnail and sheet."""
    renders: list[RenderedFiles] = []
    for index in range(RENDERS):
        out = paths.data / "renders" / f"r{index}"
        renders.append(render_video(RenderSpec(f"r{index}", PROMPTS[index], 640, 360, 4), out))
    repo = Repository(open_db(paths.database))
    ids = []
    try:
        for index in range(count):
            job = repo.create_job(
                provider="emulator",
                fingerprint=f"cull-{index}",
                prompt=f"Take {index + 1}: {PROMPTS[index % RENDERS]}",
                model="sora-2",
                size="1280x720",
                seconds=4,
                status=JobStatus.QUEUED_LOCAL,
                estimate_cents=Decimal(40),
            )
            job = repo.update_job(
                job.id,
                status=JobStatus.READY,
                remote_id=f"cull_{index}",
                progress=100,
                cost_cents=Decimal(40),
            )
            copy_rendered_files(repo, paths.library, job, renders[index % RENDERS])
            ids.append(job.id)
    finally:
        repo.close()
    return ids


class Reviewer:
    """Presses a verdict key every ``KEY_EVERY_MS`` and times each advance to its picture."""

    def __init__(self, app: QApplication, panel: object) -> None:
        self.app = app
        self.panel = panel
        self.canvas = panel.player.video  # type: ignore[attr-defined]
        self.advance_ms: list[float] = []
        self.player_frame_ms: list[float] = []
        self.from_poster = 0
        self.presses = 0
        self._pressed_at = 0.0
        self._before: int | None = None  # the clip on show when the key was pressed
        self._armed = False
        self._frames_before = 0
        self._picture_seen = False
        self._frame_seen = False
        self.timer = QTimer()
        self.timer.setInterval(KEY_EVERY_MS)
        self.timer.timeout.connect(self.press)
        self.canvas.paint_listener = self._painted

    def _painted(self, frames_shown: int, poster: bool) -> None:
        current = self.panel.current_job_id  # type: ignore[attr-defined]
        if not self._armed or current is None or current == self._before:
            return
        elapsed = (time.perf_counter() - self._pressed_at) * 1000
        if not self._picture_seen:
            self._picture_seen = True
            self.advance_ms.append(elapsed)
            self.from_poster += int(poster)
        if not self._frame_seen and not poster and frames_shown > self._frames_before:
            self._frame_seen = True
            self.player_frame_ms.append(elapsed)

    def press(self) -> None:
        panel = self.panel
        grid = panel.grid  # type: ignore[attr-defined]
        before = panel.current_job_id  # type: ignore[attr-defined]
        remaining = [
            i
            for i in panel.culling.view_order()  # type: ignore[attr-defined]
            if panel.model.job(i).review_status.value == "unreviewed"  # type: ignore[attr-defined]
        ]
        if not remaining:
            self.timer.stop()
            self.app.quit()
            return
        grid.setFocus()
        self._picture_seen = self._frame_seen = False
        self._frames_before = self.canvas.frames_shown
        self._before = before
        self.presses += 1
        if self.presses % 4 == 0:
            QTest.keyClick(grid, Qt.Key.Key_R)
            edit = panel.reason_bar.edit  # type: ignore[attr-defined]
            QTest.keyClicks(edit, "horizon tilts")
            self._armed = True
            self._pressed_at = time.perf_counter()
            QTest.keyClick(edit, Qt.Key.Key_Return)
        else:
            key = Qt.Key.Key_1 if self.presses % 2 else Qt.Key.Key_2
            self._armed = True
            self._pressed_at = time.perf_counter()
            QTest.keyClick(grid, key)


def run(app: QApplication) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="sora-cull-") as data:
        paths = resolve_paths(Path(data))
        paths.ensure()
        started = time.perf_counter()
        clip_ids = seed_library(paths, CLIPS)
        print(f"  library of {CLIPS} clips made in {time.perf_counter() - started:.1f} s")
        options = DeskOptions(env={}, start_engine=False, remember_layout=False)
        desk = build_desk(app, paths, options)
        panel = attach_review(desk)
        freeze_startup_objects()  # as run_desk does once the window is built
        assert panel is not None
        desk.window.resize(1440, 900)
        desk.window.show()
        beat = Heartbeat()
        reviewer = Reviewer(app, panel)

        def begin() -> None:
            first = panel.culling.view_order()[0]
            panel.select_clip(first)
            panel.grid.setFocus()
            beat.start()
            reviewer.timer.start()

        QTimer.singleShot(500, begin)
        guard = QTimer()
        guard.setSingleShot(True)
        guard.timeout.connect(app.quit)
        guard.start(int(CLIPS * KEY_EVERY_MS * 2 + 30_000))
        app.exec()
        beat.stop()
        reviewer.timer.stop()
        summary = panel.culling.summary_text()
        message = panel.message.text()
        desk.shutdown()
        app.processEvents()
        repo = Repository(open_db(paths.database))
        try:
            stored = sum(len(repo.reviews_for(job_id)) for job_id in clip_ids)
        finally:
            repo.close()
    advances = reviewer.advance_ms
    frames = reviewer.player_frame_ms
    print(f"  {reviewer.presses} verdicts by key, {len(advances)} advances timed; {summary}")
    print(f"  last message: {message}")
    print(
        f"  advance to picture: p50 {percentile(advances, 0.5):.1f} ms, "
        f"p95 {percentile(advances, 0.95):.1f} ms, max {max(advances, default=0):.1f} ms "
        f"({reviewer.from_poster} from a poster decoded ahead)"
    )
    print(
        f"  QtMultimedia's own first frame: p50 {percentile(frames, 0.5):.1f} ms, "
        f"p95 {percentile(frames, 0.95):.1f} ms (what a switch costs without posters)"
    )
    stalls = beat.stalls_ms
    print(f"  heartbeat: {len(stalls)} beats, longest stall {max(stalls, default=0):.1f} ms")
    print(f"  stored afterwards: {stored} verdict records for {CLIPS} clips")
    return {
        "clips": CLIPS,
        "p50_advance_ms": round(percentile(advances, 0.5), 2),
        "p95_advance_ms": round(percentile(advances, 0.95), 2),
        "max_stall_ms": round(max(stalls, default=0.0), 2),
        "max_advance_ms": round(max(advances, default=0.0), 2),
        "advances": len(advances),
        "from_poster": reviewer.from_poster,
        "player_frame_p50_ms": round(percentile(frames, 0.5), 2),
        "player_frame_p95_ms": round(percentile(frames, 0.95), 2),
        "p99_stall_ms": round(percentile(stalls, 0.99), 2),
        "verdicts_stored": stored,
        "goal_ms": GOAL_MS,
        "met": percentile(advances, 0.95) < GOAL_MS,
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
    }


def main() -> int:
    app = QApplication([sys.argv[0]])
    posters = "--no-posters" not in sys.argv[1:]
    if not posters:
        from sora_studio.ui.player.posters import PosterCache

        PosterCache.request = lambda self, path, slot="next": None  # type: ignore[method-assign]
    what = "posters decoded ahead" if posters else "posters off"
    print(f"Culling {CLIPS} clips by key on the desk (auto-advance on, {what}):")
    result = run(app)
    result["posters"] = posters
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
