"""The team's spend, per member and in total, computed from the server's state.

Every clip event carries its clip's status and cost; the server sums each clip's latest
snapshot (:func:`sora_studio.storage.team_pg_spend.team_spend`), so every desk reads the same
figures, whoever rendered what. ``team status`` shows them when the server can be reached.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from sora_studio.services.team_outbox import team_identity
from sora_studio.services.team_sync import TeamStatus, open_server
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg import TeamError, TeamServer
from sora_studio.storage.team_pg_spend import team_spend


def read_team_spend(server: TeamServer) -> dict[str, Any]:
    """``{"total_cents": str, "members": [{"member", "cents", "clips"}...]}`` from the server."""
    rows = team_spend(server)
    return {
        "total_cents": str(sum((row.cents for row in rows), Decimal(0))),
        "members": [
            {"member": row.member, "cents": str(row.cents), "clips": row.clips} for row in rows
        ],
    }


def with_team_spend(repo: Repository, status: TeamStatus) -> TeamStatus:
    """``status`` with the team's spend read from the server; unchanged when not connected or
    the server cannot be reached (``spend`` stays None: the figures are the server's only)."""
    identity = team_identity(repo)
    if identity is None:
        return status
    try:
        server = open_server(identity.url)
    except TeamError:
        return status
    try:
        return replace(status, spend=read_team_spend(server))
    except TeamError:
        return status
    finally:
        server.close()
