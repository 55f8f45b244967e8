"""The team's members as the server knows them: name, lead or not, and when last heard from.

``sora_team.members`` gets a row for each reviewer who connected or pushed an event; its
``last_seen`` moves with each push of theirs (:meth:`sora_studio.storage.team_pg.TeamServer.push`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sora_studio.storage.team_pg import TeamServer, _guard


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member: their name, whether they lead, and their last push (Unix seconds)."""

    name: str
    lead: bool
    last_seen: float


def member_rows(server: TeamServer) -> list[MemberRow]:
    """Every member of the team library, by name."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "SELECT name, lead, extract(epoch FROM last_seen) FROM sora_team.members ORDER BY name"
        )
        return [MemberRow(str(name), bool(lead), float(seen)) for name, lead, seen in cur]
