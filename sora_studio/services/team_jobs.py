"""Jobs on a team library: who owns which render, adopting a silent owner's job, the team cap.

The desk that submitted a job owns it: its engine polls and downloads it, and its clip events
(with its desk id as ``owner``, status and progress) let the others follow the render live
(:func:`in_flight_elsewhere`). When an owner has been silent longer than ``team_adopt_after_s``
(10 minutes unless set), :func:`adopt_job` lets another desk take the job over with its own
provider profile (the same provider name, its own key): the server checks the owner's
heartbeat, moves ownership and the clip's budget reservation, and logs a ``clip_adopted`` event
in one transaction; here the clip becomes a job of this desk with the provider's id in
``jobs.remote_id``, so this engine polls and downloads it. The old owner, on pulling that event,
hands its copy over (a draft outside its engine) and gets the finished clip like any other.
"""

from __future__ import annotations

from decimal import Decimal

from sora_studio.core.errors import UserError
from sora_studio.core.team_events import ClipAdopted, event_to_json
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.team_budget import remember_budget
from sora_studio.services.team_outbox import adopt_after_s, desk_id
from sora_studio.services.team_sync import exchange, open_server, require_identity
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_adopt import RemoteJob, TeamAdopt
from sora_studio.storage.team_pg_budget import TeamBudget, adopt, budget, set_cap


def in_flight_elsewhere(repo: Repository) -> list[RemoteJob]:
    """Other desks' renders still in flight (as last pulled): owner, status, progress."""
    return TeamAdopt(repo.db).in_flight_elsewhere()


def set_team_budget(repo: Repository, cap_cents: Decimal | None) -> TeamBudget:
    """Set the team's spend cap on the server (None: no cap); returns the team's budget."""
    identity = require_identity(repo)
    if cap_cents is not None and cap_cents < 0:
        raise UserError("a team budget is a number of cents, 0 or more (or 'none')")
    server = open_server(identity.url)
    try:
        set_cap(server, cap_cents, identity.reviewer)
        state = budget(server)
    finally:
        server.close()
    remember_budget(repo, state)
    return state


def _find(repo: Repository, ref: str) -> RemoteJob:
    ref = ref.strip()
    matches = [j for j in in_flight_elsewhere(repo) if j.clip_id.startswith(ref)] if ref else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserError(
            f"no job of another desk in flight matches {ref!r}; 'sora-studio team status' "
            "lists them (a finished job needs no adopting)"
        )
    raise UserError(f"{ref!r} matches {len(matches)} jobs; give more of the clip id")


def adopt_job(repo: Repository, ref: str) -> int:
    """Take over another desk's job in flight (by team clip id or its start); returns the new
    local job id. Refused while its owner was heard from recently, or when this desk has no
    profile for its provider."""
    identity = require_identity(repo)
    server = open_server(identity.url)
    try:
        exchange(repo, server)  # the latest state first (an owner may have just finished)
        job = _find(repo, ref)
        if not job.remote_id:
            raise UserError(
                "that job was not yet accepted by its provider (no remote id): there is "
                "nothing to adopt; its owner sends it when back, or submit it again"
            )
        try:
            ProviderRegistry(repo).profile(job.provider)
        except UserError as exc:
            raise UserError(
                f"to adopt this job, this desk needs its own profile for the provider "
                f"{job.provider!r} (with your key): {exc}"
            ) from exc
        local = TeamAdopt(repo.db)
        clip = local.latest_clip_event(job.clip_id)
        assert clip is not None  # in_flight_elsewhere found it there
        mine = desk_id(repo)
        event = ClipAdopted(
            clip_id=job.clip_id, owner=mine, previous_owner=job.owner, author=identity.reviewer
        )
        row = ("clip_adopted", identity.reviewer, job.clip_id, event.at, event_to_json(event))
        adopt(server, job.clip_id, job.owner, mine, adopt_after_s(repo), (event.event_id, *row))
        with repo.db.atomic():
            local.mark_seen(event.event_id, None)
            job_id = local.take_over(clip)
            repo.log_event("team_adopted", {"clip_id": job.clip_id, "from": job.owner}, job_id)
    finally:
        server.close()
    return job_id
