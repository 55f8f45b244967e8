"""The team library's money and ownership on PostgreSQL: spend cap, reservations, desks, owners.

**Budget.** ``sora_team.budget`` holds the team's spend cap (one row). A desk reserves a
submit's estimate before any provider call with :func:`reserve`: one transaction locks the
budget row (``SELECT ... FOR UPDATE``), adds up what is held and charged, and inserts the new
reservations only when the total stays within the cap; two desks reserving at once are
serialised by that lock, so together they never pass it. A reservation is *held* until its
clip ends: :func:`settle` turns it into the actual cost (*charged*) or *releases* it (failed,
blocked, cancelled: nothing charged).

**Desks and owners.** Every exchange stamps the desk's row in ``desks`` (:func:`touch_desk`),
its heartbeat. :func:`adopt` hands a clip still rendering to another desk when its owner has
been silent long enough: in one transaction it checks the owner's heartbeat, records the new
owner, moves the clip's reservation, and appends the ownership event to the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sora_studio.core.pricing import format_cents
from sora_studio.storage.team_pg import _PUSH_LOCK, TeamError, TeamServer, _guard


class TeamBudgetExceeded(TeamError):
    """A submit would take the team's spend past its cap; nothing was reserved or sent."""


class AdoptRefused(TeamError):
    """A clip cannot be adopted (yet): its owner was heard from recently, or it is not in flight."""


@dataclass(frozen=True, slots=True)
class TeamBudget:
    """The team's cap (None: no cap) and what is held and charged against it, in cents."""

    cap_cents: Decimal | None
    held_cents: Decimal
    charged_cents: Decimal

    @property
    def committed_cents(self) -> Decimal:
        return self.held_cents + self.charged_cents


@dataclass(frozen=True, slots=True)
class Held:
    """A reservation still held by a desk: its clip, cents and age in seconds."""

    clip_id: str
    cents: Decimal
    age_s: float


def set_cap(server: TeamServer, cap_cents: Decimal | None, by: str) -> None:
    """Set (or with None, remove) the team's spend cap."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "UPDATE sora_team.budget SET cap_cents = %s, set_by = %s, set_at = now() WHERE id = 1",
            [cap_cents, by],
        )


def budget(server: TeamServer) -> TeamBudget:
    """The cap and the sums of held and charged reservations."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        return _budget(cur)


def _budget(cur: Any) -> TeamBudget:
    cur.execute("SELECT cap_cents FROM sora_team.budget WHERE id = 1")
    row = cur.fetchone()
    cur.execute(
        "SELECT state, COALESCE(sum(cents), 0) FROM sora_team.reservations"
        " WHERE state IN ('held', 'charged') GROUP BY state"
    )
    sums = {str(state): Decimal(total) for state, total in cur.fetchall()}
    cap = row[0] if row else None
    return TeamBudget(
        cap_cents=None if cap is None else Decimal(cap),
        held_cents=sums.get("held", Decimal(0)),
        charged_cents=sums.get("charged", Decimal(0)),
    )


def reserve(
    server: TeamServer, clip_ids: Sequence[str], cents_each: Decimal, desk_id: str, author: str
) -> TeamBudget:
    """Hold ``cents_each`` for every clip in one transaction, or ``TeamBudgetExceeded``."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute("SELECT 1 FROM sora_team.budget WHERE id = 1 FOR UPDATE")
        state = _budget(cur)
        request = cents_each * len(clip_ids)
        if state.cap_cents is not None and state.committed_cents + request > state.cap_cents:
            left = max(state.cap_cents - state.committed_cents, Decimal(0))
            raise TeamBudgetExceeded(
                f"This render would cost {format_cents(request)}, but only {format_cents(left)}"
                f" of the team's {format_cents(state.cap_cents)} budget is left"
                f" ({format_cents(state.committed_cents)} spent or held by the team's desks)."
                " Nothing was sent. Ask whoever keeps the team budget to raise it"
                " ('sora-studio team budget set CENTS'), or choose a shorter or smaller render."
            )
        for clip_id in clip_ids:
            cur.execute(
                "INSERT INTO sora_team.reservations (clip_id, desk_id, author, cents, state)"
                " VALUES (%s, %s, %s, %s, 'held')",
                [clip_id, desk_id, author, cents_each],
            )
        return _budget(cur)


def held_by(server: TeamServer, desk_id: str) -> list[Held]:
    """The reservations a desk still holds (oldest first)."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "SELECT clip_id, cents, extract(epoch FROM now() - created_at)"
            " FROM sora_team.reservations WHERE desk_id = %s AND state = 'held'"
            " ORDER BY created_at",
            [desk_id],
        )
        return [Held(str(c), Decimal(cents), float(age)) for c, cents, age in cur.fetchall()]


def settle(server: TeamServer, clip_id: str, cost_cents: Decimal | None) -> None:
    """A held reservation becomes ``cost_cents`` (charged), or with None is released."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        if cost_cents is None:
            cur.execute(
                "UPDATE sora_team.reservations SET state = 'released', settled_at = now()"
                " WHERE clip_id = %s AND state = 'held'",
                [clip_id],
            )
        else:
            cur.execute(
                "UPDATE sora_team.reservations SET state = 'charged', cents = %s,"
                " settled_at = now() WHERE clip_id = %s AND state = 'held'",
                [cost_cents, clip_id],
            )


def touch_desk(server: TeamServer, desk_id: str, reviewer: str) -> None:
    """The desk's heartbeat: it exchanged just now."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sora_team.desks (desk_id, reviewer) VALUES (%s, %s)"
            " ON CONFLICT (desk_id) DO UPDATE SET reviewer = excluded.reviewer, last_seen = now()",
            [desk_id, reviewer],
        )


def desks_silence(server: TeamServer) -> dict[str, float]:
    """Every desk's seconds since its last exchange."""
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute("SELECT desk_id, extract(epoch FROM now() - last_seen) FROM sora_team.desks")
        return {str(desk): float(silent) for desk, silent in cur.fetchall()}


def adopt(
    server: TeamServer,
    clip_id: str,
    owner: str,
    desk_id: str,
    silent_after_s: float,
    event: tuple[str, str, str, str, float, str],
) -> None:
    """Make ``desk_id`` the clip's owner if its owner (``owner``, or a later adopter) has been
    silent ``silent_after_s``; appends ``event`` (the ownership event row) in the same transaction.
    """
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PUSH_LOCK])
        cur.execute("SELECT desk_id FROM sora_team.owners WHERE clip_id = %s", [clip_id])
        row = cur.fetchone()
        current = str(row[0]) if row else owner
        if current == desk_id:
            return
        cur.execute(
            "SELECT extract(epoch FROM now() - last_seen) FROM sora_team.desks WHERE desk_id = %s",
            [current],
        )
        seen = cur.fetchone()
        silent = float(seen[0]) if seen else float("inf")
        if silent < silent_after_s:
            raise AdoptRefused(
                f"its owner's desk was heard from {silent / 60:.1f} min ago; a job can be adopted"
                f" once its owner has been silent for {silent_after_s / 60:.0f} min. Ask them,"
                " or try again later"
            )
        cur.execute(
            "INSERT INTO sora_team.owners (clip_id, desk_id) VALUES (%s, %s)"
            " ON CONFLICT (clip_id) DO UPDATE SET desk_id = excluded.desk_id, since = now()",
            [clip_id, desk_id],
        )
        cur.execute(
            "UPDATE sora_team.reservations SET desk_id = %s WHERE clip_id = %s AND state = 'held'",
            [desk_id, clip_id],
        )
        cur.execute(
            "INSERT INTO sora_team.events (event_id, kind, author, clip_id, at, body)"
            " VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (event_id) DO NOTHING",
            list(event),
        )
