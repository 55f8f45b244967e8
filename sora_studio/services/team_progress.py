"""This desk's renders in flight, told to the team live: status changes at once, progress
rate-limited.

The desk that submitted a job owns it and polls it; the others follow it through its clip
events (``ClipUpserted`` with status and progress; see :mod:`sora_studio.storage.team_adopt`).
The full exchange records changed clips only every ``interval_s`` (10 s on the desk), too slow
to look live. :class:`ProgressPublisher` runs on the sync thread a few times a second: it reads
this desk's jobs in flight (one small query) and records a clip event for each one whose status
changed, or whose progress moved by :data:`MIN_STEP` points or more, or moved at all after
:data:`MIN_INTERVAL_S`; a render that shows no change still goes out every
:data:`KEEPALIVE_S`, so teammates can tell a live owner from a silent one. A job that left
flight (finished, failed, cancelled) is reported, so the caller runs a full exchange, which
sends it with its media as the team sees them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sora_studio.core.models import RENDERING_STATUSES
from sora_studio.services.team_outbox import desk_id, team_identity
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal

IN_FLIGHT = frozenset(status.value for status in RENDERING_STATUSES)
MIN_INTERVAL_S = 2.0  # at most one progress event per job this often...
MIN_STEP = 10  # ...unless progress moved this many points since the last one
KEEPALIVE_S = 60.0  # an unchanged render is told again this often (its owner is alive)


@dataclass(frozen=True, slots=True)
class _Told:
    status: str
    progress: int
    at: float  # monotonic


@dataclass(frozen=True, slots=True)
class Published:
    """What one look did: events recorded, and whether a job left flight since the last."""

    recorded: int
    finished: bool


class ProgressPublisher:
    """Decides which renders in flight to tell the team about; one per sync thread."""

    def __init__(
        self,
        *,
        min_interval_s: float = MIN_INTERVAL_S,
        min_step: int = MIN_STEP,
        keepalive_s: float = KEEPALIVE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._min_interval_s = min_interval_s
        self._min_step = min_step
        self._keepalive_s = keepalive_s
        self._clock = clock
        self._told: dict[int, _Told] = {}

    def due(self, jobs: dict[int, tuple[str, int]]) -> tuple[list[int], list[int], bool]:
        """(jobs to tell if changed, jobs to tell anyway, whether one left flight) for the
        jobs in flight now (id -> status, progress); remembers them as told."""
        now = self._clock()
        changed: list[int] = []
        keepalive: list[int] = []
        for job_id, (status, progress) in sorted(jobs.items()):
            told = self._told.get(job_id)
            if (
                told is None
                or told.status != status
                or (
                    progress != told.progress
                    and (
                        abs(progress - told.progress) >= self._min_step
                        or now - told.at >= self._min_interval_s
                    )
                )
            ):
                changed.append(job_id)
            elif now - told.at >= self._keepalive_s:
                keepalive.append(job_id)
            else:
                continue
            self._told[job_id] = _Told(status, progress, now)
        gone = [job_id for job_id in self._told if job_id not in jobs]
        for job_id in gone:
            del self._told[job_id]
        return changed, keepalive, bool(gone)

    def publish(self, repo: Repository) -> Published:
        """Record the due clip events in the outbox (the caller pushes them)."""
        identity = team_identity(repo)
        if identity is None:
            return Published(0, False)
        local = TeamLocal(repo.db)
        changed, keepalive, finished = self.due(local.local_jobs_in(IN_FLIGHT))
        if not changed and not keepalive:
            return Published(0, finished)
        again = set(keepalive)
        recorded = 0
        with repo.db.atomic():
            owner = desk_id(repo)
            events = local.local_clip_events([*changed, *keepalive], identity.reviewer, owner)
            for job_id, event, digest, sent in events:
                if digest == sent and job_id not in again:
                    continue  # the full exchange sent this already
                local.enqueue(event)
                local.set_sent_digest(job_id, digest)
                recorded += 1
        return Published(recorded, finished)
