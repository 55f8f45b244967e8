"""Benchmark: the Assets dock on a folder of 20,000 files (pictures and short clips).

Run with ``.venv/bin/python tests/benchmarks/bench_asset_browser.py`` (Qt's offscreen platform
is used when no display is set). Writes a folder of 20,000 files: JPEG stills of a few sizes,
short MP4 clips, and a few broken files, each a distinct file (previews are cached per path,
mtime and size, so every one is decoded). Then opens an :class:`AssetsPanel` on it, with a 5 ms
heartbeat ``QTimer`` on the GUI thread from the start, and times:

* ``first_paint_s``: from showing the panel to the first tiles painted (the folder is read off
  the GUI thread; the model takes the 20,000 rows in one reset);
* ``all_thumbnails_s``: from showing the panel until every file has its preview made (or is
  marked broken), while the grid is scrolled from top to bottom a page every 30 ms, as a person
  flinging through it would, so previews stream in for whatever is on screen;
* ``max_stall_ms``: the longest the heartbeat was late on the GUI thread over all of that;
* ``rss_mb``: resident memory at the end, the pixmap cache full.

Goals: first paint under 1 s, longest stall under 50 ms, RSS under 400 MB. Last line: JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from gui_heartbeat import Heartbeat  # type: ignore[import-not-found]
from PIL import Image
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

from sora_studio.app import NO_GUI_THREAD_POOL_ENV
from sora_studio.media.encode import Mp4Writer
from sora_studio.services.asset_folders import PREVIEW_FOLDER
from sora_studio.ui.assets.assets_panel import AssetsPanel
from sora_studio.ui.interpreter_tuning import freeze_startup_objects, prefer_gui_thread
from sora_studio.ui.queue.model import THUMBNAIL_BUDGET_BYTES
from sora_studio.ui.thumbnail_cache import ThumbnailCache

FILES = int(os.environ.get("BENCH_ASSET_FILES", "20000"))  # fewer for a quick look
CLIPS = FILES // 50
BROKEN = 20
PAGE_EVERY_MS = 30
TIMEOUT_S = 600
STILL_SIZES = ((1280, 720), (720, 1280), (640, 480), (1024, 1024), (1920, 1080))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_folder(folder: Path) -> None:
    """20,000 distinct files: a few real stills and clips, copied, each copy one byte longer
    (a JPEG or MP4 decoder ignores trailing bytes), and some broken files."""
    folder.mkdir(parents=True)
    seeds = folder.parent / "seeds"
    seeds.mkdir()
    stills = []
    for i, (w, h) in enumerate(STILL_SIZES):
        path = seeds / f"still{i}.jpg"
        gradient = np.linspace(0, 255, w, dtype=np.uint8)[None, :, None].repeat(h, 0)
        pixels = np.concatenate([gradient, np.roll(gradient, 40 * i, 1), gradient[:, ::-1]], 2)
        Image.fromarray(pixels).save(path, quality=80)
        stills.append(path)
    clips = []
    for i in range(3):
        path = seeds / f"clip{i}.mp4"
        with Mp4Writer(path, 320, 180, fps=24) as writer:
            for frame in range(24):
                value = (60 * i + 8 * frame) % 256
                writer.write_frame(np.full((180, 320, 3), value, dtype=np.uint8))
        clips.append(path)
    stills_count = FILES - CLIPS - BROKEN
    for n in range(FILES):
        if n < stills_count:
            source, name = stills[n % len(stills)], f"still_{n:05d}.jpg"
        elif n < stills_count + CLIPS:
            source, name = clips[n % len(clips)], f"clip_{n:05d}.mp4"
        else:
            (folder / f"broken_{n:05d}.{'png' if n % 2 else 'mp4'}").write_bytes(b"\0" * 64)
            continue
        target = folder / name
        shutil.copyfile(source, target)
        with target.open("ab") as handle:
            handle.write(b"\0" * (n % 7 + 1))


class PaintSpy(QObject):
    """Notes when the grid's viewport first paints with tiles in it."""

    def __init__(self, panel: AssetsPanel) -> None:
        super().__init__()
        self.panel = panel
        self.painted_at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Paint
            and self.painted_at is None
            and self.panel.model.rowCount()
        ):
            self.painted_at = time.perf_counter()
        return False


def main() -> None:
    # As app.build_desk does: Qt's raster engine draws on the GUI thread alone, not through a
    # pool of threads it then waits for (QLatch waits inside tile paints when cores are busy).
    os.environ.setdefault(NO_GUI_THREAD_POOL_ENV, "1")
    app = QApplication.instance() or QApplication(sys.argv)
    prefer_gui_thread()  # as the desk does (app.build_desk)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "shoot"
        began = time.perf_counter()
        write_folder(folder)
        print(
            f"folder: {FILES} files ({CLIPS} clips, {BROKEN} broken) written in "
            f"{time.perf_counter() - began:.1f} s"
        )
        cache = ThumbnailCache(pixmap_budget_bytes=THUMBNAIL_BUDGET_BYTES)
        panel = AssetsPanel([("Shoot", str(folder))], cache, root / "library" / PREVIEW_FOLDER)
        panel.resize(900, 1000)
        freeze_startup_objects()  # as the desk does once its window is built (app.run_desk)
        spy = PaintSpy(panel)
        panel.grid.viewport().installEventFilter(spy)
        heartbeat = Heartbeat()
        heartbeat.start()
        start = time.perf_counter()
        panel.show()
        while spy.painted_at is None:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
            if time.perf_counter() - start > TIMEOUT_S:
                raise SystemExit("the grid never painted")
        first_paint = spy.painted_at - start
        print(f"first tiles painted after {first_paint:.3f} s ({panel.model.rowCount()} rows)")

        bar = panel.grid.verticalScrollBar()
        pager = QTimer()
        pager.setInterval(PAGE_EVERY_MS)
        pager.timeout.connect(lambda: bar.setValue(bar.value() + bar.pageStep()))
        pager.start()
        files = panel.model.all_files()
        stragglers = iter(files)
        last_report = [start]
        loop = QEventLoop()

        def check() -> None:
            """Every 20 ms, from the event loop (never a busy loop: it would take a core)."""
            now = time.perf_counter()
            if bar.value() >= bar.maximum():
                pager.stop()
                # Anything scrolled past too fast is asked for too, a few at a time.
                while panel.previews.pending_count < 64:
                    file = next(stragglers, None)
                    if file is None:
                        break
                    panel.previews.facts(file)
            if panel.previews.ready_count >= len(files) or now - start > TIMEOUT_S:
                loop.quit()
            elif now - last_report[0] > 10:
                print(f"  {panel.previews.ready_count} of {len(files)} previews made")
                last_report[0] = now

        checker = QTimer()
        checker.setInterval(20)
        checker.timeout.connect(check)
        checker.start()
        loop.exec()
        checker.stop()
        if panel.previews.ready_count < len(files):
            raise SystemExit("previews never finished")
        all_thumbnails = time.perf_counter() - start
        for _ in range(20):
            app.processEvents()
        heartbeat.stop()
        broken = sum(1 for f in files if (panel.previews.known(f) or f).error)
        max_stall = max(heartbeat.stalls_ms, default=0.0)
        late = sum(1 for s in heartbeat.stalls_ms if s >= 50)
        print(f"all {len(files)} previews made in {all_thumbnails:.1f} s ({broken} broken)")
        print(
            f"heartbeat: {len(heartbeat.stalls_ms)} beats, longest stall {max_stall:.1f} ms, "
            f"{late} at or over 50 ms; worst (s after start, ms): {heartbeat.worst()}"
        )
        memory = rss_mb()
        print(f"RSS: {memory:.0f} MB (pixmap cache {cache.memory_bytes / 2**20:.0f} MB)")
        panel.shutdown()
        cache.shutdown()
        panel.deleteLater()
        app.processEvents()
    print(
        json.dumps(
            {
                "files": FILES,
                "first_paint_s": round(first_paint, 3),
                "rss_mb": round(memory, 1),
                "max_stall_ms": round(max_stall, 1),
                "all_thumbnails_s": round(all_thumbnails, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
