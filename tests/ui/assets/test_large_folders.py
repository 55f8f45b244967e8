"""The Assets grid under a large folder: row plans worked out off the GUI thread, applied only to
the rows they were worked out from, shaped as the few row removals and insertions that keep a
selection; and paints that render new tiles only within a time budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora_studio.services.asset_folders import AssetKind, FolderFile, scan_folder
from sora_studio.ui.assets import asset_delegate
from sora_studio.ui.assets.asset_model import AssetModel
from sora_studio.ui.assets.row_plan import AssetFilter, AssetSort, arrange, plan_rows

from .conftest import PanelFactory, write_picture


def _files(*names: str) -> list[FolderFile]:
    return [
        FolderFile(f"/m/{n}", n, AssetKind.IMAGE, 100 * i, i * 1_000_000_000)
        for i, n in enumerate(names, start=1)
    ]


def test_a_file_landing_in_a_large_folder_is_one_insertion(qtmodeltester) -> None:
    model = AssetModel()
    names = [f"still_{i:05d}.jpg" for i in range(0, 2000, 2)]
    model.set_files("/m", _files(*names))
    qtmodeltester.check(model)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.modelReset.connect(lambda: inserted.append((-1, -1)))
    plan = plan_rows(
        model.snapshot(), "/m", _files(*names, "still_00501.jpg"), AssetFilter(), AssetSort.NAME
    )
    assert not plan.reset and plan.removals == () and len(plan.insertions) == 1
    assert model.apply(plan)
    assert inserted == [(251, 251)]
    assert model.file_at(251).name == "still_00501.jpg"
    qtmodeltester.check(model)


def test_a_plan_worked_out_from_rows_that_changed_since_is_refused() -> None:
    model = AssetModel()
    model.set_files("/m", _files("a.jpg", "b.jpg"))
    stale = plan_rows(model.snapshot(), "/m", _files("a.jpg"), AssetFilter(), AssetSort.NAME)
    model.set_filter(AssetFilter(text="b"))  # the person typed meanwhile
    assert not model.apply(stale)
    assert [f.name for f in model.files()] == ["b.jpg"]
    fresh = plan_rows(model.snapshot(), "/m", _files("a.jpg"), AssetFilter(), AssetSort.NAME)
    assert model.apply(fresh)
    assert [f.name for f in model.files()] == ["a.jpg"]


def test_another_sort_resets_rather_than_keeping_rows_in_the_old_order() -> None:
    model = AssetModel()
    model.set_files("/m", _files("a.jpg", "b.jpg", "c.jpg"))
    plan = plan_rows(model.snapshot(), "/m", model.all_files(), AssetFilter(), AssetSort.SIZE)
    assert plan.reset
    assert model.apply(plan)
    assert [f.name for f in model.files()] == ["c.jpg", "b.jpg", "a.jpg"]


def test_a_scan_lists_in_the_order_the_name_sort_shows(tmp_path: Path) -> None:
    for name in ("b.png", "A.png", "a.png", "C.png"):
        write_picture(tmp_path / name, 8, 8)
    listing = scan_folder(tmp_path)
    by_name = arrange(listing.files, AssetFilter(), AssetSort.NAME)
    assert arrange(listing.files, AssetFilter(), AssetSort.NAME, name_sorted=True) == by_name
    assert [f.name for f in by_name] == ["A.png", "a.png", "b.png", "C.png"]


def test_typing_in_the_name_filter_narrows_the_grid(
    qtbot, make_panel: PanelFactory, media_folder: Path
) -> None:
    panel = make_panel(media_folder)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 5, timeout=10_000)
    panel.filters.name_filter.setText("squ")
    qtbot.waitUntil(lambda: [f.name for f in panel.model.files()] == ["square.jpg"], timeout=5_000)
    panel.filters.name_filter.setText("nothing like it")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=5_000)
    assert panel.message.text() == "Nothing here matches the filter."


def test_a_folder_of_only_subfolders_says_where_the_files_are(
    qtbot, make_panel: PanelFactory, tmp_path: Path
) -> None:
    library = tmp_path / "clips"
    library.mkdir()
    panel = make_panel(library)
    qtbot.waitUntil(lambda: "No pictures or clips in this folder yet" in panel.message.text())
    for day in ("2026-12-01", "2026-12-02"):  # the first renders land in dated folders
        (library / day).mkdir()
    qtbot.waitUntil(lambda: "subfolders" in panel.message.text(), timeout=10_000)
    assert "Expand it in the folder list" in panel.message.text()
    assert "2 subfolders" in panel.message.text()


def test_tiles_past_the_render_budget_are_drawn_in_the_next_paint(
    qtbot, make_panel: PanelFactory, media_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fling shows a screenful of new tiles: a paint renders what fits in its budget, draws
    plain cards for the rest and asks for another paint, which renders them."""
    panel = make_panel(media_folder)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 5, timeout=10_000)
    delegate = panel.grid.asset_delegate
    monkeypatch.setattr(asset_delegate, "RENDER_BUDGET_S", -1.0)  # no time to render any
    panel.grid.viewport().repaint()
    assert delegate.deferred
    assert len(delegate._tiles) == 0
    assert panel.grid._finish.isActive()  # the next paint is already asked for
    monkeypatch.setattr(asset_delegate, "RENDER_BUDGET_S", 1.0)
    qtbot.waitUntil(lambda: len(delegate._tiles) == 5 and not delegate.deferred, timeout=5_000)
