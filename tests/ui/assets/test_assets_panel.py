"""The Assets dock: its model under qtmodeltester, real folders read off the GUI thread, broken
files shown as broken, library copies marked, folders watched, and bad folders explained."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from sora_studio.services.asset_folders import AssetKind, FolderFile, scan_folder
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.assets.asset_model import AssetFilter, AssetModel, AssetRoles, AssetSort
from sora_studio.ui.assets.assets_panel import AssetsPanel
from tests.job_factory import add_imported_clip, add_video_asset

from .conftest import PanelFactory, write_picture


def _file(name: str, kind: AssetKind, size: int, mtime_s: int) -> FolderFile:
    return FolderFile(f"/media/{name}", name, kind, size, mtime_s * 1_000_000_000)


def _all_previews(panel: AssetsPanel) -> bool:
    files = panel.model.all_files()
    return all(panel.previews.facts(f) is not None for f in files)


def test_model_passes_qtmodeltester_through_filters_sorts_and_rescans(qtmodeltester) -> None:
    model = AssetModel()
    files = [
        _file("b-clip.mp4", AssetKind.VIDEO, 5_000, 100),
        _file("a-still.png", AssetKind.IMAGE, 9_000, 300),
        _file("c-still.jpg", AssetKind.IMAGE, 1_000, 200),
    ]
    model.set_files("/media", files)
    qtmodeltester.check(model)
    assert [f.name for f in model.files()] == ["a-still.png", "b-clip.mp4", "c-still.jpg"]
    model.set_sort(AssetSort.DATE)
    assert [f.name for f in model.files()] == ["a-still.png", "c-still.jpg", "b-clip.mp4"]
    model.set_sort(AssetSort.SIZE)
    assert [f.name for f in model.files()] == ["a-still.png", "b-clip.mp4", "c-still.jpg"]
    model.set_filter(AssetFilter(kind=AssetKind.IMAGE))
    assert {f.name for f in model.files()} == {"a-still.png", "c-still.jpg"}
    model.set_filter(AssetFilter(text="STILL c"))
    assert [f.name for f in model.files()] == ["c-still.jpg"]
    model.set_filter(AssetFilter())
    # A rescan of the same folder: one file gone, one new; rows move, the model stays sound.
    model.set_files("/media", [*files[1:], _file("d-new.webp", AssetKind.IMAGE, 20_000, 400)])
    qtmodeltester.check(model)
    assert [f.name for f in model.files()] == ["d-new.webp", "a-still.png", "c-still.jpg"]
    model.set_in_library(frozenset({"/media/a-still.png"}))
    assert model.index(1, 0).data(AssetRoles.InLibrary) is True
    mime = model.mimeData([model.index(0, 0)])
    assert [u.toLocalFile() for u in mime.urls()] == ["/media/d-new.webp"]


def test_folder_is_read_with_previews_and_broken_files_shown_as_broken(
    qtbot, make_panel: PanelFactory, media_folder: Path
) -> None:
    panel = make_panel(media_folder)
    names = {f.name for f in panel.model.files()}
    assert names == {"wide.png", "square.jpg", "take.mp4", "broken.png", "broken.mp4"}
    qtbot.waitUntil(lambda: _all_previews(panel), timeout=20_000)
    facts = {f.name: panel.previews.known(f) for f in panel.model.files()}
    assert (facts["wide.png"].width, facts["wide.png"].height) == (1280, 720)
    assert facts["take.mp4"].duration_s == pytest.approx(1.0, abs=0.1)
    assert facts["take.mp4"].thumbnail and Path(facts["take.mp4"].thumbnail).is_file()
    assert facts["broken.png"].error and "Broken" in facts["broken.png"].error
    assert facts["broken.mp4"].error
    # The broken tiles paint (no crash) and say so; the grid repaints without stalling.
    image = panel.grid.grab()
    assert not image.isNull()
    assert "2 clips" in panel.footer.text() and "3 pictures" in panel.footer.text()
    # The mark for a picture that fits the chosen frame exactly.
    panel.set_frame_size((1280, 720))
    delegate = panel.grid.asset_delegate
    assert delegate.fits_frame(facts["wide.png"])
    assert not delegate.fits_frame(facts["square.jpg"])


def test_hovering_a_clip_scrubs_its_spritesheet(
    qtbot, make_panel: PanelFactory, media_folder: Path
) -> None:
    panel = make_panel(media_folder)
    qtbot.waitUntil(lambda: _all_previews(panel), timeout=20_000)
    panel.filters.kind_combo.setCurrentIndex(2)  # clips only, worked out off the GUI thread
    qtbot.waitUntil(
        lambda: all(f.kind is AssetKind.VIDEO for f in panel.model.files()), timeout=5_000
    )
    row = next(
        r for r in range(panel.model.rowCount()) if panel.model.file_at(r).name == "take.mp4"
    )
    rect = panel.grid.visualRect(panel.model.index(row, 0))
    point = QPoint(rect.left() + rect.width() * 3 // 4, rect.top() + 30)
    assert panel.grid.scrub_to(point) is not None
    qtbot.waitUntil(lambda: bool(panel.previews.sheet(panel.model.file_at(row))), timeout=20_000)
    path, frame = panel.grid.scrub_to(point)
    assert path.endswith("take.mp4") and 15 <= frame <= 20
    assert not panel.grid.grab().isNull()


def test_files_already_in_the_library_are_marked(
    qtbot, make_panel: PanelFactory, media_folder: Path, database: Path
) -> None:
    repo = Repository(open_db(database))
    job = add_imported_clip(repo, completed_at=1.0)
    add_video_asset(repo, job.id, media_folder / "take.mp4")  # same bytes, same sha256
    repo.close()
    panel = make_panel(media_folder)
    take = next(f for f in panel.model.files() if f.name == "take.mp4")
    qtbot.waitUntil(lambda: panel.model.in_library(take.path), timeout=10_000)
    assert not panel.model.in_library(str(media_folder / "wide.png"))
    digest = hashlib.sha256((media_folder / "take.mp4").read_bytes()).hexdigest()
    assert digest in panel._digests.values()  # remembered: the next check does not re-read it


def test_a_file_added_to_the_watched_folder_appears(
    qtbot, make_panel: PanelFactory, media_folder: Path
) -> None:
    panel = make_panel(media_folder)
    before = panel.model.total_count
    write_picture(media_folder / "fresh.webp", 64, 36)
    qtbot.waitUntil(lambda: panel.model.row_of(str(media_folder / "fresh.webp")) is not None)
    assert panel.model.total_count == before + 1
    os.rename(media_folder / "fresh.webp", media_folder / "renamed.webp")
    qtbot.waitUntil(lambda: panel.model.row_of(str(media_folder / "renamed.webp")) is not None)
    assert panel.model.row_of(str(media_folder / "fresh.webp")) is None
    (media_folder / "renamed.webp").unlink()
    qtbot.waitUntil(lambda: panel.model.total_count == before)


def test_a_folder_that_disappears_says_so(
    qtbot, make_panel: PanelFactory, media_folder: Path
) -> None:
    panel = make_panel(media_folder)
    for child in media_folder.iterdir():
        child.unlink()
    media_folder.rmdir()
    qtbot.waitUntil(lambda: "no longer exists" in panel.message.text(), timeout=5000)
    assert panel.model.rowCount() == 0


def test_empty_and_unreadable_folders_and_symlink_loops(
    qtbot, make_panel: PanelFactory, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "loop").symlink_to(empty)  # a folder link back to itself
    (empty / "a.png").symlink_to(empty / "b.png")
    (empty / "b.png").symlink_to(empty / "a.png")  # a file link loop
    panel = make_panel(empty)
    files = panel.model.files()
    assert [f.name for f in files] == ["a.png", "b.png"]
    assert all(f.error for f in files)
    from sora_studio.services.asset_folders import list_subfolders

    assert list_subfolders(empty) == ((), None)
    missing = scan_folder(tmp_path / "nowhere")
    assert missing.error and "no longer exists" in missing.error
    if os.geteuid() != 0:  # root reads everything
        locked = tmp_path / "locked"
        locked.mkdir(mode=0)
        assert "Permission denied" in (scan_folder(locked).error or "")


def test_bookmarks_add_rename_remove(
    qtbot, make_panel: PanelFactory, media_folder: Path, tmp_path: Path
) -> None:
    panel = make_panel(media_folder)
    other = tmp_path / "other"
    other.mkdir()
    with qtbot.waitSignal(panel.bookmarks_changed) as changed:
        panel.tree.add_bookmark(str(other))
    assert changed.args[0] == [("Shoot", str(media_folder)), ("other", str(other))]
    qtbot.waitUntil(lambda: panel.folder == str(other))
    with qtbot.waitSignal(panel.bookmarks_changed) as changed:
        assert panel.tree.rename_current("B-roll")
    assert changed.args[0][1] == ("B-roll", str(other))
    with qtbot.waitSignal(panel.bookmarks_changed) as changed:
        assert panel.tree.remove_current()
    assert changed.args[0] == [("Shoot", str(media_folder))]


def test_a_wide_short_dock_puts_the_folders_beside_the_tiles_and_keeps_them_narrow(
    qtbot, make_panel: PanelFactory, media_folder: Path
) -> None:
    panel = make_panel(media_folder)
    panel.resize(1000, 320)
    qtbot.waitUntil(lambda: panel.splitter.orientation() == Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: panel.splitter.sizes()[0] <= 260, timeout=2_000)
    panel.resize(480, 300)  # the bottom row shared with the render queue
    qtbot.waitUntil(lambda: panel.splitter.sizes()[0] <= sum(panel.splitter.sizes()) // 3 + 1)
    panel.resize(400, 700)  # tall: folders above the tiles
    qtbot.waitUntil(lambda: panel.splitter.orientation() == Qt.Orientation.Vertical)
