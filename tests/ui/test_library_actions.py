"""Import and export from the desk's File menu: off the GUI thread, each task with its own
connection (``services.library_tasks``), progress and results in the status bar, duplicates and
failures named."""

from __future__ import annotations

import csv
from pathlib import Path

import opentimelineio as otio
import pytest
from PySide6.QtWidgets import QMainWindow

from sora_studio.core.models import ReviewStatus
from sora_studio.services.imports import import_clips
from sora_studio.services.library_tasks import EXPORT_KEYS, LibraryTasks
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.status_bar import StudioStatusBar
from sora_studio.ui.workers.library_actions import EXPORT_KINDS, LibraryActions
from tests.media_factory import write_clip


@pytest.fixture
def setup(qtbot, tmp_path: Path):
    database = tmp_path / "studio.sqlite3"
    library = tmp_path / "library"
    window = QMainWindow()
    qtbot.addWidget(window)
    status = StudioStatusBar(window)
    window.setStatusBar(status)

    def factory() -> Repository:
        return Repository(open_db(database))

    actions = LibraryActions(lambda: LibraryTasks.open(database), library, status, window)
    yield actions, factory, status, tmp_path
    assert actions.shutdown()


def test_import_runs_in_the_background_and_names_duplicates_and_failures(
    setup, qtbot, dialogs
) -> None:
    actions, factory, status, tmp = setup
    first = write_clip(tmp / "first.mp4", level=10)
    second = write_clip(tmp / "second.mov", level=120)
    copy = tmp / "copy-of-first.mp4"
    copy.write_bytes(first.read_bytes())
    broken = tmp / "notes.mp4"
    broken.write_text("not a video")
    with (
        qtbot.waitSignal(actions.import_finished, timeout=30_000) as done,
        qtbot.waitSignal(actions.clips_imported, timeout=30_000) as imported,
    ):
        assert actions.import_paths([str(first), str(second), str(copy), str(broken)])
        assert actions.busy
    report = done.args[0]
    assert len(report.imported) == 2 and len(report.duplicates) == 1 and len(report.failures) == 1
    assert imported.args[0] == [clip.job_id for clip in report.imported]
    kind, text = dialogs.shown[-1]
    assert kind == "warning"
    assert "Imported 2 clips; 1 already in the library, 1 could not be imported" in text
    assert f"copy-of-first.mp4: same file as clip #{report.imported[0].job_id}" in text
    assert "notes.mp4:" in text
    assert status.work_label.text().startswith("Imported 2 clips")
    assert not status.work_bar.isVisible()
    repo = factory()
    try:
        assert {j.id for j in repo.list_jobs()} == set(imported.args[0])
    finally:
        repo.close()
    qtbot.waitUntil(lambda: not actions.busy)


def test_import_from_the_file_dialog_uses_the_chosen_files(setup, qtbot) -> None:
    actions, _factory, _status, tmp = setup
    clip = write_clip(tmp / "chosen.mp4", level=30)
    actions._choose_import_files = lambda _parent: [str(clip)]
    with qtbot.waitSignal(actions.clips_imported, timeout=30_000):
        assert actions.ask_import()
    actions._choose_import_files = lambda _parent: []
    assert not actions.ask_import()  # cancelled: nothing starts


def _library_with_an_approved_clip(factory, library: Path, tmp: Path) -> int:
    repo = factory()
    try:
        report = import_clips(repo, library, [write_clip(tmp / "approved.mp4", level=60)])
        job_id = report.imported[0].job_id
        repo.add_review(job_id, ReviewStatus.APPROVED, "ana")
        repo.add_note(job_id, 500, "Hold on the boat", "ana")
    finally:
        repo.close()
    return job_id


def test_every_export_writes_its_file_and_offers_the_folder(setup, qtbot, dialogs) -> None:
    actions, factory, status, tmp = setup
    job_id = _library_with_an_approved_clip(factory, actions.library_root, tmp)
    out = tmp / "out"
    out.mkdir()
    targets = {
        "clips": out / "clips",
        "notes-csv": out / "notes.csv",
        "report-pdf": out / "report.pdf",
        "timeline": out / "approved.xml",
        "spend": out / "spend.txt",
    }
    assert {k.key for k in EXPORT_KINDS} == set(targets) == set(EXPORT_KEYS)  # menu = service
    for key, target in targets.items():
        actions._choose_export_target = lambda _parent, _kind, t=target: str(t)
        with qtbot.waitSignal(actions.export_finished, timeout=30_000) as done:
            assert actions.ask_export(key)
        outcome = done.args[0]
        assert outcome.kind == key
        assert status.open_folder_button.isVisibleTo(status.parentWidget())
        assert status.result_folder == (target if key == "clips" else out)
    recipes = list((out / "clips").glob("*/recipe.json"))
    assert len(recipes) == 1
    with (out / "notes.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and "Hold on the boat" in rows[0].values()
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    (clip,) = otio.adapters.read_from_file(str(out / "approved.xml")).find_clips()
    assert [m.name for m in clip.markers] == ["Hold on the boat"]
    assert "Total spent:" in (out / "spend.txt").read_text()
    assert not any(kind == "warning" for kind, _ in dialogs.shown)
    assert job_id > 0


def test_a_failed_export_says_what_to_do(setup, qtbot, dialogs) -> None:
    actions, _factory, status, tmp = setup
    folder = tmp / "a-folder"
    folder.mkdir()
    with qtbot.waitSignal(actions.task_failed, timeout=10_000) as failed:
        assert actions.export_to("notes-csv", folder)
    assert "is a folder; give a file name" in failed.args[0]
    assert dialogs.shown[-1][0] == "warning"
    assert not status.work_bar.isVisible()


def test_editors_markers_come_back_as_notes_with_a_message(setup, qtbot, dialogs) -> None:
    actions, factory, status, tmp = setup
    job_id = _library_with_an_approved_clip(factory, actions.library_root, tmp)
    cut = tmp / "cut.otio"
    with qtbot.waitSignal(actions.export_finished, timeout=30_000):
        assert actions.export_to("timeline", cut)
    timeline = otio.adapters.read_from_file(str(cut))
    (clip,) = timeline.find_clips()
    span = otio.opentime.TimeRange(otio.opentime.RationalTime(24, 24))
    clip.markers.append(otio.schema.Marker(name="warmer grade", marked_range=span))
    stranger = clip.clone()
    stranger.name = "A001_C002.mov"
    stranger.metadata["sora_studio"]["job_id"] = 999
    stranger.media_reference.target_url = "file:///shoot/A001_C002.mov"
    timeline.tracks[0].append(stranger)
    back = tmp / "back.otio"
    otio.adapters.write_to_file(timeline, str(back))
    actions._choose_marker_file = lambda _parent: str(back)
    with qtbot.waitSignal(actions.markers_imported, timeout=30_000) as done:
        assert actions.ask_import_markers()
    report = done.args[0]
    assert [(n.job_id, n.start_ms, n.text) for n in report.added] == [
        (job_id, 1000, "warmer grade")
    ]
    kind, text = dialogs.shown[-1]
    assert kind == "information"
    assert "Added 1 note from back.otio; skipped 1 already there" in text
    assert "2 on clips the library does not know" in text
    assert "A001_C002.mov at 01:00:02:12: “Hold on the boat”" in text
    assert status.work_label.text().startswith("Added 1 note")
    with qtbot.waitSignal(actions.markers_imported, timeout=30_000) as again:
        assert actions.import_marker_files([str(back), str(tmp / "not-a-timeline.txt")])
    assert again.args[0].added == ()
    bad = tmp / "bad.edl"
    bad.write_text("")
    with qtbot.waitSignal(actions.task_failed, timeout=30_000) as failed:
        assert actions.import_markers(bad)
    assert "bad.edl is empty" in failed.args[0]
    actions._choose_marker_file = lambda _parent: ""
    assert not actions.ask_import_markers()  # cancelled: nothing starts
