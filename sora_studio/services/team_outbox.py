"""Recording this desk's changes for the team library: verdicts, notes, tags, characters and
clips, as events.

Called where verdicts and notes are written today (:mod:`sora_studio.services.review`), inside
the same transaction, and only when the library is connected to a team library (the
``team_url`` setting): a library that is not connected is not touched. Clips (jobs: status,
cost, media, lineage) change in many places of the engine; instead of hooking each,
:func:`record_clip_changes` compares every clip of this desk with what was last sent and records
those that differ, at each exchange.

The connection settings live here (one name each): ``team_url`` (the server's URL, never with
its password), ``team_reviewer``, ``team_lead``, ``team_desk_id`` (this desk's id, made at the
first connect: the owner of the jobs it submits), ``team_adopt_after_s`` (how long a job's owner
must be silent before another desk may adopt it; 10 minutes unless set), ``team_budget`` (the
team cap and spend as last read from the server, so an offline desk knows a cap is there) and
``team_media_root`` (the team media share as mounted on this desk).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sora_studio.core.models import Character, Note, Review
from sora_studio.core.team_events import (
    WITHDRAWN,
    CharacterDeleted,
    CharacterSaved,
    NoteAdded,
    NoteResolved,
    TagChanged,
    VerdictGiven,
)
from sora_studio.storage.repository import Repository
from sora_studio.storage.rows import note_from_row, review_from_row
from sora_studio.storage.team_apply import TeamApply
from sora_studio.storage.team_local import Relocate

TEAM_URL_SETTING = "team_url"
TEAM_REVIEWER_SETTING = "team_reviewer"
TEAM_LEAD_SETTING = "team_lead"
TEAM_DESK_SETTING = "team_desk_id"
TEAM_ADOPT_AFTER_SETTING = "team_adopt_after_s"
TEAM_BUDGET_SETTING = "team_budget"  # {"cap": cents or None, "held": cents, "charged": cents}
TEAM_OUTBOX_URL_SETTING = "team_outbox_url"  # the server the outbox and cursor belong to
DEFAULT_ADOPT_AFTER_S = 600.0


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


def desk_id(repo: Any) -> str:
    """This desk's id on the team (made and saved the first time it is asked for)."""
    value = repo.get_setting(TEAM_DESK_SETTING)
    if isinstance(value, str) and value:
        return value
    made = str(uuid.uuid4())
    repo.set_setting(TEAM_DESK_SETTING, made)
    return made


def adopt_after_s(repo: Any) -> float:
    """Seconds a job's owner must be silent before another desk may adopt it."""
    value = repo.get_setting(TEAM_ADOPT_AFTER_SETTING)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return DEFAULT_ADOPT_AFTER_S


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
    """Record that a note was resolved (or opened again).

    Not connected, a note the team already has is still recorded: it waits in the outbox and
    goes on reconnecting. Other notes wait to be sent, resolved or not, with the history.
    """
    local = TeamApply(repo.db)
    if team_identity(repo) is None and local.known_note_id(note.id) is None:
        return
    with repo.db.atomic():
        local.enqueue(
            NoteResolved(note_id=local.note_id_for(note.id), resolved=note.resolved, author=author)
        )


# Tag additions get an id made from what they say (clip, tag, when put on), so the same
# addition is one event however often it is recorded: on connect (tags put on before), by a
# reconnect, and on the desk that applied it from the team (it holds that id as seen already).
_TAG_EVENTS = uuid.UUID("6f1d2c0e-5b7a-4c33-9e55-7a0c1b3d9f21")


def tag_event_id(clip_id: str, tag: str, at: float) -> str:
    """The event id of putting ``tag`` on the clip at ``at`` (the same on every desk)."""
    return str(uuid.uuid5(_TAG_EVENTS, f"{clip_id}\x1f{tag}\x1f{at!r}"))


def record_tag(repo: Repository, job_id: int, tag: str, *, added: bool, author: str) -> None:
    """Record a tag put on (``added``, after it was) or taken off a clip.

    No-op when not connected, except on a clip the team already has: like a note's resolution,
    the change waits in the outbox and goes on reconnecting. Tags put on before a first connect
    go with :func:`record_history`.
    """
    local = TeamApply(repo.db)
    if team_identity(repo) is None and local.known_clip_id(job_id) is None:
        return
    with repo.db.atomic():
        clip_id = local.clip_id_for(job_id)
        at = repo.tag_added_at(job_id, tag) if added else None
        if at is None:  # a removal (or an addition undone meanwhile): a new event
            local.enqueue(TagChanged(clip_id=clip_id, tag=tag, added=added, author=author))
            return
        event_id = tag_event_id(clip_id, tag, at)
        if not local.has_seen(event_id):
            local.enqueue(
                TagChanged(clip_id=clip_id, tag=tag, event_id=event_id, author=author, at=at)
            )


def _record_earlier_tags(repo: Repository, author: str) -> int:
    """Record the tags on clips that the team has not had yet; returns how many."""
    local = TeamApply(repo.db)
    count = 0
    for job_id, tag, at in repo.tag_rows():
        clip_id = local.clip_id_for(job_id)
        event_id = tag_event_id(clip_id, tag, at)
        if local.has_seen(event_id):  # sent before, or applied from the team
            continue
        local.enqueue(TagChanged(clip_id=clip_id, tag=tag, event_id=event_id, author=author, at=at))
        count += 1
    return count


def record_character(
    repo: Repository, character: Character, author: str, media_path: str | None = None
) -> None:
    """Record a character created or renamed; no-op when not connected.

    ``media_path``: its source clip as the team sees it; None leaves the team's as it is.
    """
    if team_identity(repo) is None:
        return
    local = TeamApply(repo.db)
    with repo.db.atomic():
        local.enqueue(
            CharacterSaved(
                character_id=local.character_id_for(character.id),
                provider=character.provider,
                remote_id=character.remote_id,
                name=character.name,
                author=author,
                media_path=media_path,
            )
        )


def record_character_deleted(repo: Repository, character_id: int, author: str) -> None:
    """Record a character's deletion (before its row goes); no-op when not connected."""
    if team_identity(repo) is None:
        return
    local = TeamApply(repo.db)
    with repo.db.atomic():
        local.enqueue(
            CharacterDeleted(character_id=local.character_id_for(character_id), author=author)
        )


def record_clip_changes(repo: Repository, author: str, relocate: Relocate | None = None) -> int:
    """Record every clip of this desk that changed since it was last sent; returns how many.

    ``relocate`` gives media paths as the team sees them (``team_media.relocator``).
    """
    if team_identity(repo) is None:
        return 0
    local = TeamApply(repo.db)
    with repo.db.atomic():
        changed = local.changed_local_clips(author, desk_id(repo), relocate)
        for job_id, event, digest in changed:
            local.enqueue(event)
            local.set_sent_digest(job_id, digest)
    return len(changed)


def record_history(repo: Repository, author: str, relocate: Relocate | None = None) -> int:
    """On connecting: record the library's earlier notes, verdicts, characters and tags, so the
    team has them (each once: a reconnect records only what the team has not had).

    Clips go with the next :func:`record_clip_changes`. Returns how many events were recorded.
    """
    count = record_clip_changes(repo, author, relocate)
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
        for character_id in local.unlinked_character_ids():
            character = repo.require_character(character_id)
            record_character(repo, character, author, character.source_path)
            count += 1
        count += _record_earlier_tags(repo, author)
    return count
