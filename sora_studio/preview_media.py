"""What the panel previews (``python -m sora_studio.ui.queue`` / ``.prompt`` / ``.review``) take
from below the widgets: short real clips from the built-in emulator's renderer, its moderation
check, in process, and finished renders written into a throwaway library database.

Like ``app.py``, this sits outside the layers (DESIGN.md §1): widgets never import the emulator
or storage, so the previews' sample libraries get their media and rows here. The emulator and
storage are imported only when a clip is rendered, a prompt checked or a render recorded.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sora_studio.core.models import LineageKind, Operation

CLIP_SIZE = (256, 144)  # small: a sample library is rendered in well under a second


def render_clip(folder: Path, prompt: str, seconds: int, size: tuple[int, int] = CLIP_SIZE) -> Path:
    """Render ``prompt`` into ``folder`` as the desk keeps a finished render: ``video.mp4``,
    ``thumbnail.webp`` and ``spritesheet.jpg``; returns the video's path."""
    from sora_studio.emulator.renderer import RenderSpec, render_video

    width, height = size
    spec = RenderSpec(f"preview-{folder.name}", prompt, width, height, seconds)
    return render_video(spec, folder).video


def emulator_moderation(prompt: str) -> tuple[bool, list[str]]:
    """What the emulator's ``/v1/moderations`` answers for ``prompt``: (flagged, categories)."""
    from sora_studio.emulator.moderation import moderate

    result = moderate({"input": prompt})["results"][0]
    return bool(result["flagged"]), [c for c, hit in result["categories"].items() if hit]


def add_finished_render(
    database: Path,
    library_root: Path,
    *,
    prompt: str,
    model: str,
    size: tuple[int, int],
    seconds: int,
    cost_cents: Decimal,
    parent_id: int | None = None,
    lineage_kind: LineageKind = LineageKind.ORIGINAL,
) -> int:
    """A finished render in the library at ``database``, as the engine leaves one: a ready job
    row, its video, thumbnail and spritesheet rendered into its folder and recorded as verified
    assets. The job says ``size`` (e.g. 1280x720); its files are a small render of that shape.
    Returns the job's id."""
    from sora_studio.core.models import Asset, AssetVariant, JobStatus
    from sora_studio.services.library import asset_path, job_folder, sha256_of
    from sora_studio.storage.db import open_db
    from sora_studio.storage.repository import Repository

    repo = Repository(open_db(Path(database)))
    try:
        operation = {LineageKind.REMIX: Operation.REMIX, LineageKind.EXTENSION: Operation.EXTEND}
        job = repo.create_job(
            provider="emulator",
            fingerprint=f"preview:{prompt}:{model}:{parent_id}",
            prompt=prompt,
            model=model,
            size=f"{size[0]}x{size[1]}",
            seconds=seconds,
            status=JobStatus.QUEUED_LOCAL,
            operation=operation.get(lineage_kind, Operation.CREATE),
            estimate_cents=cost_cents,
            parent_id=parent_id,
            lineage_kind=lineage_kind,
        )
        scale = min(CLIP_SIZE[0] / size[0], CLIP_SIZE[0] / size[1])
        small = (round(size[0] * scale / 16) * 16, round(size[1] * scale / 16) * 16)
        render_clip(job_folder(library_root, job), prompt, seconds, small)
        with repo.db.atomic():
            for variant in AssetVariant:
                path = asset_path(library_root, job, variant)
                repo.upsert_asset(
                    Asset(job.id, variant, str(path), path.stat().st_size, sha256_of(path), True)
                )
            repo.update_job(
                job.id,
                status=JobStatus.READY,
                remote_id=f"video_preview_{job.id}",
                progress=100,
                cost_cents=cost_cents,
                completed_at=job.created_at + seconds * 4,
            )
    finally:
        repo.close()
    return job.id
