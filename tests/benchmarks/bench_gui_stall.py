"""Benchmark: the GUI thread's longest stall while 50 renders run and download.

Run with ``.venv/bin/python tests/benchmarks/bench_gui_stall.py`` (``QT_QPA_PLATFORM=offscreen``
works without a display). It builds the whole desk (builder, queue, review grid) on a fresh
library, with the built-in emulator in-process, submits 50 four-second renders through the real
PollWorker and engine, and keeps a 5 ms heartbeat ``QTimer`` on the GUI thread until every job is
ready and downloaded. A stall is how much later than 5 ms a beat arrives. Goal: the longest stall
under 50 ms. It runs twice: as shipped (the emulator's server in the desk's process, its renders
in worker processes: ``emulator.render_workers``) and with the whole emulator in a child process,
to show what the in-process server and its render threads still cost the GUI thread. The last
line is JSON: ``{"jobs", "max_stall_ms", "p99_stall_ms", ...}`` for the shipped configuration,
the child-process figures under ``"emulator_process"``.
``--in-process-only`` skips the child-process run (quicker when iterating on the shipped case).
``--dump-stalls FILE`` writes every thread's stack (``faulthandler``, from a C thread that needs no
GIL) whenever a beat is more than 30 ms late: what the other threads were doing during a stall.
It is a diagnostic only: faulthandler reads the other threads' stacks without locking, which can
crash a run now and then, and the dumps themselves cost time; don't quote figures from such a run.

Python's cyclic garbage collector stops every thread while it runs, so each run also records the
collector's pauses (``gc.callbacks``) and how many of the long stalls overlapped one: that tells
a GIL-holding render step apart from a collection of the desk's many objects.

While the renders run, a reviewer works the grid: the library starts with ten finished clips
(without their video files), and every ``KEY_EVERY_MS`` a key is pressed on the GUI thread,
alternating a verdict (``1``/``2`` on the grid) and a note (``N``, some text, ``Return``), 200
of each. Each press is timed from the key event to the press being applied on screen (the grid's
verdict, the note in the list); goal: under ``KEY_GOAL_MS`` (one 60 Hz frame) every time. Their
p50/p95/max per kind are printed and go under ``"keys"`` in the JSON, with the GUI thread's own CPU
time per press (``time.thread_time``: wall time minus waiting for the GIL or a core); after the
desk has shut down the library is read again to check that every verdict and note was stored.
"""

from __future__ import annotations

import faulthandler
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import TextIO

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)

from gui_heartbeat import percentile  # type: ignore[import-not-found]
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sora_studio.app import DeskOptions, attach_review, build_desk
from sora_studio.core.models import JobStatus
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.paths import AppPaths, resolve_paths
from sora_studio.services.orders import RenderOrder
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.interpreter_tuning import freeze_startup_objects

JOBS = 50
BEAT_MS = 5
GOAL_MS = 50.0
TIMEOUT_S = 420.0
SEEDED_CLIPS = 10  # finished clips in the library before the desk opens: what gets reviewed
KEY_PRESSES = 200  # of each kind: verdicts and notes
KEY_EVERY_MS = 40
KEY_GOAL_MS = 16.0
NOTES_PER_CLIP = 20  # the reviewer moves on to the next clip after this many notes


class Heartbeat:
    """Records how late each 5 ms beat fires on the GUI thread."""

    def __init__(self, dump_to: TextIO | None = None) -> None:
        self.dump_to = dump_to
        self.clock = QElapsedTimer()
        self.stalls_ms: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self._beat)
        self._last = 0
        self.long_stalls: list[tuple[float, float]] = []  # (end, length) in perf_counter s
        self.started_at = 0.0

    def start(self) -> None:
        self.started_at = time.perf_counter()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def _beat(self) -> None:
        now = self.clock.nsecsElapsed()
        stall = max(0.0, (now - self._last) / 1e6 - BEAT_MS)
        self.stalls_ms.append(stall)
        if stall >= GOAL_MS / 2:
            self.long_stalls.append((time.perf_counter(), (now - self._last) / 1e9))
        self._last = now
        if self.dump_to is not None:
            if stall >= 30.0:  # label the dump just written with when and how long
                self.dump_to.write(f"^ stall {stall:.1f} ms ending {self.clock.elapsed()} ms\n")
                self.dump_to.flush()
            # Re-armed every beat: it only fires when the next beat is 30 ms late.
            faulthandler.dump_traceback_later(0.030, file=self.dump_to)

    def stop(self) -> None:
        self.timer.stop()
        if self.dump_to is not None:
            faulthandler.cancel_dump_traceback_later()


class GcPauses:
    """Records every collection of the cyclic garbage collector: (start, end, generation)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float, int]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((self._started, time.perf_counter(), info["generation"]))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def overlapping(self, stalls: list[tuple[float, float]]) -> int:
        """How many of ``stalls`` (end, length) contain a collection longer than 5 ms."""
        return sum(
            1
            for end, length in stalls
            if any(s < end and e > end - length and e - s > 0.005 for s, e, _ in self.pauses)
        )


def seed_clips(paths: AppPaths, count: int) -> list[int]:
    """``count`` finished clips, as a library that was used before.

    They have no video file here (the grid shows them as "media missing"): opening a clip then
    loads nothing into the player, so the run measures the keys, not QtMultimedia starting its
    decoders ten times (which can also deadlock PySide's GIL against an FFmpeg thread; see the
    report of issue 12).
    """
    repo = Repository(open_db(paths.database))
    ids = []
    try:
        for index in range(count):
            job = repo.create_job(
                provider="emulator",
                fingerprint=f"seed-{index}",
                prompt=f"Seeded take {index + 1}: a lantern on a night river",
                model="sora-2",
                size="1280x720",
                seconds=4,
                status=JobStatus.QUEUED_LOCAL,
                estimate_cents=Decimal(40),
            )
            repo.update_job(
                job.id,
                status=JobStatus.READY,
                remote_id=f"seed_{index}",
                progress=100,
                cost_cents=Decimal(40),
            )
            ids.append(job.id)
    finally:
        repo.close()
    return ids


def key_figures(latencies: list[float], cpu: list[float]) -> dict[str, float | int]:
    """Wall-clock figures of the presses, and the GUI thread's own CPU time for them: the
    difference is time the thread waited (for Python's GIL, or for a core on a busy machine)."""
    return {
        "presses": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies, default=0.0), 2),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
        "cpu_max_ms": round(max(cpu, default=0.0), 2),
    }


class Reviewer:
    """Presses verdict and note keys on the desk's review panel, timing each on the GUI thread."""

    def __init__(self, panel: object, clip_ids: list[int]) -> None:
        self.panel = panel
        self.clip_ids = clip_ids
        self.latencies: dict[str, list[float]] = {"verdict": [], "note": []}
        self.cpu: dict[str, list[float]] = {"verdict": [], "note": []}
        self.timer = QTimer()
        self.timer.setInterval(KEY_EVERY_MS)
        self.timer.timeout.connect(self.press)
        self._clip = -1
        self._moved_at = 0

    @property
    def done(self) -> bool:
        return all(len(v) >= KEY_PRESSES for v in self.latencies.values())

    def start(self) -> None:
        self.next_clip()
        self.timer.start()

    def next_clip(self) -> None:
        self._clip = (self._clip + 1) % len(self.clip_ids)
        self.panel.select_clip(self.clip_ids[self._clip])  # type: ignore[attr-defined]

    def press(self) -> None:
        panel = self.panel
        verdicts, notes = self.latencies["verdict"], self.latencies["note"]
        if self.done:
            self.timer.stop()
            return
        if len(verdicts) <= len(notes):
            grid = panel.grid  # type: ignore[attr-defined]
            grid.setFocus()
            key = Qt.Key.Key_1 if len(verdicts) % 2 == 0 else Qt.Key.Key_2
            started, cpu = time.perf_counter(), time.thread_time()
            QTest.keyClick(grid, key)
            verdicts.append((time.perf_counter() - started) * 1000)
            self.cpu["verdict"].append((time.thread_time() - cpu) * 1000)
            return
        if notes and len(notes) % NOTES_PER_CLIP == 0 and self._moved_at != len(notes):
            self._moved_at = len(notes)
            self.next_clip()  # not timed: opening a clip is not a key press that writes
            return
        grid = panel.grid  # type: ignore[attr-defined]
        grid.setFocus()
        QTest.keyClick(grid, Qt.Key.Key_N)  # pins the note to the playhead (not timed)
        entry = panel.notes.entry  # type: ignore[attr-defined]
        entry.setText(f"note {len(notes) + 1}: the lantern flickers here")
        started, cpu = time.perf_counter(), time.thread_time()
        QTest.keyClick(entry, Qt.Key.Key_Return)
        notes.append((time.perf_counter() - started) * 1000)
        self.cpu["note"].append((time.thread_time() - cpu) * 1000)


def stored_reviews_and_notes(database: Path) -> tuple[int, int]:
    """Every verdict record and note in the library. All clips, not only the seeded ones: with
    auto-advance on (the default) a verdict moves the reviewer on to the next undecided clip,
    which may be one of the renders that finished meanwhile."""
    repo = Repository(open_db(database))
    try:
        job_ids = repo.job_ids()
        reviews = sum(len(repo.reviews_for(job_id)) for job_id in job_ids)
        notes = sum(len(repo.notes_for(job_id)) for job_id in job_ids)
    finally:
        repo.close()
    return reviews, notes


def run_once(
    app: QApplication, *, emulator_process: bool, dump_to: TextIO | None = None
) -> dict[str, object]:
    """One full run; returns its figures."""
    with tempfile.TemporaryDirectory(prefix="sora-stall-") as data:
        paths = resolve_paths(Path(data))
        paths.ensure()
        clip_ids = seed_clips(paths, SEEDED_CLIPS)
        options = DeskOptions(
            env={},
            emulator_settings=EmulatorSettings(poll_after_ms=250, concurrency=2, seed=11),
            emulator_process=emulator_process,
            remember_layout=False,
            provider_overrides={"emulator": {"concurrency_limit": 8}},
        )
        desk = build_desk(app, paths, options)
        panel = attach_review(desk)
        freeze_startup_objects()  # as run_desk does once the window is built
        desk.window.resize(1440, 900)
        desk.window.show()
        started = time.monotonic()
        ready_at: list[float] = []
        beat = Heartbeat(dump_to)
        reviewer = Reviewer(panel, clip_ids)

        def submit_all(_worker: object) -> None:
            print(f"  engine up after {time.monotonic() - started:.2f} s; submitting {JOBS} jobs")
            beat.start()
            reviewer.start()
            for index in range(JOBS):
                desk.engine.submit(
                    RenderOrder(
                        prompt=f"Take {index + 1}: a paper lantern drifting over a night river",
                        model="sora-2",
                        size="720x1280",
                        seconds=4,
                        provider="emulator",
                    )
                )

        def check_done() -> None:
            jobs = desk.queue_model.jobs()
            done = [j for j in jobs if j.status.is_terminal]
            if len(jobs) >= JOBS + SEEDED_CLIPS and len(done) >= JOBS + SEEDED_CLIPS:
                if not ready_at:
                    ready_at.append(time.monotonic())
                if reviewer.done:
                    app.quit()
            elif time.monotonic() - started > TIMEOUT_S:
                print("  timed out waiting for the renders", file=sys.stderr)
                app.quit()

        desk.engine_attached.connect(submit_all)
        poll = QTimer()
        poll.setInterval(250)
        poll.timeout.connect(check_done)
        poll.start()
        desk.start()
        with GcPauses() as collections:
            app.exec()
        beat.stop()
        poll.stop()
        reviewer.timer.stop()
        jobs = [j for j in desk.queue_model.jobs() if j.id not in clip_ids]
        statuses: dict[str, int] = {}
        for job in jobs:
            statuses[job.status.value] = statuses.get(job.status.value, 0) + 1
        files = sum(len(desk.reader.assets_for(j.id)) for j in jobs)
        desk.shutdown()
        # Let the deferred deletes run now, while the application still exists.
        app.processEvents()
        reviews_stored, notes_stored = stored_reviews_and_notes(paths.database)
    stalls = beat.stalls_ms
    gc_ms = [(e - s) * 1000 for s, e, _ in collections.pauses]
    over_goal = [
        (end, length) for end, length in beat.long_stalls if length * 1000 - BEAT_MS >= GOAL_MS
    ]
    elapsed = (ready_at[0] - started) if ready_at else float("nan")
    ready = statuses.get(JobStatus.READY.value, 0)
    print(
        f"  {ready}/{JOBS} ready ({statuses}), {files} files, {len(stalls)} beats over "
        f"{elapsed:.1f} s; mean stall {statistics.fmean(stalls) if stalls else 0:.2f} ms"
    )
    keys = {
        kind: key_figures(values, reviewer.cpu[kind]) for kind, values in reviewer.latencies.items()
    }
    for kind, figures in keys.items():
        print(
            f"  {kind} keys: {figures['presses']} presses, p50 {figures['p50_ms']} ms, "
            f"p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms (goal < {KEY_GOAL_MS} ms); "
            f"GUI thread CPU p95 {figures['cpu_p95_ms']} ms, max {figures['cpu_max_ms']} ms"
        )
    print(f"  stored afterwards: {reviews_stored} verdict records, {notes_stored} notes")
    return {
        "ready": ready,
        "files": files,
        "max_stall_ms": round(max(stalls, default=0.0), 2),
        "p99_stall_ms": round(percentile(stalls, 0.99), 2),
        "p50_stall_ms": round(percentile(stalls, 0.5), 2),
        "beats": len(stalls),
        "stalls_over_goal": sum(1 for s in stalls if s >= GOAL_MS),
        "seconds": round(elapsed, 1),
        "gc_collections": len(gc_ms),
        "gc_gen2": sum(1 for _, _, g in collections.pauses if g == 2),
        "gc_max_ms": round(max(gc_ms, default=0.0), 2),
        "stalls_over_goal_during_gc": collections.overlapping(over_goal),
        "stalls_over_half_goal_during_gc": collections.overlapping(beat.long_stalls),
        "stalls_over_half_goal": len(beat.long_stalls),
        # When (seconds after the first beat) the five longest stalls ended, and how long they were.
        "worst_stalls": [
            [round(end - beat.started_at, 2), round(length * 1000 - BEAT_MS, 1)]
            for end, length in sorted(beat.long_stalls, key=lambda s: -s[1])[:5]
        ],
        "gc_gen2_at": [
            [round(s - beat.started_at, 2), round((e - s) * 1000, 1)]
            for s, e, g in collections.pauses
            if g == 2
        ],
        "keys": {
            **keys,
            "goal_ms": KEY_GOAL_MS,
            "met": all(f["max_ms"] < KEY_GOAL_MS for f in keys.values()),
            "verdicts_stored": reviews_stored,
            "notes_stored": notes_stored,
        },
    }


def main() -> int:
    app = QApplication([sys.argv[0]])
    print("Desk as shipped (built-in emulator in this process):")
    args = sys.argv[1:]
    dump_to = None
    if "--dump-stalls" in args:
        dump_to = open(args[args.index("--dump-stalls") + 1], "w")  # noqa: SIM115
    default = run_once(app, emulator_process=False, dump_to=dump_to)
    print(json.dumps(default))
    child: dict[str, object] = {}
    if "--in-process-only" not in args:
        print("Same, with the emulator in a child process (DeskOptions.emulator_process):")
        child = run_once(app, emulator_process=True)
    result = {
        "jobs": JOBS,
        **default,
        "goal_ms": GOAL_MS,
        "met": default["max_stall_ms"] < GOAL_MS,  # type: ignore[operator]
        "emulator_process": {
            k: child[k]
            for k in ("max_stall_ms", "p99_stall_ms", "stalls_over_goal", "ready", "keys")
        }
        if child
        else None,
        # Stalls include the OS taking the CPU away: read them against the machine's load.
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
