"""Schema migrations: an ordered list of small functions, one ``PRAGMA user_version`` step each.

Migration *n* (1-based) is ``MIGRATIONS[n - 1]``; it runs inside one transaction together with
setting ``user_version = n``, so a crash leaves the file at the last finished step. Add new steps
at the end; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from sora_studio.storage.migrations_team import m003_team_sync, m004_tags_and_team_characters

_JOB_STATUSES = (
    "draft",
    "queued_local",
    "submitting",
    "queued",
    "in_progress",
    "downloading",
    "ready",
    "failed",
    "blocked",
    "rate_limited",
    "cancelled",
    "expired",
    "deleted",
)
_REVIEW_STATUSES = ("unreviewed", "approved", "changes", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def m001_initial_schema(db: Database) -> None:
    """Every table of the first release. API keys have no column anywhere, by design."""
    statements = [
        """
        CREATE TABLE providers (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            base_url TEXT,  -- NULL for the built-in emulator, whose port is chosen at run time
            key_source TEXT NOT NULL,
            catalog_override TEXT,
            concurrency_limit INTEGER NOT NULL DEFAULT 2 CHECK (concurrency_limit >= 1),
            long_durations INTEGER NOT NULL DEFAULT 0,
            options TEXT NOT NULL DEFAULT '{}',  -- timeouts, retries and the like, as JSON
            created_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            status TEXT NOT NULL,
            remote_id TEXT,
            input_file_id TEXT,
            output_file_id TEXT,
            created_at REAL NOT NULL,
            completed_at REAL
        )
        """,
        f"""
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            remote_id TEXT,
            provider TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            operation TEXT NOT NULL DEFAULT 'create',
            prompt TEXT NOT NULL,
            brief TEXT NOT NULL DEFAULT '{{}}',
            model TEXT NOT NULL,
            size TEXT NOT NULL,
            seconds INTEGER NOT NULL CHECK (seconds >= 0),
            status TEXT NOT NULL CHECK ({_in("status", _JOB_STATUSES)}),
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            error_class TEXT,
            error_message TEXT,
            estimate_cents TEXT NOT NULL DEFAULT '0',
            cost_cents TEXT,
            parent_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
            lineage_kind TEXT NOT NULL DEFAULT 'original',
            batch_id INTEGER REFERENCES batches(id) ON DELETE SET NULL,
            use_batch INTEGER NOT NULL DEFAULT 0,
            reference_path TEXT,
            character_ids TEXT NOT NULL DEFAULT '[]',
            source_remote_id TEXT,
            review_status TEXT NOT NULL DEFAULT 'unreviewed'
                CHECK ({_in("review_status", _REVIEW_STATUSES)}),
            queue_position INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            submitted_at REAL,
            completed_at REAL,
            expires_at REAL,
            updated_at REAL NOT NULL,
            last_progress_at REAL
        )
        """,
        """
        CREATE TABLE assets (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            variant TEXT NOT NULL,
            path TEXT NOT NULL,
            bytes INTEGER NOT NULL CHECK (bytes >= 0),
            sha256 TEXT NOT NULL,
            verified INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            PRIMARY KEY (job_id, variant)
        )
        """,
        # Append-only: a trigger refuses UPDATE; undo is a new row whose undoes_id names the
        # decision it takes back.
        f"""
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK ({_in("status", _REVIEW_STATUSES)}),
            reviewer TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            undoes_id INTEGER REFERENCES reviews(id),
            created_at REAL NOT NULL
        )
        """,
        """
        CREATE TRIGGER reviews_append_only BEFORE UPDATE ON reviews
        BEGIN
            SELECT RAISE(ABORT, 'reviews are append-only');
        END
        """,
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            start_ms INTEGER NOT NULL CHECK (start_ms >= 0),
            end_ms INTEGER CHECK (end_ms IS NULL OR end_ms >= start_ms),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            resolved INTEGER NOT NULL DEFAULT 0,
            result_job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
            created_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE characters (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            name TEXT NOT NULL,
            source_path TEXT,
            created_at REAL NOT NULL,
            UNIQUE (provider, remote_id)
        )
        """,
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        )
        """,
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE templates (
            name TEXT PRIMARY KEY,
            brief TEXT NOT NULL,
            created_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE recent_briefs (
            id INTEGER PRIMARY KEY,
            brief TEXT NOT NULL UNIQUE,
            used_at REAL NOT NULL
        )
        """,
        "CREATE INDEX jobs_status ON jobs(status)",
        "CREATE INDEX jobs_provider_status ON jobs(provider, status)",
        "CREATE UNIQUE INDEX jobs_remote_id ON jobs(remote_id) WHERE remote_id IS NOT NULL",
        "CREATE INDEX jobs_fingerprint ON jobs(fingerprint)",
        "CREATE INDEX jobs_created_at ON jobs(created_at)",
        "CREATE INDEX jobs_parent_id ON jobs(parent_id)",
        "CREATE INDEX jobs_batch_id ON jobs(batch_id)",
        "CREATE INDEX reviews_job_created ON reviews(job_id, created_at)",
        "CREATE INDEX notes_job_id ON notes(job_id)",
        "CREATE INDEX notes_result_job_id ON notes(result_job_id)",
        "CREATE INDEX assets_sha256 ON assets(sha256)",
        "CREATE INDEX events_job_id ON events(job_id)",
        "CREATE INDEX recent_briefs_used_at ON recent_briefs(used_at)",
    ]
    for statement in statements:
        db.execute(statement)


def m002_provider_dialects(db: Database) -> None:
    """What real servers need beyond the official contract (issue 11).

    ``extras``: model-specific body fields (negative prompt, seed, steps, guidance, frames) as a
    JSON list of [name, value] pairs; ``result_url``: where a server that hands the finished
    video over directly (a URL, ``file://`` or base64 ``data:``) put it; ``base_url``: the
    provider address the remote id belongs to (ids are opaque and mean nothing elsewhere);
    ``download_attempts``: failed download rounds, kept across restarts so retrying has an end.
    """
    for statement in (
        "ALTER TABLE jobs ADD COLUMN extras TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE jobs ADD COLUMN result_url TEXT",
        "ALTER TABLE jobs ADD COLUMN base_url TEXT",
        "ALTER TABLE jobs ADD COLUMN download_attempts INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(statement)


MIGRATIONS: list[Callable[[Database], None]] = [
    m001_initial_schema,
    m002_provider_dialects,
    m003_team_sync,
    m004_tags_and_team_characters,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: Database) -> int:
    """The database's ``PRAGMA user_version``."""
    return int(db.conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> int:
    """Run every migration the database lacks, each in its own transaction; returns the version.

    Two processes may open a new library at the same moment (the desk and a CLI command, or a
    command and a test watching it). Each step therefore takes the write lock first
    (``BEGIN IMMEDIATE``, waiting up to the busy timeout) and reads the version again under it,
    so a step another process has just run is skipped instead of failing half-way. A library
    that is up to date is not locked at all.

    The caller (``db.open_db``) has already refused a database newer than ``SCHEMA_VERSION``.
    """
    while True:
        # Up to date already (the usual case): no lock, so opening a reader never waits for a
        # writer that holds a transaction open.
        current = schema_version(db)
        if current > SCHEMA_VERSION:
            raise RuntimeError(f"schema version {current} is newer than {SCHEMA_VERSION}")
        if current == SCHEMA_VERSION:
            return SCHEMA_VERSION
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(db)
            if current > SCHEMA_VERSION:
                raise RuntimeError(f"schema version {current} is newer than {SCHEMA_VERSION}")
            if current == SCHEMA_VERSION:
                db.conn.execute("COMMIT")
                return SCHEMA_VERSION
            MIGRATIONS[current](db)
            # PRAGMA user_version is transactional: it commits or rolls back with the step.
            db.conn.execute(f"PRAGMA user_version = {current + 1}")
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
