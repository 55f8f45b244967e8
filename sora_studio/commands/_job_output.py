"""What the commands print about a job with ``--json``: its status, cost and media paths.

Apart from :mod:`sora_studio.commands._context` so that ``sora-studio jobs`` (a read of the
library) does not load the job engine and the ``openai`` SDK just to print a list.
"""

from __future__ import annotations

from typing import Any

from sora_studio.core.models import AssetVariant, Job
from sora_studio.storage.repository import Repository


def job_paths(repo: Repository, job: Job) -> dict[str, str | None]:
    """The three media files of a job (None for one not downloaded)."""
    assets = repo.assets_for(job.id)
    return {v.value: (assets[v].path if v in assets else None) for v in AssetVariant}


def job_json(repo: Repository, job: Job) -> dict[str, Any]:
    """The machine-readable form ``--json`` prints."""
    cost = job.cost_cents if job.cost_cents is not None else job.estimate_cents
    return {
        "job_id": job.id,
        "status": job.status.value,
        "remote_id": job.remote_id,
        "model": job.model,
        "size": job.size,
        "seconds": job.seconds,
        "prompt": job.prompt,
        "paths": job_paths(repo, job),
        "cost_cents": str(cost),
        "cost_is_estimate": job.cost_cents is None,
        "error_class": job.error_class.value if job.error_class else None,
        "error_message": job.error_message,
        "parent_id": job.parent_id,
        "lineage_kind": job.lineage_kind.value,
    }
