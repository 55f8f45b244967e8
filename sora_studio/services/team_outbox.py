"""Recording this desk's changes for the team library: verdicts, notes and clips, as events.

Called where verdicts and notes are written today (:mod:`sora_studio.services.review`), inside
the same transaction, and only when the library is connected to a team library (the
``team_url`` setting): a library that is not connected is not touched. Clips (jobs: status,
cost, media, lineage) change in many places of the engine; instead of hooking each,
:func:`record_clip_changes` compares every clip of this desk with what was last sent and records
those that differ, at each exchange.

The connection settings live here (one name each): ``team_url`` (the server's URL, never with
its password), ``team_reviewer`` and ``team_lead``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sora_studio.core.models import Note, Review
from sora_studio.core.team_events import (
    WITHDRAWN,
    NoteAdded,
    NoteResolved,
    VerdictGiven,
)
from sora_studio.storage.repository import Repository
from sora_studio.storage.rows import note_from_row, review_from_row
from sora_studio.storage.team_apply import TeamApply

TEAM_URL_SETTING = "team_url"
TEAM_REVIEWER_SETTING = "team_reviewer"
TEAM_LEAD_SETTING = "team_lead"


@dataclass(frozen=True, slots=True)
class TeamIdentity:
    """Where the library is connected and who this desk's reviewer is."""

    url: str  # without the password
    reviewer: str
    lead: bool


def team_identity(repo: Any) -> TeamIdentity | None:
    """The library's team connection, or None when it is not connected."""
    url = repo.get_setting(TEAM_URL_SETTING)
    if not isinstance(url, str) or not url:
        return None
    reviewer = repo.get_setting(TEAM_REVIEWER_SETTING)
    return TeamIdentity(
        url=url,
        reviewer=reviewer if isinstance(reviewer, str) and reviewer else "",
        lead=bool(repo.get_setting(TEAM_LEAD_SETTING, False)),
    )


def team_reviewer(repo: Repository) -> str | None:
    """The connected reviewer's name (the default author of verdicts and notes), if any."""
    identity = team_identity(repo)
    return identity.reviewer if identity is not None and identity.reviewer else None


def record_review(repo: Repository, review: Review, *, withdrawn: bool = False) -> None:
    """Record a verdict (or its undo: ``withdrawn``) for the team; no-op when not connected.

    The lead flag goes with verdicts given under the connected reviewer's own name.
    """
    identity = team_identity(repo)
    if identity is None:
        return
    local = TeamApply(repo.db)
    with repo.db.atomic():
        clip_id = local.clip_id_for(review.job_id)
        event = VerdictGiven(
            clip_id=clip_id,
            status=WITHDRAWN if withdrawn else review.status.value,
            author=review.reviewer,
            at=review.created_at,
            lead=identity.lead and review.reviewer == identity.reviewer,
            reason=review.reason,
        )
        local.link_verdict(review.id, event)
        local.enqueue(event)
        local.refresh_review_status(review.job_id, clip_id)


def record_note(repo: Repository, note: Note) -> None:
    """Record a new note for the team; no-op when not connected."""
    if team_identity(repo) is None:
        return
    local = TeamApply(repo.db)
    with repo.db.atomic():
        event = NoteAdded(
            clip_id=local.clip_id_for(note.job_id),
            note_id=local.note_id_for(note.id),
            start_ms=note.start_ms,
            text=note.text,
            author=note.author,
            at=note.created_at,
            end_ms=note.end_ms,
        )
        local.enqueue(event)


def record_resolution(repo: Repository, note: Note, author: str) -> None:
    """Record that a note was resolved (or opened again); no-op when not connected."""
    if team_identity(repo) is None:
        return
    local = TeamApply(repo.db)
    with repo.db.atomic():
        local.enqueue(
            NoteResolved(note_id=local.note_id_for(note.id), resolved=note.resolved, author=author)
        )


def record_clip_changes(repo: Repository, author: str) -> int:
    """Record every clip of this desk that changed since it was last sent; returns how many."""
    if team_identity(repo) is None:
        return 0
    local = TeamApply(repo.db)
    with repo.db.atomic():
        changed = local.changed_local_clips(author)
        for job_id, event, digest in changed:
            local.enqueue(event)
            local.set_sent_digest(job_id, digest)
    return len(changed)


def record_history(repo: Repository, author: str) -> int:
    """On connecting: record the library's earlier notes and verdicts, so the team has them.

    Clips go with the next :func:`record_clip_changes`. Returns how many events were recorded.
    """
    count = record_clip_changes(repo, author)
    local = TeamApply(repo.db)
    with repo.db.atomic():
        for row in local.unlinked_notes():
            note = note_from_row(row)
            record_note(repo, note)
            if note.resolved:
                record_resolution(repo, note, note.author)
            count += 1
        for row in local.unlinked_reviews():
            review = review_from_row(row)
            record_review(repo, review, withdrawn=row["undoes_id"] is not None)
            count += 1
    return count
