"""Sample renders for running the queue panel on its own: one job in each state it shows.

``sample_jobs(now)`` are plain ``Job`` values (the panel never needs a database); ``fill_library``
renders a real short MP4, thumbnail and spritesheet (the emulator's renderer, through
``preview_media``) into the library folder of each finished one, where the queue's thumbnails and
"Open folder" look for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.preview_media import render_clip
from sora_studio.services.library import job_folder

CLIP_SECONDS = 2


@dataclass(frozen=True)
class _Sample:
    """One sample job; times are seconds after the preview's "ten minutes ago"."""

    status: JobStatus
    prompt: str
    progress: int = 0
    cost_cents: Decimal | None = None
    completed_s: float | None = None
    error: tuple[ErrorClass, str] | None = None
    model: str = "sora-2"
    queue_position: int = 0


_SAMPLES = (
    _Sample(
        JobStatus.READY,
        "A paper boat drifting down a rain-soaked street at dusk",
        100,
        Decimal(80),
        70,
    ),
    _Sample(
        JobStatus.READY, "Neon city at night, slow pan across wet rooftops", 100, Decimal(80), 95
    ),
    _Sample(JobStatus.IN_PROGRESS, "A red kite over golden dunes, orbit", 42),
    _Sample(JobStatus.DOWNLOADING, "Ocean waves at sunrise, dolly in", 80),
    _Sample(JobStatus.QUEUED, "A lighthouse in a winter storm", model="sora-2-pro"),
    _Sample(
        JobStatus.RATE_LIMITED,
        "Forest path in spring, gentle zoom",
        error=(ErrorClass.RATE_LIMITED, "Rate limited; trying again in 12 s."),
    ),
    _Sample(JobStatus.QUEUED_LOCAL, "A cat asleep on a sunny windowsill", queue_position=1),
    _Sample(JobStatus.QUEUED_LOCAL, "Snow falling on a quiet village square", queue_position=2),
    _Sample(
        JobStatus.FAILED,
        "Fireworks over the harbour",
        completed_s=40,
        error=(ErrorClass.TRANSIENT, "The provider had a server error; retry in a minute."),
    ),
    _Sample(
        JobStatus.BLOCKED,
        "A famous actor walking a red carpet",
        completed_s=30,
        error=(ErrorClass.POLICY_BLOCKED, "Refused by content policy: no real people."),
    ),
    _Sample(JobStatus.CANCELLED, "Time-lapse of clouds over mountains", completed_s=50),
)


def sample_jobs(now: float) -> list[Job]:
    """One job per state the queue shows, created over the last ten minutes."""
    start = now - 600
    jobs = []
    for number, sample in enumerate(_SAMPLES, start=1):
        sent = sample.status not in (JobStatus.QUEUED_LOCAL, JobStatus.CANCELLED)
        error_class, error_message = sample.error or (None, None)
        jobs.append(
            Job(
                id=number,
                provider="emulator",
                fingerprint=f"sample-{number}",
                prompt=sample.prompt,
                model=sample.model,
                size="1280x720",
                seconds=8,
                status=sample.status,
                remote_id=f"video_sample_{number}" if sent else None,
                progress=sample.progress,
                error_class=error_class,
                error_message=error_message,
                estimate_cents=Decimal(80),
                cost_cents=sample.cost_cents,
                queue_position=sample.queue_position,
                created_at=start + number,
                updated_at=start + number,
                submitted_at=start + number + 5 if sent else None,
                completed_at=None if sample.completed_s is None else start + sample.completed_s,
            )
        )
    return jobs


def fill_library(library_root: Path, jobs: list[Job]) -> None:
    """Render each ready job's video, thumbnail and spritesheet into its library folder."""
    for job in jobs:
        if job.status is JobStatus.READY:
            render_clip(job_folder(library_root, job), job.prompt, CLIP_SECONDS)
