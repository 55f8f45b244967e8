"""Migration 3, the team library's local tables (issue 13); kept apart to keep files small.

Part of the ordered list in :mod:`sora_studio.storage.migrations`; never edit it once shipped.
"""

from __future__ import annotations

from sqlite_utils import Database


def m003_team_sync(db: Database) -> None:
    """The local half of a team library (issue 13): outbox, cursor, and global ids.

    ``team_outbox``: events made here and not yet on the server, in the order they were made.
    ``team_seen``: every event id this library holds (its own once written, others' once
    applied), so an event pulled twice, or one's own coming back, is never applied again.
    ``team_cursor``: the server's last sequence number pulled. ``team_clips``, ``team_notes``
    and ``team_verdicts`` give local rows their team-wide ids (and a verdict its lead flag and
    its meaning for the team: ``unreviewed`` is a withdrawal). ``team_parked``: others' events
    about a clip this desk does not hold yet (one still rendering on its owner's desk).
    """
    for statement in (
        """
        CREATE TABLE team_outbox (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at REAL NOT NULL
        )
        """,
        "CREATE TABLE team_seen (event_id TEXT PRIMARY KEY, seq INTEGER)",
        """
        CREATE TABLE team_cursor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_seq INTEGER NOT NULL DEFAULT 0
        )
        """,
        "INSERT INTO team_cursor (id, last_seq) VALUES (1, 0)",
        """
        CREATE TABLE team_clips (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            clip_id TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
            remote_id TEXT,
            clip_at REAL NOT NULL DEFAULT 0,  -- time of the clip event applied (remote clips)
            sent_digest TEXT  -- what was last sent of a local clip, to send changes only
        )
        """,
        """
        CREATE TABLE team_notes (
            note_id INTEGER PRIMARY KEY REFERENCES notes(id) ON DELETE CASCADE,
            team_note_id TEXT NOT NULL UNIQUE
        )
        """,
        """
        CREATE TABLE team_verdicts (
            review_id INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
            event_id TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            lead INTEGER NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE team_parked (
            event_id TEXT PRIMARY KEY,
            clip_id TEXT NOT NULL,
            body TEXT NOT NULL
        )
        """,
        "CREATE INDEX team_parked_clip ON team_parked(clip_id)",
    ):
        db.execute(statement)


def m004_tags_and_team_characters(db: Database) -> None:
    """Tags put on clips by hand, and characters' team-wide ids (issue 13: both travel).

    ``clip_tags``: a clip's tags (beside the ``#words`` of its prompt), one row per tag.
    ``team_characters``: a character's team-wide id, and where it came from (``local``: made
    here; ``remote``: a teammate's, applied from the log).
    """
    for statement in (
        """
        CREATE TABLE clip_tags (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (job_id, tag)
        )
        """,
        "CREATE INDEX clip_tags_tag ON clip_tags(tag)",
        """
        CREATE TABLE team_characters (
            character_id INTEGER PRIMARY KEY REFERENCES characters(id) ON DELETE CASCADE,
            team_character_id TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'remote'))
        )
        """,
    ):
        db.execute(statement)
