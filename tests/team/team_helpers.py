"""Small helpers shared by the team-library tests: ready clips, and a clip's copy elsewhere."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import psycopg

from sora_studio.core.models import Asset, AssetVariant, Job, JobStatus
from sora_studio.services.team_sync import exchange
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_apply import TeamApply
from tests.job_factory import add_job


def ready_clip(repo: Repository, **fields: Any) -> Job:
    """A finished clip with a (not present) video file: what a render or an import leaves."""
    job = add_job(
        repo,
        status=fields.pop("status", JobStatus.READY),
        cost_cents=Decimal(40),
        completed_at=time.time(),
        remote_id=f"video_{uuid.uuid4().hex[:8]}",
        **fields,
    )
    repo.upsert_asset(
        Asset(job.id, AssetVariant.VIDEO, f"/library/{job.id}/video.mp4", 1000, "ab" * 32, True)
    )
    return job


def copy_of(job: Job, origin: Repository, other: Repository) -> int | None:
    """The local id on ``other`` of ``origin``'s clip ``job`` (None when it has not arrived)."""
    clip_id = TeamApply(origin.db).known_clip_id(job.id)
    return None if clip_id is None else TeamApply(other.db).job_for_clip(clip_id)


def exchange_all(*desks: Repository) -> None:
    """Every desk exchanges, twice round, so everything made anywhere arrives everywhere."""
    for _ in range(2):
        for desk in desks:
            exchange(desk)


def server_count(url: str, sql: str = "SELECT count(*) FROM sora_team.events") -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def server_text(url: str, sql: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return str(row[0])
