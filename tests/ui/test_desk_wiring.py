"""The desk wired together: job updates reach the grid and the queue, clip actions and notes go
through their dialogs to the engine (end to end on the emulator: note -> edit -> a new job with
lineage EDIT and the note linked to it), providers reload after Settings, drops import, staging
folders are swept, and SORA_STUDIO_EXIT_AFTER_SHOWN=1 quits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialog

from sora_studio.app import Desk, DeskOptions, attach_review, build_desk
from sora_studio.core.models import JobStatus, LineageKind
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.paths import resolve_paths
from sora_studio.services.orders import RenderOrder
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.dialogs.operation_dialog import PromptOperationDialog


def _build(tmp_path: Path, **options) -> Desk:
    opts = DeskOptions(env={}, remember_layout=False, **options)
    desk = build_desk(QApplication.instance(), resolve_paths(tmp_path / "data"), opts)
    attach_review(desk)
    return desk


@pytest.fixture
def live_desk(qtbot, tmp_path: Path):
    desk = _build(
        tmp_path,
        emulator_settings=EmulatorSettings(poll_after_ms=50, seed=3, min_job_seconds=0.0),
        poll_interval_s=0.1,
    )
    desk.window.show()
    with qtbot.waitSignal(desk.engine_attached, timeout=20_000):
        desk.start()
    yield desk
    desk.shutdown()


def test_a_note_becomes_an_edit_whose_result_is_linked_back(qtbot, live_desk: Desk) -> None:
    desk = live_desk
    panel = desk.window.review_widget
    order = RenderOrder(
        prompt="A paper boat on a pond",
        model="sora-2",
        size="1280x720",
        seconds=4,
        provider="emulator",
    )
    with qtbot.waitSignal(desk.worker.jobs_submitted, timeout=10_000) as sent:
        desk.engine.submit(order)
    source_id = sent.args[0][0].id
    # New renders appear in the grid as they arrive, without stealing the selection.
    qtbot.waitUntil(lambda: panel.model.job(source_id) is not None, timeout=5_000)
    assert panel.current_job_id is None
    qtbot.waitUntil(lambda: panel.model.job(source_id).status is JobStatus.READY, timeout=60_000)
    assert desk.queue_model.job(source_id).status is JobStatus.READY
    assert panel.select_clip(source_id)
    qtbot.waitUntil(lambda: panel.current_job_id == source_id)
    # The note is made as the CLI (or another desk) would: the GUI's view refuses writes.
    store = Repository(open_db(desk.paths.database))
    note = store.add_note(source_id, 1000, "Make the water greener", "ana")
    other = store.add_note(source_id, 2000, "Slower", "ana")
    store.close()
    asked: list[str] = []

    def accept(dialog: QDialog) -> bool:
        assert isinstance(dialog, PromptOperationDialog)
        asked.append(dialog.prompt_edit.toPlainText())
        return True

    desk.operations.ask = accept
    with qtbot.waitSignal(desk.worker.jobs_submitted, timeout=10_000) as derived:
        panel.notes.turn_into_requested.emit(note.id, "edit", note.text)
    assert asked == ["Make the water greener"]
    child = derived.args[0][0]
    assert child.lineage_kind is LineageKind.EDIT and child.parent_id == source_id

    def linked() -> bool:
        notes = {n.id: n for n in desk.reader.notes_for(source_id)}
        return notes[note.id].result_job_id == child.id

    # The engine linked it when it made the job, in the same transaction.
    assert linked()
    qtbot.waitUntil(lambda: panel.model.job(child.id) is not None, timeout=5_000)
    assert panel.current_job_id == source_id  # the new version did not take the selection
    # The note on show says what it became.
    qtbot.waitUntil(lambda: f"#{child.id}" in panel.notes.model.index(0, 0).data(), timeout=5_000)
    # A cancelled dialog leaves the engine alone and the note unlinked.
    desk.operations.ask = lambda _dialog: False
    with qtbot.waitSignal(desk.operations.declined, timeout=2_000):
        panel.notes.turn_into_requested.emit(other.id, "remix", other.text)
    assert {n.id: n for n in desk.reader.notes_for(source_id)}[other.id].result_job_id is None
    # Settings accepted: the engine drops its SDK clients and re-reads the profiles.
    with qtbot.waitSignal(desk.worker.providers_reloaded, timeout=5_000):
        desk.engine.providers_changed()


@pytest.fixture
def idle_desk(qtbot, tmp_path: Path):
    staging = tmp_path / "data" / "library" / ".import-killed"
    staging.mkdir(parents=True)
    (staging / "half.mp4").write_bytes(b"x")
    desk = _build(tmp_path, start_engine=False)
    desk.window.show()
    qtbot.waitExposed(desk.window)
    yield desk, staging
    desk.shutdown()


def test_startup_sweeps_import_staging_and_menus_exist(idle_desk) -> None:
    desk, staging = idle_desk
    assert not staging.exists()
    names = desk.window.actions_by_name
    assert names["import"].shortcut().toString() == "Ctrl+I"
    labels = [a.text() for a in desk.window.export_menu.actions()]
    assert labels == [
        "Approved clips to a folder…",
        "Notes as CSV…",
        "Review report (PDF)…",
        "Timeline for editing…",
        "Spend report (text)…",
    ]


def test_actions_wait_for_the_engine(qtbot, idle_desk) -> None:
    desk, _ = idle_desk
    with qtbot.waitSignal(desk.window.status.messageChanged) as message:
        desk.on_review_action("edit", 1)
    assert "still starting" in message.args[0]


def test_dropping_videos_on_the_window_imports_them(
    qtbot, idle_desk, tmp_path: Path, dialogs
) -> None:
    desk, _ = idle_desk
    from tests.media_factory import write_clip

    clip = write_clip(tmp_path / "dropped.mov", level=77)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip)), QUrl.fromLocalFile(str(tmp_path / "x.txt"))])
    event = QDropEvent(
        QPointF(QPoint(50, 50)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    assert desk.window.dropped_videos(event) == [str(clip)]
    panel = desk.window.review_widget
    with qtbot.waitSignal(desk.library.clips_imported, timeout=30_000) as imported:
        desk.window.dropEvent(event)
    job_id = imported.args[0][0]
    assert panel.model.job(job_id) is not None
    assert panel.current_job_id is None
    assert "import_markers" in desk.window.actions_by_name

    # a timeline dropped on the window brings its markers back as notes
    rate = otio.opentime.RationalTime
    span = otio.opentime.TimeRange(rate(0, 24), rate(24, 24))
    media = otio.schema.ExternalReference(target_url=f"clip-{job_id:04d}.mov")
    item = otio.schema.Clip(name="take", media_reference=media, source_range=span)
    at = otio.opentime.TimeRange(rate(12, 24), rate(0, 24))
    item.markers.append(otio.schema.Marker(name="dropped note", marked_range=at))
    timeline = otio.schema.Timeline(name="editor")
    timeline.tracks.append(otio.schema.Track(children=[item]))
    cut = tmp_path / "cut.otio"
    otio.adapters.write_to_file(timeline, str(cut))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(cut))])
    drop = QDropEvent(
        QPointF(QPoint(50, 50)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(desk.library.markers_imported, timeout=30_000) as markers:
        desk.window.dropEvent(drop)
    assert [(n.job_id, n.start_ms, n.text) for n in markers.args[0].added] == [
        (job_id, 500, "dropped note")
    ]
    assert dialogs.shown[-1][0] == "information" and "Added 1 note" in dialogs.shown[-1][1]


def test_exit_after_shown_quits_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ, SORA_STUDIO_EXIT_AFTER_SHOWN="1", QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "sora_studio", "--data-dir", str(tmp_path / "d")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "d" / "studio.sqlite3").is_file()
