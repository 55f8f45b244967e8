"""Benchmark: the review grid with 10,000 clips: time to the first painted grid, and memory.

Run with ``.venv/bin/python tests/benchmarks/bench_grid_scale.py`` (Qt's offscreen platform is
used when no display is set). Builds a real library database with 10,000 ready clips whose
assets all point at one real rendered clip (see ``bench_scrub.py``), then times, from creating
the review panel (which reads every job from the database) to the first clip card painted on
screen. The panel reads the newest screenful first and the rest of the library on a pool thread,
and thumbnails decode off-thread; the time until all 10,000 clips are in the grid and the visible
thumbnails are on screen is printed too. Resident memory is read after that. Goals: first paint
under 1 s, RSS under 400 MB. Last line: JSON.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_scrub import open_panel, sample_library  # type: ignore[import-not-found]
from PySide6.QtWidgets import QApplication

CLIPS = 10_000
TIMEOUT_S = 60


def rss_mb() -> float:
    """Current resident set size; the peak from getrusage where /proc is not available."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, set_up_s = sample_library(root, CLIPS)
        print(f"library: {CLIPS} clips seeded in {set_up_s:.1f} s")
        print(f"RSS before the panel: {rss_mb():.0f} MB")
        painted: list[int] = []
        start = time.perf_counter()
        panel = open_panel(root)
        panel.grid.clip_delegate.paint_listener = lambda job, _frame: painted.append(job)
        built = time.perf_counter() - start
        panel.resize(1600, 1000)
        panel.show()
        while not painted:
            app.processEvents()
            if time.perf_counter() - start > TIMEOUT_S:
                raise SystemExit("the grid never painted")
        first_paint = time.perf_counter() - start
        print(f"panel built ({panel.model.rowCount()} newest jobs read first) in {built:.3f} s")
        print(f"first clip card painted after {first_paint:.3f} s")
        while panel.cache.pending_count or panel.loader.is_loading:
            app.processEvents()
            if time.perf_counter() - start > TIMEOUT_S:
                raise SystemExit("thumbnails or the rest of the library never finished loading")
        app.processEvents()
        done = time.perf_counter() - start
        visible = len(set(painted))
        if panel.model.rowCount() != CLIPS:
            raise SystemExit(f"only {panel.model.rowCount()} of {CLIPS} clips reached the grid")
        print(
            f"all {CLIPS} clips in the grid, {visible} visible thumbnails on screen: {done:.3f} s"
        )
        print(f"display rows built: {panel.model.cached_row_count} of {CLIPS} (built lazily)")
        memory = rss_mb()
        print(f"RSS with the grid on screen: {memory:.0f} MB")
        panel.shutdown()
        panel.deleteLater()
        app.processEvents()
    print(
        json.dumps(
            {"clips": CLIPS, "first_paint_s": round(first_paint, 3), "rss_mb": round(memory, 1)}
        )
    )


if __name__ == "__main__":
    main()
