"""Applying teammates' events to the local SQLite library (the pull side of a team library).

:meth:`TeamApply.apply` writes one remote event into the local tables and records its id as
seen, so an event pulled twice is applied once. Remote clips are written as jobs only once they
are final (ready, failed...): a clip still rendering belongs to the desk that submitted it, and
a row in flight here would be polled by this desk's engine. Until then its events, and verdicts
or notes about it, wait in ``team_parked`` and are applied when the clip arrives.

After a verdict, the clip's ``review_status`` is the fold of its team verdicts
(:func:`sora_studio.core.team_events.fold_verdicts`), the same on every desk.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from sora_studio.core.models import JobStatus
from sora_studio.core.team_events import (
    WITHDRAWN,
    CharacterDeleted,
    CharacterSaved,
    ClipAdopted,
    ClipUpserted,
    NoteResolved,
    TagChanged,
    TeamEvent,
    VerdictGiven,
    event_from_json,
    event_to_json,
    fold_verdicts,
)
from sora_studio.storage.team_local import TeamLocal

APPLIED = "applied"
PARKED = "parked"
SKIPPED = "skipped"  # seen before (or a stale clip snapshot): nothing to do


class TeamApply(TeamLocal):
    """Writes remote events into the library; one instance per connection, like the rest."""

    media_root: str | None = None  # the team media share as mounted on this desk, if any

    def apply(self, event: TeamEvent, seq: int | None = None) -> str:
        """Apply one remote event (inside the caller's transaction); ``applied``/``parked``..."""
        if self.has_seen(event.event_id):
            self.mark_seen(event.event_id, seq)
            return SKIPPED
        outcome = self._apply(event)
        if outcome == PARKED:
            self.db.execute(
                "INSERT OR IGNORE INTO team_parked (event_id, clip_id, body) VALUES (?, ?, ?)",
                [event.event_id, _clip_of(event), event_to_json(event)],
            )
            if isinstance(event, ClipUpserted):
                self._keep_newest_snapshot(event.clip_id)
        self.mark_seen(event.event_id, seq)
        return outcome

    def _apply(self, event: TeamEvent) -> str:
        if isinstance(event, ClipUpserted):
            return self._clip(event)
        if isinstance(event, NoteResolved):
            return self._resolution(event)
        if isinstance(event, ClipAdopted):
            return self._adopted(event)
        if isinstance(event, CharacterSaved):
            return self._character(event)
        if isinstance(event, CharacterDeleted):
            local = self.character_for_team_id(event.character_id)
            if local is not None:
                self.db.execute("DELETE FROM characters WHERE id = ?", [local])
            return APPLIED
        job_id = self.job_for_clip(event.clip_id)
        if job_id is None:
            return PARKED
        if isinstance(event, VerdictGiven):
            return self._verdict(job_id, event)
        if isinstance(event, TagChanged):
            return self._tag(job_id, event)
        note_id = self._insert(
            "INSERT INTO notes (job_id, start_ms, end_ms, text, author, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [job_id, event.start_ms, event.end_ms, event.text, event.author, event.at],
        )
        self.db.execute(
            "INSERT INTO team_notes (note_id, team_note_id) VALUES (?, ?)",
            [note_id, event.note_id],
        )
        self._unpark(event.note_id)  # a resolution that came before its note
        return APPLIED

    def _tag(self, job_id: int, event: TagChanged) -> str:
        # Events arrive in the server's order, so the last word on a tag wins on every desk.
        if event.added:
            self.db.execute(
                "INSERT OR IGNORE INTO clip_tags (job_id, tag, created_at) VALUES (?, ?, ?)",
                [job_id, event.tag, event.at],
            )
        else:
            self.db.execute(
                "DELETE FROM clip_tags WHERE job_id = ? AND tag = ?", [job_id, event.tag]
            )
        self.db.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", [self._now(), job_id])
        return APPLIED

    def _character(self, event: CharacterSaved) -> str:
        """A teammate's character, new or renamed. One this desk already saved under the same
        provider and provider id is the same character: it takes the team's id."""
        path = event.media_path
        if path and self.media_root and not PurePath(path).is_absolute():
            path = str(Path(self.media_root) / path)
        local = self.character_for_team_id(event.character_id)
        if local is None:
            row = self._one(
                "SELECT c.id, t.team_character_id FROM characters c"
                " LEFT JOIN team_characters t ON t.character_id = c.id"
                " WHERE c.provider = ? AND c.remote_id = ?",
                [event.provider, event.remote_id],
            )
            if row is not None and row["team_character_id"] is not None:
                return SKIPPED  # the same provider's character under another team id
            if row is None:
                local = self._insert(
                    "INSERT INTO characters (provider, remote_id, name, source_path, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [event.provider, event.remote_id, event.name, path, event.at],
                )
            else:
                local = int(row["id"])
            self.db.execute(
                "INSERT INTO team_characters (character_id, team_character_id, origin)"
                " VALUES (?, ?, 'remote')",
                [local, event.character_id],
            )
        self.db.execute(
            "UPDATE characters SET name = ?, source_path = COALESCE(?, source_path) WHERE id = ?",
            [event.name, path, local],
        )
        return APPLIED

    def _resolution(self, event: NoteResolved) -> str:
        local_note = self.note_for_team_id(event.note_id)
        if local_note is None:
            return PARKED
        self.db.execute(
            "UPDATE notes SET resolved = ? WHERE id = ?", [int(event.resolved), local_note]
        )
        return APPLIED

    def _adopted(self, event: ClipAdopted) -> str:
        """Another desk took over a clip: still in flight elsewhere, it stays parked (it shows
        the new owner); ours, it is handed over: this desk's engine stops polling it."""
        job_id = self.job_for_clip(event.clip_id)
        if job_id is None:
            return PARKED
        row = self._one(
            "SELECT t.origin, j.status, j.remote_id FROM team_clips t"
            " JOIN jobs j ON j.id = t.job_id"
            " WHERE t.job_id = ?",
            [job_id],
        )
        if row is None or row["origin"] != "local" or JobStatus(row["status"]).is_terminal:
            return APPLIED
        # A draft is outside the engine (never dispatched, polled or reconciled); the clip
        # comes back final from its new owner, like any remote clip.
        self.db.execute(
            "UPDATE team_clips SET origin = 'remote', remote_id = ? WHERE job_id = ?",
            [row["remote_id"], job_id],
        )
        self.db.execute(
            "UPDATE jobs SET remote_id = NULL, status = ?, error_message = ?, updated_at = ?"
            " WHERE id = ?",
            [
                JobStatus.DRAFT.value,
                f"adopted by {event.author or 'another desk'}; it renders there",
                self._now(),
                job_id,
            ],
        )
        return APPLIED

    def _verdict(self, job_id: int, event: VerdictGiven) -> str:
        # The log row keeps the reviewer's own word; a withdrawal reads "unreviewed".
        review_id = self._insert(
            "INSERT INTO reviews (job_id, status, reviewer, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [job_id, event.status, event.author, event.reason, event.at],
        )
        self.link_verdict(review_id, event)
        self.refresh_review_status(job_id, event.clip_id)
        return APPLIED

    def refresh_review_status(self, job_id: int, clip_id: str) -> None:
        """Set the clip's shown status to the fold of its team verdicts."""
        state = fold_verdicts(self.verdicts_for(job_id, clip_id))
        self.set_review_status(job_id, state.status if state.status else WITHDRAWN)

    def _clip(self, event: ClipUpserted) -> str:
        job_id = self.job_for_clip(event.clip_id)
        final = JobStatus(event.status).is_terminal
        if job_id is None:
            if not final:
                return PARKED
            job_id = self._insert_clip(event)
            self._unpark(event.clip_id)
            return APPLIED
        row = self._one("SELECT origin, clip_at FROM team_clips WHERE job_id = ?", [job_id])
        if row is None or row["origin"] != "remote" or not final:
            return SKIPPED  # our own clip, or a snapshot that would take a final clip back
        if float(row["clip_at"]) > event.at:
            return SKIPPED
        self.db.execute(
            "UPDATE jobs SET status = ?, progress = ?, error_class = ?, error_message = ?,"
            " cost_cents = ?, completed_at = ?, updated_at = ? WHERE id = ?",
            [
                event.status,
                event.progress,
                event.error_class,
                event.error_message,
                event.cost_cents,
                event.completed_at,
                self._now(),
                job_id,
            ],
        )
        self._write_media(job_id, event)
        self.db.execute("UPDATE team_clips SET clip_at = ? WHERE job_id = ?", [event.at, job_id])
        return APPLIED

    def _insert_clip(self, event: ClipUpserted) -> int:
        parent = self.job_for_clip(event.parent_clip_id) if event.parent_clip_id else None
        job_id = self._insert(
            "INSERT INTO jobs (provider, fingerprint, operation, prompt, brief, model, size,"
            " seconds, status, progress, error_class, error_message, estimate_cents,"
            " cost_cents, parent_id, lineage_kind, created_at, completed_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event.provider,
                event.fingerprint,
                event.operation,
                event.prompt,
                event.brief,
                event.model,
                event.size,
                event.seconds,
                event.status,
                event.progress,
                event.error_class,
                event.error_message,
                event.estimate_cents,
                event.cost_cents,
                parent,
                event.lineage_kind,
                event.created_at,
                event.completed_at,
                self._now(),
            ],
        )
        # The provider's id stays here, not in jobs.remote_id: it names a render on the other
        # desk's provider, and this desk's engine must never poll or reconcile it.
        self.db.execute(
            "INSERT INTO team_clips (job_id, clip_id, origin, remote_id, clip_at)"
            " VALUES (?, ?, 'remote', ?, ?)",
            [job_id, event.clip_id, event.remote_id, event.at],
        )
        self._write_media(job_id, event)
        return job_id

    def _write_media(self, job_id: int, event: ClipUpserted) -> None:
        # A relative path is on the team share: resolved under this desk's mount of it, when it
        # has one (else kept relative, unreachable here). An absolute one is as the owning desk
        # recorded it. ``verified`` stays 0 until checked here: a picture cached here (see
        # ``team_previews``) keeps its local copy while the clip's version of it is the same.
        for ref in event.media:
            path = ref.path
            if self.media_root and not PurePath(path).is_absolute():
                path = str(Path(self.media_root) / path)
            self.db.execute(
                "INSERT INTO assets (job_id, variant, path, bytes, sha256, verified, created_at)"
                " VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT (job_id, variant) DO UPDATE SET"
                " path = CASE WHEN assets.verified = 1 AND assets.sha256 = excluded.sha256"
                " THEN assets.path ELSE excluded.path END,"
                " verified = CASE WHEN assets.sha256 = excluded.sha256"
                " THEN assets.verified ELSE 0 END,"
                " bytes = excluded.bytes, sha256 = excluded.sha256",
                [job_id, ref.variant, path, ref.bytes, ref.sha256, event.at],
            )

    def _keep_newest_snapshot(self, clip_id: str) -> None:
        """A render in flight elsewhere sends its progress every few seconds: only its newest
        snapshot is kept parked (all a later arrival or adoption reads)."""
        snapshots = []
        for row in self._all("SELECT body FROM team_parked WHERE clip_id = ?", [clip_id]):
            parked = event_from_json(str(row["body"]))
            if isinstance(parked, ClipUpserted):
                snapshots.append(parked)
        snapshots.sort(key=lambda e: (e.at, e.event_id))
        for older in snapshots[:-1]:
            self.db.execute("DELETE FROM team_parked WHERE event_id = ?", [older.event_id])

    def _unpark(self, clip_id: str) -> None:
        rows = self._all("SELECT event_id, body FROM team_parked WHERE clip_id = ?", [clip_id])
        events = sorted((event_from_json(r["body"]) for r in rows), key=_apply_order)
        self.db.execute("DELETE FROM team_parked WHERE clip_id = ?", [clip_id])
        for event in events:
            if isinstance(event, ClipUpserted | ClipAdopted):
                continue  # an older snapshot or owner, superseded by the clip just written
            if self._apply(event) == PARKED:  # a resolution whose note is still to come
                self.db.execute(
                    "INSERT OR IGNORE INTO team_parked (event_id, clip_id, body) VALUES (?, ?, ?)",
                    [event.event_id, clip_id, event_to_json(event)],
                )


def _clip_of(event: TeamEvent) -> str:
    """The clip an event is about (a resolution: the note's id, its clip being unknown here)."""
    if isinstance(event, NoteResolved):
        return event.note_id
    if isinstance(event, CharacterSaved | CharacterDeleted):
        return event.character_id  # never parked: a character needs no clip
    return event.clip_id


def _apply_order(event: TeamEvent) -> tuple[int, float, str]:
    # Notes before their resolutions; otherwise in time order.
    return (1 if isinstance(event, NoteResolved) else 0, event.at, event.event_id)
