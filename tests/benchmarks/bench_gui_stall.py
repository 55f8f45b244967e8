"""Benchmark: the GUI thread's longest stall while 50 renders run and download.

Run with ``.venv/bin/python tests/benchmarks/bench_gui_stall.py`` (``QT_QPA_PLATFORM=offscreen``
works without a display). It builds the whole desk (builder, queue, review grid) on a fresh
library, with the built-in emulator in-process, submits 50 four-second renders through the real
PollWorker and engine, and keeps a 5 ms heartbeat ``QTimer`` on the GUI thread until every job is
ready and downloaded. A stall is how much later than 5 ms a beat arrives. Goal: the longest stall
under 50 ms. It runs twice: as shipped (emulator in the desk's process) and with the emulator in
a child process, to show how much of the stall is the in-process emulator's rendering competing
for the GIL. The last line is JSON: ``{"jobs", "max_stall_ms", "p99_stall_ms", ...}`` for the
shipped configuration, the child-process figures under ``"emulator_process"``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication

from sora_studio.app import DeskOptions, attach_review, build_desk
from sora_studio.core.models import JobStatus
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.paths import resolve_paths
from sora_studio.services.orders import RenderOrder

JOBS = 50
BEAT_MS = 5
GOAL_MS = 50.0
TIMEOUT_S = 420.0


class Heartbeat:
    """Records how late each 5 ms beat fires on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.stalls_ms: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self._beat)
        self._last = 0

    def start(self) -> None:
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def _beat(self) -> None:
        now = self.clock.nsecsElapsed()
        self.stalls_ms.append(max(0.0, (now - self._last) / 1e6 - BEAT_MS))
        self._last = now

    def stop(self) -> None:
        self.timer.stop()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_once(app: QApplication, *, emulator_process: bool) -> dict[str, object]:
    """One full run; returns its figures."""
    with tempfile.TemporaryDirectory(prefix="sora-stall-") as data:
        options = DeskOptions(
            env={},
            emulator_settings=EmulatorSettings(poll_after_ms=250, concurrency=2, seed=11),
            emulator_process=emulator_process,
            remember_layout=False,
            provider_overrides={"emulator": {"concurrency_limit": 8}},
        )
        desk = build_desk(app, resolve_paths(Path(data)), options)
        attach_review(desk)
        desk.window.resize(1440, 900)
        desk.window.show()
        started = time.monotonic()
        ready_at: list[float] = []
        beat = Heartbeat()

        def submit_all(_worker: object) -> None:
            print(f"  engine up after {time.monotonic() - started:.2f} s; submitting {JOBS} jobs")
            beat.start()
            for index in range(JOBS):
                desk.window.submit_order.emit(
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
            if len(jobs) >= JOBS and len(done) >= JOBS:
                ready_at.append(time.monotonic())
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
        app.exec()
        beat.stop()
        poll.stop()
        jobs = desk.queue_model.jobs()
        statuses: dict[str, int] = {}
        for job in jobs:
            statuses[job.status.value] = statuses.get(job.status.value, 0) + 1
        files = sum(len(desk.reader.assets_for(j.id)) for j in jobs)
        desk.shutdown()
        # Let the deferred deletes run now, while the application still exists.
        app.processEvents()
    stalls = beat.stalls_ms
    elapsed = (ready_at[0] - started) if ready_at else float("nan")
    ready = statuses.get(JobStatus.READY.value, 0)
    print(
        f"  {ready}/{JOBS} ready ({statuses}), {files} files, {len(stalls)} beats over "
        f"{elapsed:.1f} s; mean stall {statistics.fmean(stalls) if stalls else 0:.2f} ms"
    )
    return {
        "ready": ready,
        "files": files,
        "max_stall_ms": round(max(stalls, default=0.0), 2),
        "p99_stall_ms": round(percentile(stalls, 0.99), 2),
        "p50_stall_ms": round(percentile(stalls, 0.5), 2),
        "beats": len(stalls),
        "stalls_over_goal": sum(1 for s in stalls if s >= GOAL_MS),
        "seconds": round(elapsed, 1),
    }


def main() -> int:
    app = QApplication([sys.argv[0]])
    print("Desk as shipped (built-in emulator in this process):")
    default = run_once(app, emulator_process=False)
    print("Same, with the emulator in a child process (DeskOptions.emulator_process):")
    child = run_once(app, emulator_process=True)
    result = {
        "jobs": JOBS,
        **default,
        "goal_ms": GOAL_MS,
        "met": default["max_stall_ms"] < GOAL_MS,  # type: ignore[operator]
        "emulator_process": {
            k: child[k] for k in ("max_stall_ms", "p99_stall_ms", "stalls_over_goal", "ready")
        },
        # Stalls include the OS taking the CPU away: read them against the machine's load.
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
