"""The team library's shared half on PostgreSQL (psycopg 3): the event log and its schema.

Everything lives in the ``sora_team`` schema. ``events`` is append-only: a ``bigserial``
sequence number gives the order desks pull in, and the unique ``event_id`` makes pushing the same
event twice a no-op (a desk that crashed between pushing and emptying its outbox pushes again,
harmlessly). Pushes take one advisory lock per transaction, so sequence numbers become visible in
order: a desk that pulled up to *n* can never later meet an event numbered below *n*. A trigger
calls ``pg_notify`` after each insert, so listening desks pull within a second. ``members`` and
the ``verdicts_current`` view are the current state others (and tools) can read directly.

The team schema has its own version (``sora_team.schema_version``); a desk refuses a server whose
version is newer than it knows, without changing anything there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from sora_studio.core.errors import UserError
from sora_studio.storage.team_pg_schema import CHANNEL, SCHEMA_STEPS, TEAM_SCHEMA_VERSION

CONNECT_TIMEOUT_S = 5
_PUSH_LOCK = 7_431_001  # advisory lock key: one pushing transaction at a time


class TeamError(UserError):
    """Something about the team library a person must act on."""


class TeamUnavailableError(TeamError):
    """The server cannot be reached now; work goes on locally and waits in the outbox."""


class TeamSchemaTooNewError(TeamError):
    """The server's team schema is newer than this desk knows: refused, nothing changed."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member: their name, whether they lead, and their last push (Unix seconds)."""

    name: str
    lead: bool
    last_seen: float


@dataclass(frozen=True, slots=True)
class PulledEvent:
    """One event from the server's log: its sequence number and its JSON body."""

    seq: int
    body: str


def split_password(url: str) -> tuple[str, str | None]:
    """``postgresql://user:pw@host/db`` -> (``postgresql://user@host/db``, ``pw``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise TeamError(
            f"a team library URL starts with postgresql:// (got {parts.scheme or 'none'!r}), "
            "e.g. postgresql://alice@studio-db:5432/sora"
        )
    if parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), parts.password


def _describe(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def connect(url: str, password: str | None = None, *, autocommit: bool = False) -> Any:
    """A psycopg connection to the team server; ``TeamUnavailableError`` saying why not.

    Without ``password`` libpq's own sources apply (``PGPASSWORD``, ``~/.pgpass``).
    """
    extra: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": autocommit}
    if password is not None:
        extra["password"] = password
    try:
        return psycopg.connect(url, **extra)
    except psycopg.Error as exc:
        raise TeamUnavailableError(
            f"cannot reach the team library at {split_password(url)[0]}: {_describe(exc)}. "
            "Work goes on here; changes wait in the outbox until it is back"
        ) from exc


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """psycopg's errors as ``TeamUnavailableError`` (a lost connection, a server shut down)."""
    try:
        yield
    except psycopg.Error as exc:
        raise TeamUnavailableError(f"lost the team library: {_describe(exc)}") from exc


class TeamServer:
    """One connection to the team library: schema check, push and pull. Close when done."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    def open(cls, url: str, password: str | None = None) -> TeamServer:
        """Connect and make sure the team schema is there and not newer than this desk knows."""
        server = cls(connect(url, password))
        try:
            server.ensure_schema()
        except BaseException:
            server.close()
            raise
        return server

    def close(self) -> None:
        self.conn.close()

    def schema_version(self) -> int | None:
        """The server's team schema version, or None when it has no team schema yet."""
        with _guard(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SELECT to_regclass('sora_team.schema_version') IS NOT NULL")
            row = cur.fetchone()
            if not row or not row[0]:
                return None
            cur.execute("SELECT version FROM sora_team.schema_version")
            found = cur.fetchone()
        return int(found[0]) if found else None

    def ensure_schema(self) -> int:
        """Create the team schema on a new server, upgrade an older one, refuse a newer one."""
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                # One desk at a time creates it (two connecting at once to a new server).
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PUSH_LOCK])
                # Looked up before anything is created: a role that may use the team library
                # but not create in its database still joins one that exists.
                cur.execute("SELECT to_regclass('sora_team.schema_version') IS NOT NULL")
                found = cur.fetchone()
                version = 0
                if found and found[0]:
                    cur.execute("SELECT version FROM sora_team.schema_version")
                    row = cur.fetchone()
                    version = int(row[0]) if row else 0
                if version > TEAM_SCHEMA_VERSION:
                    raise TeamSchemaTooNewError(
                        f"the team library has schema version {version}, but this Sora Studio "
                        f"knows only up to {TEAM_SCHEMA_VERSION}; upgrade Sora Studio to join "
                        "it. Nothing on the server was changed"
                    )
                if version == 0:
                    cur.execute("CREATE SCHEMA IF NOT EXISTS sora_team")
                    cur.execute(
                        "CREATE TABLE IF NOT EXISTS sora_team.schema_version"
                        " (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)"
                    )
                    cur.execute("INSERT INTO sora_team.schema_version (id, version) VALUES (1, 0)")
                for step in range(version + 1, TEAM_SCHEMA_VERSION + 1):
                    for statement in SCHEMA_STEPS[step]:
                        cur.execute(statement)
                if version < TEAM_SCHEMA_VERSION:
                    cur.execute(
                        "UPDATE sora_team.schema_version SET version = %s WHERE id = 1",
                        [TEAM_SCHEMA_VERSION],
                    )
        except psycopg.Error as exc:
            raise TeamUnavailableError(f"the team library refused: {_describe(exc)}") from exc
        return TEAM_SCHEMA_VERSION

    def push(self, events: Sequence[tuple[str, str, str, str | None, float, str]]) -> int:
        """Append (event id, kind, author, clip id, time, JSON body) rows in one transaction.

        Events the server already holds are skipped, so a batch pushed twice is stored once.
        Returns how many were new.
        """
        if not events:
            return 0
        with _guard(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PUSH_LOCK])
            added = 0
            for event_id, kind, author, clip_id, at, body in events:
                cur.execute(
                    "INSERT INTO sora_team.events (event_id, kind, author, clip_id, at, body)"
                    " VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (event_id) DO NOTHING",
                    [event_id, kind, author, clip_id, at, body],
                )
                added += cur.rowcount
            authors = sorted({row[2] for row in events if row[2]})
            for author in authors:
                cur.execute(
                    "INSERT INTO sora_team.members (name) VALUES (%s)"
                    " ON CONFLICT (name) DO UPDATE SET last_seen = now()",
                    [author],
                )
        return added

    def set_member(self, name: str, lead: bool) -> None:
        """Record a reviewer and their role (``team connect``)."""
        with _guard(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "INSERT INTO sora_team.members (name, lead) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET lead = excluded.lead, last_seen = now()",
                [name, lead],
            )

    def members(self) -> list[MemberRow]:
        """Every member of the team library, by name: each reviewer who connected or pushed an
        event; ``last_seen`` moves with each push of theirs."""
        with _guard(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT name, lead, extract(epoch FROM last_seen) FROM sora_team.members"
                " ORDER BY name"
            )
            return [MemberRow(str(name), bool(lead), float(seen)) for name, lead, seen in cur]

    def pull(self, after: int, limit: int = 1000) -> list[PulledEvent]:
        """Events with a sequence number above ``after``, oldest first, at most ``limit``."""
        with _guard(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT seq, body::text FROM sora_team.events WHERE seq > %s ORDER BY seq LIMIT %s",
                [after, limit],
            )
            return [PulledEvent(int(seq), str(body)) for seq, body in cur.fetchall()]


def listen(url: str, password: str | None, timeout_s: float) -> Generator[bool, None, None]:
    """Yield True after each notification batch, False after each quiet ``timeout_s``.

    Runs on the caller's thread; stop by closing the generator. Raises
    ``TeamUnavailableError`` when the connection is lost (the caller reconnects later).
    """
    conn = connect(url, password, autocommit=True)
    try:
        conn.execute(f"LISTEN {CHANNEL}")
        while True:
            got = False
            try:
                for _ in conn.notifies(timeout=timeout_s, stop_after=1):
                    got = True
            except psycopg.Error as exc:
                raise TeamUnavailableError(f"lost the team library: {_describe(exc)}") from exc
            yield got
    finally:
        conn.close()
