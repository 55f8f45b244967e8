"""Teammates' renders in flight as the desk's render queue shows them (read-only rows).

:class:`TeammateJobs` reads, on the thread that opened it (the GUI thread), what the sync thread
last pulled about other desks' renders still in flight
(:meth:`sora_studio.storage.team_adopt.TeamAdopt.in_flight_elsewhere`): whose desk, status,
progress, when it was last heard from, and whether it may be adopted (its owner silent for the
library's ``team_adopt_after_s``; the server checks again when adopting). :func:`adopt` takes one
over (:func:`sora_studio.services.team_jobs.adopt_job`) on its own connection: the desk runs it on
a pool thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sora_studio.core.models import JobStatus
from sora_studio.core.status_words import job_status_word
from sora_studio.services.team_jobs import adopt_job
from sora_studio.services.team_outbox import adopt_after_s, team_identity
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_adopt import RemoteJob, TeamAdopt


@dataclass(frozen=True, slots=True)
class TeammateJob:
    """One teammate's render in flight, as a read-only queue row."""

    clip_id: str
    owner_name: str  # "Ana's desk"
    reviewer: str
    provider: str
    model: str
    prompt: str
    status: str  # a JobStatus value
    progress: int
    silent_s: float  # since its owner was last heard about it
    adoptable: bool  # its owner has been silent long enough, and the provider has an id

    @property
    def status_text(self) -> str:
        """The status in the desk's words, with the progress while it renders."""
        try:
            word = job_status_word(JobStatus(self.status))
        except ValueError:
            word = self.status
        return f"{word} {self.progress}%" if self.status == JobStatus.IN_PROGRESS else word


def desk_name(reviewer: str) -> str:
    """How a teammate's desk is named: "Ana's desk" (or "another desk" without a name)."""
    name = reviewer.strip()
    if not name:
        return "another desk"
    return f"{name}' desk" if name.endswith("s") else f"{name}'s desk"


def _row(job: RemoteJob, now: float, after_s: float) -> TeammateJob:
    silent = max(0.0, now - job.last_heard)
    return TeammateJob(
        clip_id=job.clip_id,
        owner_name=desk_name(job.reviewer),
        reviewer=job.reviewer,
        provider=job.provider,
        model=job.model,
        prompt=job.prompt,
        status=job.status,
        progress=job.progress,
        silent_s=silent,
        adoptable=bool(job.remote_id) and silent >= after_s,
    )


class TeammateJobs:
    """Reads teammates' renders in flight on one read-only connection (its opening thread)."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    @classmethod
    def open(cls, database: Path) -> TeammateJobs:
        return cls(Repository(open_db(Path(database), query_only=True)))

    def close(self) -> None:
        self._repo.close()

    def in_flight(self, now: float | None = None) -> list[TeammateJob]:
        """Others' renders in flight, newest heard first; none when not connected."""
        if team_identity(self._repo) is None:
            return []
        when = time.time() if now is None else now
        after = adopt_after_s(self._repo)
        return [_row(job, when, after) for job in TeamAdopt(self._repo.db).in_flight_elsewhere()]


def adopt(database: Path, clip_id: str) -> int:
    """Take over a teammate's render (pool thread: it talks to the server); the new job id."""
    repo = Repository(open_db(Path(database)))
    try:
        return adopt_job(repo, clip_id)
    finally:
        repo.close()
