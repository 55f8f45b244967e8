"""Verdicts and timecoded notes: the reviewer's side of the library, shared by desk and CLI.

Verdicts are append-only review records (``storage`` keeps the log); a verdict on several clips is
checked for all of them first and written in one transaction, so a bad id leaves nothing half
applied. Notes are checked against the clip's real duration (read from its video file, or the
requested seconds when the file is not there), so a note can never point past the end of a clip.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from pathlib import Path

from sora_studio.core.errors import UserError
from sora_studio.core.models import AssetVariant, Job, JobStatus, Note, Review, ReviewStatus
from sora_studio.media.probe import MediaError, probe_video
from sora_studio.services.team_outbox import (
    record_note,
    record_resolution,
    record_review,
    team_reviewer,
)
from sora_studio.storage.repository import Repository

# Only clips whose media arrived can be judged: a verdict on a render still in flight would be a
# verdict on nothing.
REVIEWABLE_STATUSES = frozenset({JobStatus.READY})

# Words (and the desk's keys) for each verdict, for the CLI and any text input.
VERDICT_WORDS: dict[str, ReviewStatus] = {
    "approve": ReviewStatus.APPROVED,
    "approved": ReviewStatus.APPROVED,
    "a": ReviewStatus.APPROVED,
    "1": ReviewStatus.APPROVED,
    "changes": ReviewStatus.CHANGES,
    "change": ReviewStatus.CHANGES,
    "needs-changes": ReviewStatus.CHANGES,
    "c": ReviewStatus.CHANGES,
    "2": ReviewStatus.CHANGES,
    "reject": ReviewStatus.REJECTED,
    "rejected": ReviewStatus.REJECTED,
    "r": ReviewStatus.REJECTED,
    "3": ReviewStatus.REJECTED,
}

_FALLBACK_REVIEWER = "reviewer"


def default_reviewer() -> str:
    """The signed-in OS user's name, the reviewer a verdict or note is recorded under."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError, ImportError):  # no passwd entry / no login name (containers)
        name = os.environ.get("USER") or os.environ.get("USERNAME") or ""
    return name.strip() or _FALLBACK_REVIEWER


def acting_reviewer(repo: Repository, named: str | None = "") -> str:
    """Who a change is recorded under: ``named`` when given, else the team reviewer name when
    the library is connected to a team library, else the OS user."""
    return (named or "").strip() or team_reviewer(repo) or default_reviewer()


def parse_verdict(text: str) -> ReviewStatus:
    """``"approve"``, ``"changes"``, ``"reject"`` (or ``a``/``c``/``r``, ``1``/``2``/``3``)."""
    status = VERDICT_WORDS.get(text.strip().lower())
    if status is None:
        raise UserError(f"unknown verdict {text!r}; use approve, changes or reject")
    return status


def _require_reviewable(repo: Repository, job_id: int) -> Job:
    job = repo.require_job(job_id)
    if job.status not in REVIEWABLE_STATUSES:
        raise UserError(
            f"job {job_id} is {job.status.value}, not a finished clip; "
            "only ready clips can be reviewed"
        )
    return job


def record_verdict(
    repo: Repository,
    job_ids: Sequence[int],
    status: ReviewStatus,
    reviewer: str = "",
    reason: str = "",
) -> list[Review]:
    """Append one verdict per job (all or none); returns the new records in ``job_ids`` order.

    ``reviewer`` empty means the OS user. ``status`` must be a verdict: to go back to
    unreviewed, undo with :func:`undo_last_verdict`.
    """
    status = ReviewStatus(status)
    if status is ReviewStatus.UNREVIEWED:
        raise UserError("'unreviewed' is not a verdict; undo the last verdict instead")
    if not job_ids:
        raise UserError("choose at least one clip to give a verdict on")
    unique_ids = list(dict.fromkeys(int(i) for i in job_ids))
    for job_id in unique_ids:
        _require_reviewable(repo, job_id)
    who = acting_reviewer(repo, reviewer)
    with repo.db.atomic():
        reviews = [repo.add_review(job_id, status, who, reason.strip()) for job_id in unique_ids]
        for review in reviews:
            record_review(repo, review)  # for the team library, when connected
        return reviews


def undo_last_verdict(repo: Repository, job_id: int, reviewer: str = "") -> Review | None:
    """Take back the latest verdict still in force (appending an undo record); None if none."""
    repo.require_job(job_id)
    with repo.db.atomic():
        review = repo.undo_last_review(job_id, reviewer.strip())
        if review is not None:
            record_review(repo, review, withdrawn=True)
        return review


def verdict_history(repo: Repository, job_id: int) -> list[Review]:
    """Every review record of a clip, oldest first, undo records included."""
    repo.require_job(job_id)
    return repo.reviews_for(job_id)


def clip_duration_ms(repo: Repository, job: Job) -> int:
    """The clip's length: its video file's duration, or the requested seconds without one."""
    video = repo.assets_for(job.id).get(AssetVariant.VIDEO)
    if video is not None and Path(video.path).is_file():
        try:
            return round(probe_video(video.path).duration_s * 1000)
        except MediaError:
            pass  # a damaged file still has the length it was asked to have
    return int(job.seconds) * 1000


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f} s"


def add_note(
    repo: Repository,
    job_id: int,
    start_ms: int,
    text: str,
    author: str | None = None,
    end_ms: int | None = None,
) -> Note:
    """Pin a note to ``start_ms`` (or ``start_ms``..``end_ms``) of a clip, inside its duration.

    ``author`` None or empty means the OS user.
    """
    job = repo.require_job(job_id)
    if not text.strip():
        raise UserError("a note needs some text")
    if start_ms < 0:
        raise UserError(f"a note cannot start before the clip does ({_seconds(start_ms)})")
    duration_ms = clip_duration_ms(repo, job)
    for label, value in (("start", start_ms), ("end", end_ms)):
        if value is not None and value > duration_ms:
            raise UserError(
                f"{_seconds(value)} is beyond the clip's end ({_seconds(duration_ms)}); "
                f"choose a note {label} between 0 and {_seconds(duration_ms)}"
            )
    if end_ms is not None and end_ms < start_ms:
        raise UserError(
            f"a note's end ({_seconds(end_ms)}) comes before its start ({_seconds(start_ms)})"
        )
    who = acting_reviewer(repo, author)
    with repo.db.atomic():
        note = repo.add_note(job_id, int(start_ms), text.strip(), who, end_ms)
        record_note(repo, note)
        return note


def resolve_note(repo: Repository, note_id: int, resolved: bool = True, author: str = "") -> Note:
    """Mark a note resolved (or open again); ``author`` empty means the reviewer (OS user)."""
    who = acting_reviewer(repo, author)
    with repo.db.atomic():
        note = repo.resolve_note(note_id, resolved)
        record_resolution(repo, note, who)
        return note
