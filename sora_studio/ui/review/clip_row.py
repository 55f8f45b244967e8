"""What one grid cell shows about a clip: a frozen row built from a job and its assets.

The grid model keeps ``Job`` objects for every clip (one query fills them) and builds a
:class:`ClipRow` only for the rows that are painted, because a row needs the job's assets (one
query each) and a look at the disk to tell "missing media" apart from a clip that is fine.
Nothing here imports Qt, so the logic is testable on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sora_studio.core.models import RENDERING_STATUSES as JOB_RENDERING_STATUSES
from sora_studio.core.models import (
    Asset,
    AssetVariant,
    Job,
    JobStatus,
    LineageKind,
    ReviewStatus,
    Size,
)
from sora_studio.core.status_words import review_word
from sora_studio.services.library import asset_path

# Jobs still being worked on (a draft, or one rendering): the grid shows progress for them.
RENDERING_STATUSES = frozenset({JobStatus.DRAFT, *JOB_RENDERING_STATUSES})
# Jobs that ended without a video; "hide failed" hides them.
FAILED_STATUSES = frozenset(
    {JobStatus.FAILED, JobStatus.BLOCKED, JobStatus.CANCELLED, JobStatus.EXPIRED}
)
_TAG_RE = re.compile(r"#([\w-]+)")

AssetsLoader = Callable[[int], Mapping[AssetVariant, Asset]]


@dataclass(frozen=True, slots=True)
class ClipRow:
    """Everything the delegate paints for one clip, resolved once per change of the job."""

    job: Job
    version: int  # 1 for an original, parent's version + 1 for each remix/edit/extension/...
    video_path: str | None
    thumbnail_path: str | None
    spritesheet_path: str | None
    media_missing: bool  # the job is ready but its video file is gone

    @property
    def job_id(self) -> int:
        return self.job.id

    @property
    def is_rendering(self) -> bool:
        return self.job.status in RENDERING_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.job.status in FAILED_STATUSES

    @property
    def video_size(self) -> Size | None:
        try:
            return Size.parse(self.job.size)
        except ValueError:
            return None

    @property
    def version_label(self) -> str:
        """``v3``, with the way it was made when that matters to a reviewer."""
        kind = self.job.lineage_kind
        words = {
            LineageKind.EXTENSION: "extended",
            LineageKind.PROMOTION: "promoted",
            LineageKind.REMIX: "remix",
            LineageKind.EDIT: "edited",
            LineageKind.IMPORT: "imported",
        }
        word = words.get(kind)
        label = f"v{self.version}"
        return f"{label} · {word}" if word else label


def job_cost_cents(job: Job) -> Decimal:
    """The actual cost when known, else the estimate (what the grid shows and sorts by)."""
    return job.cost_cents if job.cost_cents is not None else job.estimate_cents


def job_tags(job: Job) -> tuple[str, ...]:
    """Tags a clip carries: ``#words`` in its prompt or brief, lower-cased, first-seen order."""
    seen: dict[str, None] = {}
    for text in (job.prompt, job.brief.free_text, job.brief.style):
        for match in _TAG_RE.findall(text):
            seen.setdefault(match.lower(), None)
    return tuple(seen)


def review_label(status: ReviewStatus) -> str:
    """The verdict's word (``core.status_words``, the one spelling the desk and CLI share)."""
    return review_word(status)


def format_seconds(seconds: int) -> str:
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}:{seconds % 60:02d}"


def _resolve(library_root: Path, path: str) -> str:
    candidate = Path(path)
    return str(candidate if candidate.is_absolute() else library_root / candidate)


def build_clip_row(
    job: Job,
    version: int,
    library_root: Path,
    assets: Mapping[AssetVariant, Asset] | None,
) -> ClipRow:
    """Resolve a job's media paths (recorded assets first, else the library layout)."""
    paths: dict[AssetVariant, str | None] = {}
    for variant in AssetVariant:
        asset = (assets or {}).get(variant)
        if asset is not None:
            paths[variant] = _resolve(library_root, asset.path)
        elif job.status is JobStatus.READY:
            paths[variant] = str(asset_path(library_root, job, variant))
        else:
            paths[variant] = None
    video = paths[AssetVariant.VIDEO]
    missing = job.status is JobStatus.READY and (video is None or not Path(video).is_file())
    return ClipRow(
        job=job,
        version=version,
        video_path=video,
        thumbnail_path=paths[AssetVariant.THUMBNAIL],
        spritesheet_path=paths[AssetVariant.SPRITESHEET],
        media_missing=missing,
    )


def versions_by_id(jobs: Mapping[int, Job]) -> dict[int, int]:
    """Version number of every job: 1 + the number of ancestors found in ``jobs``.

    Walks each parent chain once (memoised), guarding against a cycle in corrupt data.
    """
    versions: dict[int, int] = {}
    for start in jobs:
        chain: list[int] = []
        current: int | None = start
        while current is not None and current not in versions and current in jobs:
            if current in chain:  # a cycle: treat the repeated job as a root
                break
            chain.append(current)
            current = jobs[current].parent_id
        base = versions.get(current, 0) if current is not None else 0
        for job_id in reversed(chain):
            base += 1
            versions[job_id] = base
    return versions
