"""Others' jobs still rendering, as this desk sees them, and taking one over (adopting it).

A clip still rendering on its owner's desk is not a job here (this desk's engine must never
poll it): its events wait in ``team_parked`` (see :mod:`sora_studio.storage.team_apply`).
:meth:`TeamAdopt.in_flight_elsewhere` reads them as the live state of others' renders: owner,
status, progress, last heard. :meth:`TeamAdopt.take_over` makes one a job of this desk, with the
provider's id in ``jobs.remote_id``, so this desk's engine polls and downloads it from now on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sora_studio.core.models import JobStatus
from sora_studio.core.team_events import ClipAdopted, ClipUpserted, event_from_json
from sora_studio.storage.team_apply import TeamApply


@dataclass(frozen=True, slots=True)
class RemoteJob:
    """Another desk's render in flight: what its latest events say."""

    clip_id: str
    owner: str  # the desk id polling it
    reviewer: str  # who runs that desk
    provider: str
    model: str
    prompt: str
    status: str
    progress: int
    remote_id: str | None
    last_heard: float  # time of the latest event about it


class TeamAdopt(TeamApply):
    """Reads and takes over others' in-flight clips (one instance per connection)."""

    def latest_clip_event(self, clip_id: str) -> ClipUpserted | None:
        """The newest parked clip event of a clip not held here, or None."""
        events = [
            event
            for event in self._parked(clip_id)
            if isinstance(event, ClipUpserted) and event.clip_id == clip_id
        ]
        return max(events, key=lambda e: (e.at, e.event_id), default=None)

    def _parked(self, clip_id: str | None = None) -> list[ClipUpserted | ClipAdopted]:
        sql = "SELECT body FROM team_parked"
        rows = self._all(sql + " WHERE clip_id = ?", [clip_id]) if clip_id else self._all(sql)
        found: list[ClipUpserted | ClipAdopted] = []
        for row in rows:
            event = event_from_json(str(row["body"]))
            if isinstance(event, ClipUpserted | ClipAdopted):
                found.append(event)
        return found

    def in_flight_elsewhere(self) -> list[RemoteJob]:
        """Others' renders still in flight, by last heard (newest first)."""
        clips: dict[str, ClipUpserted] = {}
        adoptions: dict[str, ClipAdopted] = {}
        for event in self._parked():
            if isinstance(event, ClipUpserted):
                kept = clips.get(event.clip_id)
                if kept is None or (event.at, event.event_id) > (kept.at, kept.event_id):
                    clips[event.clip_id] = event
            else:
                kept_adoption = adoptions.get(event.clip_id)
                if kept_adoption is None or event.at > kept_adoption.at:
                    adoptions[event.clip_id] = event
        jobs = []
        for clip_id, clip in clips.items():
            if self.job_for_clip(clip_id) is not None:
                continue
            owner, reviewer, heard = clip.owner, clip.author, clip.at
            adoption = adoptions.get(clip_id)
            if adoption is not None and adoption.at > clip.at:
                owner, reviewer, heard = adoption.owner, adoption.author, adoption.at
            jobs.append(
                RemoteJob(
                    clip_id=clip_id,
                    owner=owner,
                    reviewer=reviewer,
                    provider=clip.provider,
                    model=clip.model,
                    prompt=clip.prompt,
                    status=clip.status,
                    progress=clip.progress,
                    remote_id=clip.remote_id,
                    last_heard=heard,
                )
            )
        return sorted(jobs, key=lambda j: -j.last_heard)

    def take_over(self, clip: ClipUpserted) -> int:
        """Make ``clip`` (in flight elsewhere) a job of this desk; returns its job id.

        Inside the caller's transaction. Parked verdicts and notes about it are applied.
        """
        job_id = self._insert_clip(clip)
        status = clip.status if JobStatus(clip.status).is_active_remote else JobStatus.QUEUED
        self.db.execute(
            "UPDATE jobs SET remote_id = ?, status = ?, submitted_at = ?, updated_at = ?"
            " WHERE id = ?",
            [clip.remote_id, str(status), clip.created_at or self._now(), self._now(), job_id],
        )
        self.db.execute(
            "UPDATE team_clips SET origin = 'local', remote_id = NULL WHERE job_id = ?", [job_id]
        )
        self._unpark(clip.clip_id)
        return job_id
