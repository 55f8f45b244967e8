"""Screenshots of the Assets dock (issue 15): beside the builder on a folder of mixed stills and
clips, mid-scrub on a clip, and a picture dropped on the builder.

Run with ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/assets/make_asset_screenshots.py
[OUT_DIR]`` (default ``/tmp/shots15``). Drives the real desk (engine not started) on a folder of
real pictures and clips rendered by the built-in emulator, one of them already in the library
and one broken file. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from PIL import Image, ImageDraw
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDockWidget

from sora_studio.app import Desk, DeskOptions, attach_review, build_desk
from sora_studio.paths import resolve_paths
from sora_studio.preview_media import render_clip
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_imported_clip, add_video_asset

CLIPS = (
    ("a red fox running through fresh snow at dawn", 4),
    ("a lighthouse in a storm, waves crashing", 3),
    ("neon city street at night in the rain", 5),
)
STILLS = (
    ("hero-frame.png", (1280, 720), ("#1e3c72", "#f0a35e")),
    ("poster-portrait.jpg", (720, 1280), ("#2d1b4e", "#e85d75")),
    ("moodboard-square.jpg", (1024, 1024), ("#0f4c3a", "#c9e265")),
    ("location-scout.jpg", (1600, 900), ("#3a2f1e", "#8fb8de")),
    ("storyboard-03.png", (960, 540), ("#222831", "#00adb5")),
)


def wait(app: QApplication, done: Callable[[], bool], timeout_s: float = 30.0) -> None:
    end = time.monotonic() + timeout_s
    while not done():
        app.processEvents()
        if time.monotonic() > end:
            raise SystemExit("timed out waiting for the desk")
        time.sleep(0.01)


def paint_still(path: Path, size: tuple[int, int], colors: tuple[str, str]) -> None:
    """A gradient with a sun and a horizon: looks like a frame, not a test pattern."""
    width, height = size
    top, bottom = Image.new("RGB", size, colors[0]), Image.new("RGB", size, colors[1])
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(bottom, top, mask)
    draw = ImageDraw.Draw(image)
    r = min(width, height) // 7
    draw.ellipse(
        (width * 0.62 - r, height * 0.35 - r, width * 0.62 + r, height * 0.35 + r), fill="#ffe9a8"
    )
    draw.polygon(
        [
            (0, height),
            (width * 0.3, height * 0.62),
            (width * 0.55, height * 0.8),
            (width * 0.8, height * 0.58),
            (width, height * 0.75),
            (width, height),
        ],
        fill="#1b1b22",
    )
    image.save(path)


def make_folder(root: Path) -> Path:
    folder = root / "Shoot - coastline"
    folder.mkdir()
    for name, size, colors in STILLS:
        paint_still(folder / name, size, colors)
    for i, (prompt, seconds) in enumerate(CLIPS):
        work = root / f"render{i}"
        work.mkdir()
        video = render_clip(work, prompt, seconds, size=(640, 360))
        shutil.copyfile(video, folder / f"take-{i + 1:02d}.mp4")
    (folder / "corrupt-export.mp4").write_bytes(b"\0\0\0\x18ftypmp42 cut short")
    return folder


def open_desk(app: QApplication, data: Path, folder: Path) -> Desk:
    paths = resolve_paths(data)
    paths.ensure()
    repo = Repository(open_db(paths.database))
    job = add_imported_clip(repo, completed_at=time.time(), prompt="take-01 (imported)")
    add_video_asset(repo, job.id, folder / "take-01.mp4")  # so take-01 is "In library"
    repo.set_setting(
        "asset_folders", [["Shoot - coastline", str(folder)], ["Library", str(paths.library)]]
    )
    repo.close()
    desk = build_desk(app, paths, DeskOptions(env={}, remember_layout=False, start_engine=False))
    attach_review(desk)
    desk.window.resize(1880, 1040)
    desk.window.show()
    desk.window.actions_by_name["assets"].trigger()
    wait(app, lambda: desk.assets.model.rowCount() == 9)
    files = desk.assets.model.all_files()
    wait(app, lambda: all(desk.assets.previews.facts(f) is not None for f in files))
    wait(app, lambda: desk.assets.model.in_library(str(folder / "take-01.mp4")))
    settle(app)
    window = desk.window
    dock = window.findChild(QDockWidget, "assetsDock")
    window.resizeDocks([window.prompt_dock, dock], [430, 600], Qt.Orientation.Horizontal)
    settle(app)
    return desk


def settle(app: QApplication) -> None:
    for _ in range(40):
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots15")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = make_folder(root)
        desk = open_desk(app, root / "data", folder)
        try:
            settle(app)
            desk.window.grab().save(str(out / "1-assets-beside-builder.png"))

            grid, model = desk.assets.grid, desk.assets.model
            row = model.row_of(str(folder / "take-03.mp4"))
            assert row is not None
            grid.scrollTo(model.index(row, 0))
            settle(app)
            rect = grid.visualRect(model.index(row, 0))
            point = QPoint(rect.left() + rect.width() * 2 // 3, rect.top() + 40)
            grid.scrub_to(point)
            take = model.file_at(row)
            wait(app, lambda: bool(desk.assets.previews.sheet(take)))
            settle(app)
            grid.scrub_to(point)
            settle(app)
            desk.window.grab().save(str(out / "2-mid-scrub.png"))
            desk.assets.grab().save(str(out / "2b-mid-scrub-dock.png"))
            grid.scrub_to(QPoint(-5, -5))

            picture = model.row_of(str(folder / "moodboard-square.jpg"))
            assert picture is not None
            mime = model.mimeData([model.index(picture, 0)])
            picker = desk.prompt_panel.reference
            desk.prompt_panel._scroll.ensureWidgetVisible(picker)
            action, buttons = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
            keys = Qt.KeyboardModifier.NoModifier
            QApplication.sendEvent(
                picker, QDragEnterEvent(QPoint(30, 30), action, mime, buttons, keys)
            )
            settle(app)
            desk.window.grab().save(str(out / "3a-picture-dragged-over-builder.png"))
            QApplication.sendEvent(picker, QDropEvent(QPointF(30, 30), action, mime, buttons, keys))
            wait(app, lambda: picker.info is not None)
            settle(app)
            desk.window.grab().save(str(out / "3b-picture-dropped-on-builder.png"))
            desk.prompt_panel.grab().save(str(out / "3c-builder-after-drop.png"))
        finally:
            desk.shutdown()
            app.processEvents()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
