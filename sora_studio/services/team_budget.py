"""The team spend cap (issue 13): reserve each submit's estimate on the team server first.

When the library is connected to a team library, :meth:`Intake.submit
<sora_studio.services.intake.Intake.submit>` calls :func:`reserve_team_budget` after the
library's own budget check and before any job row (so before any provider call): the estimate
of every variant is held on the server in one transaction, refused with
:class:`~sora_studio.storage.team_pg_budget.TeamBudgetExceeded` when the team's cap would be
passed. Each held reservation is keyed by the clip's team id, which the new job row takes.

At each exchange :func:`settle_reservations` turns this desk's held reservations into actual
cost (a clip the provider rendered) or releases them (failed, blocked, cancelled: nothing
charged), and keeps the team's cap and spend in the ``team_budget`` setting. That copy is what
an offline desk goes by: with a team cap and no connection, a submit is refused with that reason
(nothing can be reserved); without a cap, the desk renders offline as before.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sora_studio.core.models import JobStatus
from sora_studio.core.pricing import format_cents, parse_cents
from sora_studio.services.team_outbox import TEAM_BUDGET_SETTING, desk_id, team_identity
from sora_studio.storage.repo_spend import RENDERED_STATUSES
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal

if TYPE_CHECKING:  # psycopg loads only for a library connected to a team library
    from sora_studio.storage.team_pg import TeamServer
    from sora_studio.storage.team_pg_budget import TeamBudget

ORPHAN_AFTER_S = 600.0  # a held reservation with no job here after this long was never used


@dataclass
class Reservation:
    """The team clip ids held for one submit (empty when the library is not connected)."""

    url: str | None = None
    clip_ids: list[str] = field(default_factory=list)

    def link(self, repo: Repository, job_id: int, index: int) -> None:
        """Give the new job row the clip id its estimate was reserved under."""
        if self.clip_ids:
            TeamLocal(repo.db).link_clip(job_id, self.clip_ids[index])

    @contextlib.contextmanager
    def released_on_error(self) -> Iterator[None]:
        """Release the reservation when the jobs could not be written (best effort)."""
        try:
            yield
        except BaseException:
            if self.url is not None and self.clip_ids:
                from sora_studio.storage.team_pg import TeamError

                with contextlib.suppress(TeamError):
                    _release(self.url, self.clip_ids)
            raise


def _release(url: str, clip_ids: list[str]) -> None:
    from sora_studio.services.team_sync import open_server
    from sora_studio.storage.team_pg_budget import settle

    server = open_server(url)
    try:
        for clip_id in clip_ids:
            settle(server, clip_id, None)
    finally:
        server.close()


def cached_budget(repo: Any) -> dict[str, Any] | None:
    """The team budget as last read from the server: {"cap", "held", "charged"} (cents text)."""
    value = repo.get_setting(TEAM_BUDGET_SETTING)
    return value if isinstance(value, dict) else None


def _plain(cents: Decimal) -> str:
    return format(cents.normalize(), "f")  # 80.00 -> "80", 12.50 -> "12.5"


def remember_budget(repo: Repository, state: TeamBudget) -> None:
    """Keep the team's cap and spend as just read from the server (cents as text)."""
    cap = None if state.cap_cents is None else _plain(state.cap_cents)
    repo.set_setting(
        TEAM_BUDGET_SETTING,
        {"cap": cap, "held": _plain(state.held_cents), "charged": _plain(state.charged_cents)},
    )


def reserve_team_budget(repo: Repository, cents_each: Decimal, count: int) -> Reservation:
    """Hold ``count`` x ``cents_each`` on the team server; a no-op when not connected.

    ``TeamBudgetExceeded`` past the team's cap; ``TeamError`` when the server cannot be reached
    and the team has a cap (as last seen here). Unreachable without a cap: nothing is held.
    """
    identity = team_identity(repo)
    if identity is None:
        return Reservation()
    from sora_studio.services.team_sync import open_server
    from sora_studio.storage.team_pg import TeamError, TeamUnavailableError
    from sora_studio.storage.team_pg_budget import reserve

    clip_ids = [str(uuid.uuid4()) for _ in range(count)]
    try:
        server = open_server(identity.url)
    except TeamUnavailableError as exc:
        known = cached_budget(repo)
        cap = parse_cents(known.get("cap")) if known else None
        if cap is None:
            return Reservation()
        raise TeamError(
            f"This library's team has a spend cap ({format_cents(cap)}), and its team library "
            f"cannot be reached to reserve this render against it ({exc}). Nothing was sent. "
            "Reconnect (check the network, then 'sora-studio team status'), or disconnect "
            "this library from the team ('sora-studio team disconnect') to render on its own"
        ) from exc
    try:
        state = reserve(server, clip_ids, cents_each, desk_id(repo), identity.reviewer)
    finally:
        server.close()
    remember_budget(repo, state)
    return Reservation(identity.url, clip_ids)


def settle_reservations(repo: Repository, server: TeamServer) -> int:
    """Charge or release this desk's held reservations whose clips ended; returns how many."""
    from sora_studio.storage.team_pg_budget import budget, held_by, settle

    local = TeamLocal(repo.db)
    settled = 0
    for held in held_by(server, desk_id(repo)):
        job_id = local.job_for_clip(held.clip_id)
        job = repo.get_job(job_id) if job_id is not None else None
        if job is None:
            if held.age_s > ORPHAN_AFTER_S:  # the submit's jobs were never written
                settle(server, held.clip_id, None)
                settled += 1
            continue
        rendered = job.status in RENDERED_STATUSES or (
            job.status is JobStatus.DELETED and job.cost_cents is not None
        )
        if rendered:
            cost = job.cost_cents if job.cost_cents is not None else job.estimate_cents
            settle(server, held.clip_id, cost)
        elif job.status.is_terminal:
            settle(server, held.clip_id, None)
        else:
            continue
        settled += 1
    remember_budget(repo, budget(server))
    return settled
