"""Reviews are an append-only log with undo-as-append; notes pin text to a time range."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import Job, ReviewStatus
from sora_studio.storage.repository import Repository

MakeJob = Callable[..., Job]


def test_reviews_append_and_set_the_job_status(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    assert repo.latest_review_status(job.id) is ReviewStatus.UNREVIEWED
    first = repo.add_review(job.id, ReviewStatus.CHANGES, "ana", "too dark")
    second = repo.add_review(job.id, ReviewStatus.APPROVED, "ben")
    assert first.reason == "too dark" and first.reviewer == "ana"
    assert repo.reviews_for(job.id) == [first, second]
    assert repo.latest_review_status(job.id) is ReviewStatus.APPROVED
    assert repo.require_job(job.id).review_status is ReviewStatus.APPROVED


def test_reviews_cannot_be_rewritten(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    review = repo.add_review(job.id, ReviewStatus.REJECTED, "ana")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        repo.db.execute("UPDATE reviews SET status = 'approved' WHERE id = ?", [review.id])
    assert repo.reviews_for(job.id) == [review]


def test_undo_appends_a_restoring_record_and_repeats(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    repo.add_review(job.id, ReviewStatus.CHANGES, "ana")
    repo.add_review(job.id, ReviewStatus.APPROVED, "ana")
    rejected = repo.add_review(job.id, ReviewStatus.REJECTED, "ben")

    undo1 = repo.undo_last_review(job.id)
    assert undo1 is not None
    assert undo1.status is ReviewStatus.APPROVED
    assert undo1.reviewer == "ben"
    assert f"undo of review {rejected.id}" in undo1.reason
    assert repo.require_job(job.id).review_status is ReviewStatus.APPROVED

    undo2 = repo.undo_last_review(job.id, reviewer="cy")
    assert undo2 is not None and undo2.status is ReviewStatus.CHANGES and undo2.reviewer == "cy"
    undo3 = repo.undo_last_review(job.id)
    assert undo3 is not None and undo3.status is ReviewStatus.UNREVIEWED
    assert repo.undo_last_review(job.id) is None  # nothing left in force

    log = repo.reviews_for(job.id)
    assert len(log) == 6  # three decisions and three undo records, none removed
    assert repo.latest_review_status(job.id) is ReviewStatus.UNREVIEWED
    assert repo.require_job(job.id).review_status is ReviewStatus.UNREVIEWED

    # A fresh decision after undoing is undone back to the state before it.
    repo.add_review(job.id, ReviewStatus.APPROVED, "ana")
    assert repo.latest_review_status(job.id) is ReviewStatus.APPROVED
    undo = repo.undo_last_review(job.id)
    assert undo is not None and undo.status is ReviewStatus.UNREVIEWED


def test_reviewing_a_missing_job_is_a_user_error(repo: Repository) -> None:
    with pytest.raises(UserError, match="no job with id 5"):
        repo.add_review(5, ReviewStatus.APPROVED, "ana")
    assert repo.undo_last_review(5) is None


def test_notes_round_trip_resolve_and_link(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    later = repo.add_note(job.id, 2500, "sky flickers", "ana", end_ms=3100)
    point = repo.add_note(job.id, 400, "logo visible", "ben")
    assert repo.notes_for(job.id) == [point, later]
    assert later.end_ms == 3100 and point.end_ms is None
    assert later.resolved is False and later.result_job_id is None

    fix = make_job(parent_id=job.id)
    linked = repo.link_note_result(later.id, fix.id)
    assert linked.result_job_id == fix.id
    resolved = repo.resolve_note(later.id)
    assert resolved.resolved is True and resolved.result_job_id == fix.id
    assert repo.resolve_note(later.id, resolved=False).resolved is False

    repo.delete_note(point.id)
    assert [n.id for n in repo.notes_for(job.id)] == [later.id]


def test_bad_notes_are_refused(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    with pytest.raises(UserError, match="needs some text"):
        repo.add_note(job.id, 0, "   ", "ana")
    with pytest.raises(UserError, match="before its start"):
        repo.add_note(job.id, 500, "x", "ana", end_ms=100)
    with pytest.raises(UserError, match="cannot start before"):
        repo.add_note(job.id, -1, "x", "ana")
    with pytest.raises(UserError, match="no job with id 99"):
        repo.add_note(99, 0, "x", "ana")
    with pytest.raises(UserError, match="no note with id 99"):
        repo.resolve_note(99)
    note = repo.add_note(job.id, 0, "x", "ana")
    with pytest.raises(UserError, match="no job with id 99"):
        repo.link_note_result(note.id, 99)
