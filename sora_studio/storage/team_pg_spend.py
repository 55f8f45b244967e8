"""The team's spend, read from the server's log: each clip's latest snapshot, its cost summed.

Clip events carry each clip's status and cost (the actual once known, else the estimate). A
clip counts as spent, like the local spend summary counts it (``repo_spend``), when a provider
rendered it: ready, downloading or expired, or deleted with a known cost; imports never count.
The member is the author of the clip's latest snapshot (the reviewer of the desk that owns it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sora_studio.storage.team_pg import TeamServer, _guard

_SPENT = (
    "(latest.status IN ('ready', 'downloading', 'expired')"
    " OR (latest.status = 'deleted' AND latest.cost IS NOT NULL))"
    " AND latest.lineage_kind <> 'import'"
)


@dataclass(frozen=True, slots=True)
class MemberSpend:
    """What one member's clips cost, and how many clips that is."""

    member: str
    cents: Decimal
    clips: int


def team_spend(server: TeamServer) -> list[MemberSpend]:
    """Spend per member, by name, from the latest event of every clip on the server."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "SELECT latest.author, SUM(COALESCE(latest.cost, latest.estimate)), COUNT(*)"
            " FROM (SELECT DISTINCT ON (clip_id) author,"
            " body->>'status' AS status, body->>'lineage_kind' AS lineage_kind,"
            " (body->>'cost_cents')::numeric AS cost,"
            " (body->>'estimate_cents')::numeric AS estimate"
            " FROM sora_team.events WHERE kind = 'clip'"
            " ORDER BY clip_id, at DESC, seq DESC) latest"
            f" WHERE {_SPENT} GROUP BY latest.author ORDER BY latest.author"
        )
        return [
            MemberSpend(str(author), Decimal(cents), int(clips))
            for author, cents, clips in cur.fetchall()
        ]
