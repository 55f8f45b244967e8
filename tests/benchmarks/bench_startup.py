"""Benchmark: time from launching the desk to a shown, usable main window on an empty library.

Run with ``.venv/bin/python tests/benchmarks/bench_startup.py`` (``QT_QPA_PLATFORM=offscreen``
works without a display). Each run is a fresh Python process with a fresh data folder, like a
first start: the parent measures from spawning the process until the child reports that the
window is shown and its event loop has answered a zero-delay timer (so it reacts to input). The
built-in emulator and the engine start in the background after that, as in real use; their
ready time is reported too. Goal: under 1.5 s to a usable window. The last line is JSON.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before any heavy import, for the child's own figure

import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

RUNS = 5
GOAL_S = 1.5


def child(data_dir: str) -> None:
    """One start of the desk; prints USABLE <s> then ENGINE <s>, then shuts down."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from sora_studio.app import DeskOptions, attach_review, build_desk
    from sora_studio.paths import resolve_paths
    from sora_studio.ui.interpreter_tuning import freeze_startup_objects

    app = QApplication([sys.argv[0]])
    desk = build_desk(app, resolve_paths(data_dir), DeskOptions(env={}))
    attach_review(desk)
    freeze_startup_objects()  # as run_desk does
    desk.window.show()
    desk.start()

    def usable() -> None:
        print(f"USABLE {time.perf_counter() - _T0:.4f}", flush=True)

    def engine_ready(_worker: object) -> None:
        print(f"ENGINE {time.perf_counter() - _T0:.4f}", flush=True)
        QTimer.singleShot(0, app.quit)

    desk.engine_attached.connect(engine_ready)
    QTimer.singleShot(0, usable)
    QTimer.singleShot(30_000, app.quit)  # never hang a benchmark run
    app.exec()
    desk.window.close()
    desk.shutdown()


def one_run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sora-startup-") as data:
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env.pop("OPENAI_API_KEY", None)
        env.pop("OPENAI_BASE_URL", None)
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", data],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        figures: dict[str, float] = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if len(parts) == 2 and parts[0] in ("USABLE", "ENGINE"):
                key = parts[0].lower()
                figures[f"{key}_wall_s"] = time.perf_counter() - start
                figures[f"{key}_in_process_s"] = float(parts[1])
        proc.wait(60)
        if "usable_wall_s" not in figures:
            raise RuntimeError("the desk never reported a usable window")
        return figures


def main() -> None:
    print(f"Starting the desk {RUNS} times on an empty library (fresh process each time)…")
    runs = []
    for index in range(RUNS):
        figures = one_run()
        runs.append(figures)
        print(
            f"  run {index + 1}: usable window {figures['usable_wall_s']:.3f} s, "
            f"engine ready {figures.get('engine_wall_s', float('nan')):.3f} s"
        )
    usable = [r["usable_wall_s"] for r in runs]
    engine = [r["engine_wall_s"] for r in runs if "engine_wall_s" in r]
    result = {
        "runs": RUNS,
        "median_usable_s": round(statistics.median(usable), 3),
        "max_usable_s": round(max(usable), 3),
        "median_engine_ready_s": round(statistics.median(engine), 3) if engine else None,
        "goal_s": GOAL_S,
        "met": statistics.median(usable) < GOAL_S,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
