"""The desk's service facades: the GUI's read-only view, the writer's commands (verdicts with
undo, notes, Settings' Save), the note that travels with an order and is linked by the engine,
and the providers facade's checks before a profile is saved."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus, LineageKind, ReviewStatus
from sora_studio.services.desk_writes import (
    AddNote,
    DeskWrites,
    RecordVerdicts,
    ResolveNote,
    SaveSettings,
    UndoVerdicts,
)
from sora_studio.services.library_view import LibraryView
from sora_studio.services.provider_settings import (
    ProviderProfile,
    check_profile,
    default_profile_name,
)
from sora_studio.storage.db import open_db
from sora_studio.storage.repo_providers import check_provider_dict
from sora_studio.storage.repository import Repository
from tests.services.conftest import PROMPT, Studio, order


def _job(repo: Repository, status: JobStatus = JobStatus.READY, seconds: int = 4) -> int:
    job = repo.create_job(
        provider="emulator",
        fingerprint=f"fp-{status.value}-{len(repo.list_jobs())}",
        prompt=PROMPT,
        model="sora-2",
        size="1280x720",
        seconds=seconds,
        status=JobStatus.QUEUED_LOCAL,
        estimate_cents=Decimal(40),
    )
    return repo.update_job(job.id, status=status).id


@pytest.fixture
def writes(tmp_path: Path):
    writes = DeskWrites.open(tmp_path / "studio.sqlite3")
    yield writes
    writes.close()


def test_the_gui_view_reads_everything_and_refuses_to_write(tmp_path: Path, writes) -> None:
    job_id = _job(writes.repo)
    writes.repo.set_setting("budget_cap_cents", "2500")
    view = LibraryView.open(tmp_path / "studio.sqlite3")
    try:
        assert [j.id for j in view.list_jobs(limit=10)] == [job_id]
        assert view.jobs_except({job_id}) == []
        assert view.spend() == (Decimal(2500), Decimal(40))  # a finished clip's estimate
        assert view.budget_cap() == Decimal(2500)
        assert not view.queue_paused()
        # The GUI thread's connection is query_only: a stray write fails at once instead of
        # waiting on the write lock behind the engine.
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            view._repo.set_setting("theme", "dark")  # the point of the test
    finally:
        view.close()


def test_verdicts_judge_finished_clips_only_and_undo_as_one_step(writes) -> None:
    ready, other, rendering = (
        _job(writes.repo),
        _job(writes.repo),
        _job(writes.repo, JobStatus.IN_PROGRESS),
    )
    recorded = RecordVerdicts(
        (ready, other, rendering, ready), ReviewStatus.REJECTED, "ana", "too dark"
    ).apply(writes)
    assert recorded.judged == (ready, other)
    assert recorded.skipped == (rendering,)
    assert {j.id: j.review_status for j in recorded.jobs} == {
        ready: ReviewStatus.REJECTED,
        other: ReviewStatus.REJECTED,
        rendering: ReviewStatus.UNREVIEWED,
    }
    assert writes.repo.reviews_for(ready)[-1].reason == "too dark"
    undone = UndoVerdicts((ready, other), "ana").apply(writes)
    assert {j.review_status for j in undone} == {ReviewStatus.UNREVIEWED}
    assert len(writes.repo.reviews_for(ready)) == 2  # the decision and its reversal


def test_notes_stay_inside_the_clip_and_resolve(writes) -> None:
    job_id = _job(writes.repo, seconds=4)
    note = AddNote(job_id, 1500, "  tail flickers ", "ana").apply(writes)
    assert (note.start_ms, note.text, note.author) == (1500, "tail flickers", "ana")
    with pytest.raises(UserError, match="beyond the clip's end"):
        AddNote(job_id, 60_000, "way past the end", "ana").apply(writes)
    assert ResolveNote(note.id).apply(writes).resolved


def test_settings_save_is_one_transaction(writes) -> None:
    good = ProviderProfile(name="gw", kind="gateway", base_url="https://gw/v1", key_source="none")
    SaveSettings(
        profiles=(check_profile(good),),
        settings=(("default_provider", "gw"), ("budget_cap_cents", "900")),
    ).apply(writes)
    assert default_profile_name(writes.repo, {}) == "gw"
    bad = {"name": "broken", "kind": "gateway", "concurrency_limit": 0}
    with pytest.raises(UserError, match="concurrency"):
        SaveSettings(
            profiles=(bad,), removed=("gw",), settings=(("budget_cap_cents", None),)
        ).apply(writes)
    # Nothing of the refused save was kept: the profile, the cap and the default are as before.
    assert [p.name for p in writes.repo.list_providers()] == ["gw"]
    assert writes.repo.get_setting("budget_cap_cents") == "900"


def test_a_profile_is_checked_as_the_library_would_before_the_dialog_closes() -> None:
    gateway = ProviderProfile(
        name="gw", kind="gateway", base_url="https://gw/v1", key_source="env:GW_KEY"
    )
    assert check_profile(gateway)["key_source"] == "env:GW_KEY"
    emulator = ProviderProfile(
        name="emulator", kind="emulator", base_url="http://127.0.0.1:1/v1", key_source="none"
    )
    assert check_profile(emulator)["base_url"] is None  # where this run's emulator listens
    # What only the library refuses (a key pasted into an option) is refused here too.
    leaky = check_profile(gateway) | {"api_key": "sk-live-0123456789abcdef"}
    with pytest.raises(UserError, match="looks like an API key"):
        check_provider_dict(leaky)


def test_a_note_turned_into_an_edit_is_linked_by_the_engine(studio: Studio) -> None:
    [original] = studio.engine.submit(order())
    studio.settle(original.id, timeout_s=30)
    note = studio.repo.add_note(original.id, 1000, "make the boat red", "ana")
    edit = studio.engine.edit(original.id, "the boat is red", note_id=note.id)
    # Linked in the transaction that made the job, before any widget saw it.
    assert studio.repo.require_note(note.id).result_job_id == edit.id
    assert (edit.parent_id, edit.lineage_kind) == (original.id, LineageKind.EDIT)
    # A note deleted meanwhile costs nothing: the job is made, just not linked.
    gone = studio.repo.add_note(original.id, 2000, "slower", "ana")
    studio.repo.delete_note(gone.id)
    remix = studio.engine.remix(original.id, "slower, at dusk", note_id=gone.id)
    assert remix.status is JobStatus.QUEUED_LOCAL
    extension = studio.engine.extend(original.id, "and then it sinks", 4)
    assert extension.lineage_kind is LineageKind.EXTENSION
    assert all(n.result_job_id in (edit.id, None) for n in studio.repo.notes_for(original.id))


def test_the_gui_view_sees_the_writers_commits(tmp_path: Path, writes) -> None:
    view = LibraryView.open(tmp_path / "studio.sqlite3")
    try:
        job_id = _job(writes.repo)
        RecordVerdicts((job_id,), ReviewStatus.APPROVED, "ana").apply(writes)
        stored = view.get_job(job_id)
        assert stored is not None and stored.review_status is ReviewStatus.APPROVED
    finally:
        view.close()


def test_a_transaction_that_reads_then_writes_waits_for_another_writer(tmp_path: Path) -> None:
    """The engine, the desk's writer and an import write the library at once. A transaction
    that read before another connection committed must wait for its turn, not fail with
    "database is locked" (a deferred BEGIN cannot wait: storage.db.LibraryDatabase)."""
    path = tmp_path / "studio.sqlite3"
    engine = Repository(open_db(path))
    job_id = _job(engine)
    committed = threading.Event()
    failures: list[BaseException] = []

    def desk_writer_thread() -> None:
        writes = DeskWrites.open(path)  # its own connection, on its own thread
        try:
            RecordVerdicts((job_id,), ReviewStatus.APPROVED, "ana").apply(writes)
            committed.set()
        except BaseException as exc:
            failures.append(exc)
        finally:
            writes.close()

    writer = threading.Thread(target=desk_writer_thread)
    try:
        with engine.db.atomic():
            engine.get_job(job_id)  # a read first, as intake's create_job does
            writer.start()
            assert not committed.wait(0.3)  # the desk's write waits for the engine's lock...
            engine.update_job(job_id, progress=100)  # ...and the engine's write goes through
        writer.join(10)
        assert failures == [] and committed.is_set()
        stored = engine.require_job(job_id)
        assert stored.progress == 100 and stored.review_status is ReviewStatus.APPROVED
    finally:
        engine.close()
