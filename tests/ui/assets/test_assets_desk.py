"""The Assets dock in the desk: View menu and shortcut, a picture dragged onto the builder becomes
the reference, a clip dragged onto the review grid is imported (and then marked as in the
library), and a clip dragged out of the review grid carries its file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from sora_studio.app import Desk, DeskOptions, attach_review, build_desk
from sora_studio.paths import resolve_paths
from sora_studio.ui.workers.library_actions import DESK_CLIP_MIME


@pytest.fixture
def desk(qtbot, tmp_path: Path, media_folder: Path) -> Iterator[Desk]:
    opts = DeskOptions(env={}, remember_layout=False, start_engine=False)
    desk = build_desk(QApplication.instance(), resolve_paths(tmp_path / "data"), opts)
    attach_review(desk)
    desk.window.show()
    qtbot.waitExposed(desk.window)
    desk.window.actions_by_name["assets"].trigger()  # View > Assets
    with qtbot.waitSignal(desk.assets.folder_shown, timeout=10_000):
        desk.assets.tree.add_bookmark(str(media_folder))
    yield desk
    desk.shutdown()


def _dock(window: QWidget) -> QDockWidget:
    dock = window.findChild(QDockWidget, "assetsDock")
    assert dock is not None
    return dock


def _drag_of(desk: Desk, name: str) -> QMimeData:
    """What the Assets grid hands a drag of the file called ``name``."""
    model = desk.assets.model
    row = next(r for r in range(model.rowCount()) if model.file_at(r).name == name)
    return model.mimeData([model.index(row, 0)])


def _drop_on(target: QWidget, mime: QMimeData) -> None:
    """Drop ``mime`` where ``target`` is, the way Qt does: to the first widget up from it that
    accepts drops, after a drag-enter it accepted."""
    while not target.acceptDrops():
        parent = target.parentWidget()
        assert parent is not None, "nothing under the cursor accepts drops"
        target = parent
    point = QPointF(QPoint(20, 20))
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), action, mime, buttons, keys)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), f"{type(target).__name__} refused the drag"
    QApplication.sendEvent(target, QDropEvent(point, action, mime, buttons, keys))


def test_assets_dock_is_in_the_view_menu_with_a_shortcut(desk: Desk) -> None:
    toggle = desk.window.actions_by_name["assets"]
    assert toggle.shortcut().toString() == "Ctrl+Shift+A"
    assert toggle in desk.window.view_menu.actions()
    assert _dock(desk.window).isVisible()
    assert _dock(desk.window).objectName() == "assetsDock"  # saved with the layout


def test_dragging_a_picture_onto_the_builder_sets_the_reference(qtbot, desk: Desk) -> None:
    panel = desk.prompt_panel
    _drop_on(panel.brief_form, _drag_of(desk, "square.jpg"))  # anywhere on the builder
    assert panel.reference.path is not None and panel.reference.path.name == "square.jpg"
    qtbot.waitUntil(lambda: panel.reference.info is not None, timeout=10_000)
    assert (panel.reference.info.width, panel.reference.info.height) == (400, 400)
    assert panel.reference.needs_fit() and panel.reference.fit_button.isEnabled()
    # A picture of exactly the frame size needs no fitting.
    _drop_on(panel.brief_form, _drag_of(desk, "wide.png"))
    qtbot.waitUntil(lambda: panel.reference.info is not None, timeout=10_000)
    assert panel.frame_size() == (1280, 720)
    assert not panel.reference.needs_fit()


def test_dragging_a_clip_onto_the_grid_imports_it_and_marks_it(qtbot, desk: Desk) -> None:
    review = desk.window.review_widget
    grid = review.grid.viewport()
    assert not grid.acceptDrops()  # the drop goes to the window, which imports
    with qtbot.waitSignal(desk.library.clips_imported, timeout=30_000) as imported:
        _drop_on(grid, _drag_of(desk, "take.mp4"))
    job_id = imported.args[0][0]
    assert review.model.job(job_id) is not None
    take = next(f for f in desk.assets.model.files() if f.name == "take.mp4")
    qtbot.waitUntil(lambda: desk.assets.model.in_library(take.path), timeout=10_000)

    # Dragged out of the review grid, the clip carries its video file as a file URL, and
    # dropping it back on the desk does not import it a second time.
    index = review.proxy.proxy_index_of(job_id)
    mime = review.proxy.mimeData([index])
    urls = [u.toLocalFile() for u in mime.urls()]
    assert len(urls) == 1 and Path(urls[0]).is_file() and urls[0].endswith(".mp4")
    assert mime.hasFormat(DESK_CLIP_MIME)
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    assert desk.window.dropped_videos(event) == []


def test_the_dock_and_the_bookmarks_are_remembered(qtbot, tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "remembered")
    opts = DeskOptions(env={}, remember_layout=True, start_engine=False)
    first = build_desk(QApplication.instance(), paths, opts)
    first.window.show()
    qtbot.waitExposed(first.window)
    assert not _dock(first.window).isVisible()  # closed until asked for
    first.window.actions_by_name["assets"].trigger()
    assert _dock(first.window).isVisible()
    extra = tmp_path / "b-roll"
    extra.mkdir()
    first.assets.tree.add_bookmark(str(extra))  # saved through the desk's writer thread
    first.shutdown()  # closing the window saves its layout; the writer stores what it was sent
    second = build_desk(QApplication.instance(), paths, opts)
    try:
        second.window.show()
        qtbot.waitExposed(second.window)
        assert _dock(second.window).isVisible()
        assert second.assets.tree.bookmarks() == [
            ("Library", str(second.library_root)),
            ("b-roll", str(extra)),
        ]
    finally:
        second.shutdown()


def test_reset_layout_docks_a_floating_assets_panel_back_beside_the_queue(
    qtbot, desk: Desk
) -> None:
    window = desk.window
    dock = _dock(window)
    dock.setFloating(True)
    window.actions_by_name["reset_layout"].trigger()  # View > Reset layout
    qtbot.waitUntil(lambda: not dock.isFloating() and dock.isVisible(), timeout=5_000)
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert dock.geometry().right() < window.queue_dock.geometry().left()  # left of the queue
