"""The team library's local half in the SQLite library: outbox, cursor, and team-wide ids.

Every event a desk makes is written to ``team_outbox`` (and ``team_seen``) in the same
transaction as the change it describes; pushing removes it from the outbox once the server has
it. ``team_cursor`` keeps the server's last sequence number pulled. Local rows get their
team-wide ids here (``team_clips``, ``team_notes``, ``team_verdicts``; see migration 3).

Like every repository part, a :class:`TeamLocal` wraps one connection and belongs to the thread
that opened it. Writes take the write lock when they begin (``LibraryDatabase.atomic``), like the
engine's and the desk writer's, so they wait for each other instead of failing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection
from dataclasses import replace

from sora_studio.core.team_events import (
    ClipUpserted,
    MediaRef,
    TeamEvent,
    VerdictGiven,
    event_kind,
    event_to_json,
)
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import Row

Relocate = Callable[[str, MediaRef], MediaRef]  # (clip id, media as here) -> as the team sees it


def clip_digest(event: ClipUpserted) -> str:
    """What a clip event says, without who, when and its id: equal digests, nothing new."""
    bare = replace(event, event_id="-", author="", at=0.0)
    return hashlib.sha256(event_to_json(bare).encode()).hexdigest()


class TeamLocal(RepoBase):
    """Outbox, cursor and id mappings of one library."""

    # --- outbox and seen events -------------------------------------------------------------

    def enqueue(self, event: TeamEvent) -> None:
        """Add an event made here to the outbox (inside the caller's transaction, if any)."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO team_outbox (event_id, kind, body, created_at) VALUES (?, ?, ?, ?)",
                [event.event_id, event_kind(event), event_to_json(event), self._now()],
            )
            self.db.execute("INSERT INTO team_seen (event_id) VALUES (?)", [event.event_id])

    def outbox(self, limit: int = 500) -> list[tuple[str, str]]:
        """The oldest ``limit`` events waiting to be pushed, as (event id, JSON body)."""
        rows = self._all("SELECT event_id, body FROM team_outbox ORDER BY id LIMIT ?", [limit])
        return [(str(r["event_id"]), str(r["body"])) for r in rows]

    def outbox_size(self) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM team_outbox")
        return int(row["n"]) if row else 0

    def mark_sent(self, event_ids: list[str]) -> None:
        """The server holds these events: they leave the outbox."""
        with self.db.atomic():
            self.db.conn.executemany(
                "DELETE FROM team_outbox WHERE event_id = ?", [(i,) for i in event_ids]
            )

    def has_seen(self, event_id: str) -> bool:
        return self._one("SELECT 1 AS x FROM team_seen WHERE event_id = ?", [event_id]) is not None

    def mark_seen(self, event_id: str, seq: int | None) -> None:
        self.db.execute(
            "INSERT INTO team_seen (event_id, seq) VALUES (?, ?)"
            " ON CONFLICT (event_id) DO UPDATE SET seq = COALESCE(excluded.seq, team_seen.seq)",
            [event_id, seq],
        )

    def last_seq(self) -> int:
        row = self._one("SELECT last_seq FROM team_cursor WHERE id = 1")
        return int(row["last_seq"]) if row else 0

    def set_last_seq(self, seq: int) -> None:
        """Move the cursor forward to ``seq`` (never back: two exchanges may overlap)."""
        self.db.execute("UPDATE team_cursor SET last_seq = MAX(last_seq, ?) WHERE id = 1", [seq])

    def reset_last_seq(self) -> None:
        """Back to the start of the log (connecting to another server)."""
        self.db.execute("UPDATE team_cursor SET last_seq = 0 WHERE id = 1")

    def authors_seen(self) -> list[str]:
        """Everyone with a verdict or note in this library (the team's members, as seen here)."""
        rows = self._all(
            "SELECT reviewer AS who FROM reviews r JOIN team_verdicts t ON t.review_id = r.id"
            " UNION SELECT author FROM notes n JOIN team_notes t ON t.note_id = n.id"
            " ORDER BY who"
        )
        return [str(r["who"]) for r in rows]

    # --- team-wide ids ----------------------------------------------------------------------

    def known_clip_id(self, job_id: int) -> str | None:
        """The clip's team-wide id, or None when it has none (reads only)."""
        row = self._one("SELECT clip_id FROM team_clips WHERE job_id = ?", [job_id])
        return None if row is None else str(row["clip_id"])

    def clip_id_for(self, job_id: int) -> str:
        """The clip's team-wide id, made now (as a clip of this desk) if it has none yet."""
        row = self._one("SELECT clip_id FROM team_clips WHERE job_id = ?", [job_id])
        if row is not None:
            return str(row["clip_id"])
        clip_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO team_clips (job_id, clip_id, origin) VALUES (?, ?, 'local')",
            [job_id, clip_id],
        )
        return clip_id

    def link_clip(self, job_id: int, clip_id: str) -> None:
        """Give a new job of this desk the team id made for it beforehand (its reservation)."""
        self.db.execute(
            "INSERT INTO team_clips (job_id, clip_id, origin) VALUES (?, ?, 'local')",
            [job_id, clip_id],
        )

    def job_for_clip(self, clip_id: str) -> int | None:
        row = self._one("SELECT job_id FROM team_clips WHERE clip_id = ?", [clip_id])
        return None if row is None else int(row["job_id"])

    def note_id_for(self, note_id: int) -> str:
        """The note's team-wide id, made now if it has none yet."""
        row = self._one("SELECT team_note_id FROM team_notes WHERE note_id = ?", [note_id])
        if row is not None:
            return str(row["team_note_id"])
        team_note_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO team_notes (note_id, team_note_id) VALUES (?, ?)",
            [note_id, team_note_id],
        )
        return team_note_id

    def known_note_id(self, note_id: int) -> str | None:
        """The note's team-wide id, or None when the team has never been told of it."""
        row = self._one("SELECT team_note_id FROM team_notes WHERE note_id = ?", [note_id])
        return None if row is None else str(row["team_note_id"])

    def clear_outbox(self) -> int:
        """Drop every event waiting to be sent (connecting to another server); returns how many."""
        count = self.outbox_size()
        self.db.execute("DELETE FROM team_outbox")
        return count

    def character_id_for(self, character_id: int) -> str:
        """The character's team-wide id, made now (as one of this desk's) if it has none."""
        row = self._one(
            "SELECT team_character_id FROM team_characters WHERE character_id = ?",
            [character_id],
        )
        if row is not None:
            return str(row["team_character_id"])
        team_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO team_characters (character_id, team_character_id) VALUES (?, ?)",
            [character_id, team_id],
        )
        return team_id

    def character_for_team_id(self, team_character_id: str) -> int | None:
        row = self._one(
            "SELECT character_id FROM team_characters WHERE team_character_id = ?",
            [team_character_id],
        )
        return None if row is None else int(row["character_id"])

    def note_for_team_id(self, team_note_id: str) -> int | None:
        row = self._one("SELECT note_id FROM team_notes WHERE team_note_id = ?", [team_note_id])
        return None if row is None else int(row["note_id"])

    def link_verdict(self, review_id: int, event: VerdictGiven) -> None:
        """Remember a review record as the team verdict ``event``."""
        self.db.execute(
            "INSERT INTO team_verdicts (review_id, event_id, status, lead) VALUES (?, ?, ?, ?)",
            [review_id, event.event_id, event.status, int(event.lead)],
        )

    def verdicts_for(self, job_id: int, clip_id: str) -> list[VerdictGiven]:
        """Every team verdict on a clip, as events (the fold's input)."""
        rows = self._all(
            "SELECT r.reviewer, r.reason, r.created_at, t.event_id, t.status, t.lead"
            " FROM reviews r JOIN team_verdicts t ON t.review_id = r.id WHERE r.job_id = ?",
            [job_id],
        )
        return [
            VerdictGiven(
                clip_id=clip_id,
                status=str(r["status"]),
                event_id=str(r["event_id"]),
                author=str(r["reviewer"]),
                at=float(r["created_at"]),
                lead=bool(r["lead"]),
                reason=str(r["reason"]),
            )
            for r in rows
        ]

    def unlinked_reviews(self) -> list[Row]:
        """Review records made before the library was connected (no team id yet), oldest first."""
        return self._all(
            "SELECT r.* FROM reviews r LEFT JOIN team_verdicts t ON t.review_id = r.id"
            " WHERE t.review_id IS NULL ORDER BY r.id"
        )

    def unlinked_notes(self) -> list[Row]:
        return self._all(
            "SELECT n.* FROM notes n LEFT JOIN team_notes t ON t.note_id = n.id"
            " WHERE t.note_id IS NULL ORDER BY n.id"
        )

    def unlinked_character_ids(self) -> list[int]:
        """Characters saved before the library was connected (no team id yet), oldest first."""
        rows = self._all(
            "SELECT c.id FROM characters c LEFT JOIN team_characters t ON t.character_id = c.id"
            " WHERE t.character_id IS NULL ORDER BY c.id"
        )
        return [int(r["id"]) for r in rows]

    def set_review_status(self, job_id: int, status: str) -> None:
        self.db.execute("UPDATE jobs SET review_status = ? WHERE id = ?", [status, job_id])

    # --- this desk's clips, as events -------------------------------------------------------

    def changed_local_clips(
        self, author: str, owner: str = "", relocate: Relocate | None = None
    ) -> list[tuple[int, ClipUpserted, str]]:
        """(job id, clip event, digest) for each clip of this desk (``owner``: its desk id) that
        changed since last sent. ``relocate`` gives a media file's path as the team sees it (on
        the team share), so a copy made there changes the clip."""
        rows = self._all(
            "SELECT j.*, t.sent_digest FROM jobs j LEFT JOIN team_clips t ON t.job_id = j.id"
            " WHERE t.origin IS NULL OR t.origin = 'local' ORDER BY j.id"
        )
        changed = []
        for row in rows:
            event = self._clip_event(row, author, owner)
            if relocate is not None and event.media:
                event = replace(event, media=tuple(relocate(event.clip_id, m) for m in event.media))
            digest = clip_digest(event)
            if digest != row["sent_digest"]:
                changed.append((int(row["id"]), event, digest))
        return changed

    def local_jobs_in(self, statuses: Collection[str]) -> dict[int, tuple[str, int]]:
        """This desk's jobs in these statuses: job id -> (status, progress). One small query
        (the sync thread asks a few times a second for renders in flight)."""
        marks = ", ".join("?" for _ in statuses)
        rows = self._all(
            "SELECT j.id, j.status, j.progress FROM jobs j"
            " LEFT JOIN team_clips t ON t.job_id = j.id"
            f" WHERE j.status IN ({marks}) AND (t.origin IS NULL OR t.origin = 'local')",
            list(statuses),
        )
        return {int(r["id"]): (str(r["status"]), int(r["progress"])) for r in rows}

    def local_clip_events(
        self, job_ids: Collection[int], author: str, owner: str
    ) -> list[tuple[int, ClipUpserted, str, str | None]]:
        """(job id, clip event, its digest, the digest last sent) for these jobs of this desk."""
        if not job_ids:
            return []
        marks = ", ".join("?" for _ in job_ids)
        rows = self._all(
            "SELECT j.*, t.sent_digest FROM jobs j LEFT JOIN team_clips t ON t.job_id = j.id"
            f" WHERE j.id IN ({marks}) AND (t.origin IS NULL OR t.origin = 'local')"
            " ORDER BY j.id",
            list(job_ids),
        )
        found = []
        for row in rows:
            event = self._clip_event(row, author, owner)
            found.append((int(row["id"]), event, clip_digest(event), row["sent_digest"]))
        return found

    def set_sent_digest(self, job_id: int, digest: str) -> None:
        self.db.execute("UPDATE team_clips SET sent_digest = ? WHERE job_id = ?", [digest, job_id])

    def _clip_event(self, row: Row, author: str, owner: str) -> ClipUpserted:
        job_id = int(row["id"])
        parent = row["parent_id"]
        media = tuple(
            MediaRef(str(a["variant"]), str(a["path"]), int(a["bytes"]), str(a["sha256"]))
            for a in self._all("SELECT * FROM assets WHERE job_id = ? ORDER BY variant", [job_id])
        )
        return ClipUpserted(
            clip_id=self.clip_id_for(job_id),
            provider=str(row["provider"]),
            model=str(row["model"]),
            prompt=str(row["prompt"]),
            size=str(row["size"]),
            seconds=int(row["seconds"]),
            status=str(row["status"]),
            author=author,
            operation=str(row["operation"]),
            fingerprint=str(row["fingerprint"]),
            brief=str(row["brief"]),
            progress=int(row["progress"]),
            error_class=row["error_class"],
            error_message=row["error_message"],
            estimate_cents=str(row["estimate_cents"]),
            cost_cents=row["cost_cents"],
            parent_clip_id=self.clip_id_for(int(parent)) if parent is not None else None,
            lineage_kind=str(row["lineage_kind"]),
            remote_id=row["remote_id"],
            created_at=float(row["created_at"]),
            completed_at=row["completed_at"],
            media=media,
            owner=owner,
        )
