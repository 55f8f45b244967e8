"""The desk's one writer: commands applied in order off the GUI thread, results and refusals
handed back on it, nothing lost at shutdown; a verdict key that never waits on the write lock;
quick keys on one clip that do not flicker; templates shown before they are stored."""

from __future__ import annotations

import sqlite3
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.models import Brief, Job, JobStatus, ReviewStatus
from sora_studio.services.desk_writes import AddNote, RecordVerdicts, SaveTemplate
from sora_studio.services.library_view import LibraryView
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.review.verdicts import VerdictRecorder
from sora_studio.ui.workers.brief_store import WrittenBriefStore
from sora_studio.ui.workers.desk_writer import DeskWriter


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "studio.sqlite3"
    repo = Repository(open_db(path))
    for index in range(3):
        job = repo.create_job(
            provider="emulator",
            fingerprint=f"fp-{index}",
            prompt="a paper boat",
            model="sora-2",
            size="1280x720",
            seconds=4,
            status=JobStatus.QUEUED_LOCAL,
            estimate_cents=Decimal(40),
        )
        repo.update_job(job.id, status=JobStatus.READY)
    repo.close()
    return path


@pytest.fixture
def writer(qtbot, database: Path):
    desk_writer = DeskWriter.for_database(database)
    yield desk_writer
    assert desk_writer.shutdown()


def _stored(database: Path) -> Repository:
    return Repository(open_db(database))


def test_commands_apply_in_order_and_answer_on_the_gui_thread(qtbot, writer, database) -> None:
    answers: list[object] = []
    gui = threading.get_ident()

    def done(result: object) -> None:
        assert threading.get_ident() == gui
        answers.append(result)

    writer.send(RecordVerdicts((1,), ReviewStatus.APPROVED, "ana"), on_done=done)
    writer.send(RecordVerdicts((1,), ReviewStatus.REJECTED, "ana"), on_done=done)
    refusals: list[str] = []
    writer.send(AddNote(1, 99_000, "past the end", "ana"), on_refused=refusals.append)
    with qtbot.waitSignal(writer.settled, timeout=5000):
        pass
    assert [a.jobs[0].review_status for a in answers] == [  # type: ignore[attr-defined]
        ReviewStatus.APPROVED,
        ReviewStatus.REJECTED,
    ]
    assert "beyond the clip's end" in refusals[0]
    # A refusal nobody asked to hear about reaches the status bar through ``refused``.
    with qtbot.waitSignal(writer.refused, timeout=5000) as said:
        writer.send(AddNote(1, -5, "before the start", "ana"))
    assert "before the clip does" in said.args[0]


def test_shutdown_stores_what_was_sent_and_later_sends_are_refused(qtbot, database) -> None:
    writer = DeskWriter.for_database(database)
    for _ in range(20):
        writer.send(AddNote(2, 1000, "hold this frame", "ana"))
    assert writer.shutdown()
    repo = _stored(database)
    try:
        assert len(repo.notes_for(2)) == 20
    finally:
        repo.close()
    refusals: list[str] = []
    writer.send(AddNote(2, 1000, "too late", "ana"), on_refused=refusals.append)
    qtbot.waitUntil(lambda: refusals == ["The library is closed."])


def test_a_verdict_key_never_waits_on_the_write_lock(qtbot, writer, database) -> None:
    # Another writer (the engine committing, an import) holds the lock for a second.
    blocker = sqlite3.connect(database, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    view = LibraryView.open(database)
    try:
        jobs = {job.id: job for job in view.list_jobs()}
        recorder = VerdictRecorder(writer, "ana", jobs.get, view.get_job)
        started = time.perf_counter()
        result = recorder.record([1, 2], ReviewStatus.APPROVED)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.05  # shown at once: the writer thread is the one that waits
        assert [j.review_status for j in result.jobs] == [ReviewStatus.APPROVED] * 2
        assert view.get_job(1).review_status is ReviewStatus.UNREVIEWED  # type: ignore[union-attr]
        time.sleep(0.3)
        blocker.rollback()
        with qtbot.waitSignal(recorder.reconciled, timeout=10_000) as stored:
            pass
        assert {j.id: j.review_status for j in stored.args[0]} == {
            1: ReviewStatus.APPROVED,
            2: ReviewStatus.APPROVED,
        }
    finally:
        blocker.close()
        view.close()


def test_quick_keys_on_one_clip_end_on_the_last_verdict_without_flicker(
    qtbot, writer, database
) -> None:
    view = LibraryView.open(database)
    try:
        shown: dict[int, Job] = {job.id: job for job in view.list_jobs()}
        recorder = VerdictRecorder(writer, "ana", shown.get, view.get_job)
        seen: list[ReviewStatus] = []
        recorder.reconciled.connect(lambda jobs: seen.extend(j.review_status for j in jobs))
        for status in (ReviewStatus.APPROVED, ReviewStatus.CHANGES, ReviewStatus.REJECTED):
            [job] = recorder.record([3], status).jobs
            shown[3] = job
        # An engine update read before the writes keeps the verdict on screen.
        stale = view.get_job(3)
        assert stale is not None
        assert recorder.overlay(stale).review_status is ReviewStatus.REJECTED
        qtbot.waitUntil(lambda: writer.pending == 0, timeout=5000)
        assert seen == [ReviewStatus.REJECTED]  # the answers to older keys were not shown
        assert recorder.in_flight == 0
        undone = recorder.undo()
        assert [j.review_status for j in undone] == [ReviewStatus.CHANGES]
        qtbot.waitUntil(lambda: seen[-1] is ReviewStatus.CHANGES, timeout=5000)
    finally:
        view.close()


def test_a_template_is_offered_before_the_writer_has_stored_it(qtbot, writer, database) -> None:
    view = LibraryView.open(database)
    try:
        store = WrittenBriefStore(view, writer)
        brief = Brief(subject="a lantern on a river")
        store.save_template("night river", brief)
        store.add_recent_brief(brief)
        assert store.list_templates() == {"night river": brief}  # at once
        assert store.recent_briefs() == [brief]
        qtbot.waitUntil(lambda: writer.pending == 0, timeout=5000)
        assert view.list_templates() == {"night river": brief}  # and stored
        assert store.recent_briefs() == [brief]
        writer.send(SaveTemplate("", brief))  # refused (no name): said on ``refused``
        with qtbot.waitSignal(writer.refused, timeout=5000):
            pass
    finally:
        view.close()
