"""Who is on the team and the team's spend cap, for the desk's Settings › Team.

:func:`read_roster` reads the members (name, lead or reviewer, when last heard from) and the
team budget from the server, and keeps the budget as read (``team_budget`` setting), like
``team status`` does. When the server cannot be reached it says so and falls back on what the
library holds: the people seen in its verdicts and notes, and the budget as last read.
:func:`set_team_cap` sets the cap through the service ``sora-studio team budget set`` uses
(:func:`sora_studio.services.team_jobs.set_team_budget`). Both open their own connection and
talk to the server: the desk runs them on a pool thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sora_studio.core.pricing import parse_cents
from sora_studio.services.team_budget import cached_budget, remember_budget
from sora_studio.services.team_jobs import set_team_budget
from sora_studio.services.team_sync import open_server, require_identity
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from sora_studio.storage.team_pg import TeamError
from sora_studio.storage.team_pg_budget import budget


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member: ``lead`` None and ``last_seen`` None when only seen in this library."""

    name: str
    lead: bool | None
    last_seen: float | None  # Unix seconds of their last change on the server


@dataclass(frozen=True, slots=True)
class TeamRoster:
    """The members and the budget; ``unreachable`` says why they are this library's copy."""

    members: tuple[TeamMember, ...]
    cap_cents: Decimal | None  # None: no cap
    committed_cents: Decimal  # held for renders in flight plus charged
    budget_known: bool  # False: never read from the server yet
    unreachable: str = ""  # the server's error when it could not be reached


def read_roster(database: Path) -> TeamRoster:
    """The team's members and budget, from the server when it can be reached (pool thread)."""
    repo = Repository(open_db(Path(database)))
    try:
        return _roster(repo)
    finally:
        repo.close()


def set_team_cap(database: Path, cap_cents: Decimal | None) -> TeamRoster:
    """Set the team's spend cap on the server (None: no cap), then read the roster again.

    ``TeamError`` (a ``UserError``) when the server cannot be reached: the cap lives there.
    """
    repo = Repository(open_db(Path(database)))
    try:
        set_team_budget(repo, cap_cents)
        return _roster(repo)
    finally:
        repo.close()


def _roster(repo: Repository) -> TeamRoster:
    identity = require_identity(repo)
    try:
        server = open_server(identity.url)
        try:
            rows = server.members()
            state = budget(server)
        finally:
            server.close()
    except TeamError as exc:
        return _local_roster(repo, str(exc))
    remember_budget(repo, state)
    members = tuple(TeamMember(r.name, r.lead, r.last_seen) for r in rows)
    return TeamRoster(members, state.cap_cents, state.committed_cents, budget_known=True)


def _local_roster(repo: Repository, why: str) -> TeamRoster:
    names = TeamLocal(repo.db).authors_seen()
    cached = cached_budget(repo)
    if cached is None:
        return TeamRoster(
            tuple(TeamMember(n, None, None) for n in names), None, Decimal(0), False, why
        )
    committed = (parse_cents(cached.get("held")) or Decimal(0)) + (
        parse_cents(cached.get("charged")) or Decimal(0)
    )
    return TeamRoster(
        tuple(TeamMember(n, None, None) for n in names),
        parse_cents(cached.get("cap")),
        committed,
        True,
        why,
    )
