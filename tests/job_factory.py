"""Jobs for tests, made one way: as a value (:func:`make_job`) or as a row (:func:`add_job`).

The defaults are one ordinary render (4 s of sora-2 at 1280x720 on the emulator, 40 cents); a
test names only the fields it is about. Fields a new row cannot be created with (its cost, remote
id, progress, times) are applied right after the insert, as the engine would set them. Every
conftest and test builds its jobs here (``tests/ui/conftest.py`` and ``tests/storage/conftest.py``
keep their fixtures' own defaults on top), so a new field of ``Job`` is added in one place.
"""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from sora_studio.core.models import Asset, AssetVariant, Job, JobStatus, LineageKind
from sora_studio.emulator.renderer import RenderedFiles
from sora_studio.services.library import asset_path, sha256_of
from sora_studio.storage.repository import Repository

DEFAULTS: dict[str, Any] = {
    "provider": "emulator",
    "fingerprint": "fp",
    "prompt": "a paper boat drifting across a calm pond at dawn",
    "model": "sora-2",
    "size": "1280x720",
    "seconds": 4,
    "estimate_cents": Decimal(40),
}
# What ``Repository.create_job`` takes; any other field is set by an update after the insert.
_CREATE_FIELDS = frozenset(
    {
        "provider",
        "fingerprint",
        "prompt",
        "model",
        "size",
        "seconds",
        "status",
        "operation",
        "brief",
        "estimate_cents",
        "parent_id",
        "lineage_kind",
        "use_batch",
        "reference_path",
        "character_ids",
        "source_remote_id",
        "queue_position",
        "batch_id",
        "extras",
        "base_url",
    }
)


def make_job(job_id: int = 1, status: JobStatus = JobStatus.READY, **fields: Any) -> Job:
    """A ``Job`` value (no database): the defaults, then ``fields``."""
    return Job(id=job_id, status=status, **{**DEFAULTS, **fields})


def add_job(repo: Repository, status: JobStatus = JobStatus.READY, **fields: Any) -> Job:
    """A job row in ``repo``: created with the defaults and ``fields``, then updated with the
    fields creation does not take (``cost_cents=...``, ``completed_at=...``); returns it as stored.
    """
    values = {**DEFAULTS, "status": status, **fields}
    created = {k: v for k, v in values.items() if k in _CREATE_FIELDS}
    later = {k: v for k, v in values.items() if k not in _CREATE_FIELDS}
    job = repo.create_job(**created)
    return repo.update_job(job.id, **later) if later else job


def add_spent_job(
    repo: Repository, cents: int | str | Decimal, *, completed_at: float, **fields: Any
) -> Job:
    """A rendered job that cost ``cents`` (estimate and actual), finished at ``completed_at``."""
    cost = Decimal(cents)
    return add_job(repo, estimate_cents=cost, cost_cents=cost, completed_at=completed_at, **fields)


def add_imported_clip(repo: Repository, *, completed_at: float, **fields: Any) -> Job:
    """A clip brought in by ``sora-studio import``: provider ``import``, no cost."""
    values: dict[str, Any] = {
        "provider": "import",
        "fingerprint": "import:abc",
        "prompt": "",
        "model": "import",
        "size": "320x180",
        "seconds": 20,
        "estimate_cents": Decimal(0),
        "cost_cents": Decimal(0),
        "lineage_kind": LineageKind.IMPORT,
        "completed_at": completed_at,
    }
    return add_job(repo, **{**values, **fields})


def add_video_asset(repo: Repository, job_id: int, video: Path) -> Asset:
    """Record ``video`` as ``job_id``'s verified video file (bytes and sha256 read from it)."""
    data = video.read_bytes()
    asset = Asset(
        job_id=job_id,
        variant=AssetVariant.VIDEO,
        path=str(video),
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        verified=True,
    )
    repo.upsert_asset(asset)
    return asset


def copy_rendered_files(
    repo: Repository, library_root: Path, job: Job, rendered: RenderedFiles
) -> None:
    """Copy a render's video, thumbnail and spritesheet into ``job``'s folder of the library,
    as the engine leaves a finished job, and record each as a verified asset."""
    sources = {
        AssetVariant.VIDEO: rendered.video,
        AssetVariant.THUMBNAIL: rendered.thumbnail,
        AssetVariant.SPRITESHEET: rendered.spritesheet,
    }
    for variant, source in sources.items():
        dest = asset_path(library_root, job, variant)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        repo.upsert_asset(
            Asset(job.id, variant, str(dest), dest.stat().st_size, sha256_of(dest), True)
        )
