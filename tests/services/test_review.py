"""Verdicts (append-only, all-or-none, undo) and notes checked against the clip's real length."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus, ReviewStatus
from sora_studio.services import review
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job, add_video_asset
from tests.media_factory import ClipMaker


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    repository = Repository(open_db(tmp_path / "studio.sqlite3"))
    yield repository
    repository.close()


def make_job(
    repo: Repository, *, seconds: int = 8, status: JobStatus = JobStatus.READY, video: Path | None
) -> int:
    """A 320x180 clip of ``seconds`` (``video`` its file, if any); returns its id."""
    job = add_job(
        repo, status, fingerprint=f"fp-{seconds}-{status}", size="320x180", seconds=seconds
    )
    if video is not None:
        add_video_asset(repo, job.id, video)
    return job.id


def test_verdict_on_several_clips_is_appended_with_reviewer_and_reason(
    repo: Repository,
) -> None:
    first = make_job(repo, video=None)
    second = make_job(repo, seconds=4, video=None)
    records = review.record_verdict(
        repo, [first, second], ReviewStatus.REJECTED, "ana", "  horizon tilts  "
    )
    assert [r.job_id for r in records] == [first, second]
    assert {r.status for r in records} == {ReviewStatus.REJECTED}
    assert {r.reviewer for r in records} == {"ana"}
    assert {r.reason for r in records} == {"horizon tilts"}
    review.record_verdict(repo, [first], ReviewStatus.APPROVED, "ben")
    history = review.verdict_history(repo, first)
    assert [(r.status, r.reviewer) for r in history] == [
        (ReviewStatus.REJECTED, "ana"),
        (ReviewStatus.APPROVED, "ben"),
    ]
    assert repo.require_job(first).review_status is ReviewStatus.APPROVED
    assert repo.require_job(second).review_status is ReviewStatus.REJECTED


def test_verdict_with_an_unknown_id_changes_nothing(repo: Repository) -> None:
    good = make_job(repo, video=None)
    with pytest.raises(UserError, match="no job with id 999"):
        review.record_verdict(repo, [good, 999], ReviewStatus.APPROVED, "ana")
    assert repo.reviews_for(good) == []
    assert repo.require_job(good).review_status is ReviewStatus.UNREVIEWED


def test_verdict_refuses_clips_still_rendering_and_unreviewed_as_a_verdict(
    repo: Repository,
) -> None:
    rendering = make_job(repo, status=JobStatus.IN_PROGRESS, video=None)
    with pytest.raises(UserError, match="in_progress, not a finished clip"):
        review.record_verdict(repo, [rendering], ReviewStatus.APPROVED, "ana")
    ready = make_job(repo, seconds=4, video=None)
    with pytest.raises(UserError, match="undo"):
        review.record_verdict(repo, [ready], ReviewStatus.UNREVIEWED, "ana")
    with pytest.raises(UserError, match="at least one clip"):
        review.record_verdict(repo, [], ReviewStatus.APPROVED, "ana")


def test_reviewer_defaults_to_the_os_user(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review.getpass, "getuser", lambda: "os-person")
    job_id = make_job(repo, video=None)
    (record,) = review.record_verdict(repo, [job_id], ReviewStatus.CHANGES)
    assert record.reviewer == "os-person"
    assert review.default_reviewer() == "os-person"


def test_reviewer_falls_back_when_the_os_has_no_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr(review.getpass, "getuser", no_user)
    monkeypatch.delenv("USER", raising=False)
    monkeypatch.delenv("USERNAME", raising=False)
    assert review.default_reviewer() == "reviewer"


def test_undo_steps_back_through_the_history(repo: Repository) -> None:
    job_id = make_job(repo, video=None)
    review.record_verdict(repo, [job_id], ReviewStatus.CHANGES, "ana")
    review.record_verdict(repo, [job_id], ReviewStatus.APPROVED, "ana")
    undo = review.undo_last_verdict(repo, job_id)
    assert undo is not None and undo.status is ReviewStatus.CHANGES
    assert repo.require_job(job_id).review_status is ReviewStatus.CHANGES
    assert review.undo_last_verdict(repo, job_id) is not None
    assert repo.require_job(job_id).review_status is ReviewStatus.UNREVIEWED
    assert review.undo_last_verdict(repo, job_id) is None
    assert len(review.verdict_history(repo, job_id)) == 4  # nothing was erased
    with pytest.raises(UserError, match="no job with id 404"):
        review.undo_last_verdict(repo, 404)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("approve", ReviewStatus.APPROVED),
        ("A", ReviewStatus.APPROVED),
        ("changes", ReviewStatus.CHANGES),
        ("2", ReviewStatus.CHANGES),
        (" reject ", ReviewStatus.REJECTED),
    ],
)
def test_parse_verdict(word: str, status: ReviewStatus) -> None:
    assert review.parse_verdict(word) is status


def test_parse_verdict_names_the_choices() -> None:
    with pytest.raises(UserError, match="approve, changes or reject"):
        review.parse_verdict("maybe")


def test_note_inside_the_clip_is_kept(
    repo: Repository, tmp_path: Path, make_clip: ClipMaker
) -> None:
    job_id = make_job(repo, seconds=8, video=make_clip(tmp_path / "v.mp4"))
    note = review.add_note(repo, job_id, 500, "  boat wobbles ", "ana", end_ms=1500)
    assert (note.start_ms, note.end_ms, note.text, note.author) == (
        500,
        1500,
        "boat wobbles",
        "ana",
    )
    assert repo.notes_for(job_id) == [note]


def test_note_time_is_checked_against_the_real_video_duration(
    repo: Repository, tmp_path: Path, make_clip: ClipMaker
) -> None:
    # The job asked for 8 s but its file lasts 2 s: the file is what the reviewer sees.
    job_id = make_job(repo, seconds=8, video=make_clip(tmp_path / "v.mp4"))
    with pytest.raises(UserError, match=r"3\.000 s is beyond the clip's end \(2\.000 s\)"):
        review.add_note(repo, job_id, 3000, "too late", "ana")
    with pytest.raises(UserError, match=r"2\.500 s is beyond the clip's end \(2\.000 s\)"):
        review.add_note(repo, job_id, 1000, "range too long", "ana", end_ms=2500)
    assert review.add_note(repo, job_id, 2000, "last frame", "ana").start_ms == 2000
    assert len(repo.notes_for(job_id)) == 1


def test_note_without_a_video_uses_the_requested_seconds(repo: Repository) -> None:
    job_id = make_job(repo, seconds=8, video=None)
    with pytest.raises(UserError, match=r"12\.500 s is beyond the clip's end \(8\.000 s\)"):
        review.add_note(repo, job_id, 12_500, "too late", "ana")
    assert review.add_note(repo, job_id, 7_999, "fine", "ana").start_ms == 7_999


def test_note_rejects_bad_input_with_clear_messages(repo: Repository) -> None:
    job_id = make_job(repo, seconds=4, video=None)
    with pytest.raises(UserError, match="needs some text"):
        review.add_note(repo, job_id, 0, "   ", "ana")
    with pytest.raises(UserError, match="before the clip does"):
        review.add_note(repo, job_id, -1, "x", "ana")
    with pytest.raises(UserError, match="comes before its start"):
        review.add_note(repo, job_id, 2000, "x", "ana", end_ms=1000)
    with pytest.raises(UserError, match="no job with id 77"):
        review.add_note(repo, 77, 0, "x", "ana")
    assert repo.notes_for(job_id) == []
