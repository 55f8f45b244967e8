"""Clip folders and the notes CSV: the exports an editor or a spreadsheet picks up directly.

Every file is written through a temp file and an atomic rename (``services.library``), so a
reader never sees half an export.

* ``export_clips``: one folder per clip, ``clip-0012/clip-0012.mp4`` (+ thumbnail and
  spritesheet) and ``recipe.json`` (the library recipe plus its verdicts and notes). Each copy is
  checked against the sha256 the library recorded, so a damaged library file is reported, not
  passed on.
* ``export_notes_csv``: one row per note, timecodes and milliseconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.models import Asset, AssetVariant, Job, ReviewStatus
from sora_studio.core.timecode import format_timecode
from sora_studio.media.probe import MediaError
from sora_studio.services import library
from sora_studio.services.export_common import (
    ExportReport,
    ExportSkip,
    export_name,
    iso_time,
    no_media,
    out_file,
    select_clips,
    usable_video,
)
from sora_studio.storage.repository import Repository

NOTES_CSV_COLUMNS = (
    "job_id",
    "clip",
    "review_status",
    "model",
    "note_id",
    "start",
    "end",
    "start_ms",
    "end_ms",
    "author",
    "resolved",
    "text",
    "created_at",
    "result_job_id",
)


# --- clips --------------------------------------------------------------------------------------


def _review_block(repo: Repository, job: Job) -> dict[str, Any]:
    return {
        "status": job.review_status.value,
        "history": [
            {
                "status": r.status.value,
                "reviewer": r.reviewer,
                "reason": r.reason,
                "at": iso_time(r.created_at),
            }
            for r in repo.reviews_for(job.id)
        ],
        "notes": [
            {
                "start": format_timecode(n.start_ms),
                "end": format_timecode(n.end_ms) if n.end_ms is not None else None,
                "start_ms": n.start_ms,
                "end_ms": n.end_ms,
                "text": n.text,
                "author": n.author,
                "resolved": n.resolved,
            }
            for n in repo.notes_for(job.id)
        ],
    }


def _copy_checked(source: Asset, dest: Path) -> str:
    """Copy a library file to ``dest`` atomically, refusing it if its bytes changed."""

    def matches_library(temp: Path) -> None:
        digest = library.sha256_of(temp)
        if digest != source.sha256:
            raise MediaError(
                f"{source.path} no longer matches the checksum recorded when it entered the "
                "library (damaged or replaced); download or import it again"
            )

    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = library.temp_path_for(dest)
    try:
        with open(source.path, "rb") as src, temp.open("wb") as out:
            while chunk := src.read(1024 * 1024):
                out.write(chunk)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return library.commit_file(temp, dest, matches_library)


def export_clips(
    repo: Repository,
    out_dir: str | Path,
    status: ReviewStatus | None = ReviewStatus.APPROVED,
    *,
    job_ids: Sequence[int] | None = None,
) -> ExportReport:
    """Copy each clip's media and a ``recipe.json`` into ``out_dir/clip-NNNN/``."""
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file; give a folder to export the clips into")
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    done: list[int] = []
    skipped: list[ExportSkip] = []
    for job in select_clips(repo, job_ids=job_ids, status=status):
        assets = repo.assets_for(job.id)
        video = usable_video(assets)
        if video is None:
            skipped.append(no_media(job))
            continue
        folder = out / export_name(job)
        files: list[tuple[AssetVariant, str, str]] = []
        try:
            for variant, asset in sorted(assets.items()):
                if not Path(asset.path).is_file():
                    continue  # only the video is required; a missing thumbnail is no reason
                suffix = Path(asset.path).suffix or variant.file_extension
                tail = "" if variant is AssetVariant.VIDEO else f"-{variant.value}"
                dest = folder / f"{export_name(job)}{tail}{suffix}"
                files.append((variant, dest.name, _copy_checked(asset, dest)))
                written.append(str(dest))
        except (UserError, OSError) as exc:
            skipped.append(ExportSkip(job.id, str(exc)))
            continue
        parent = repo.get_job(job.parent_id) if job.parent_id is not None else None
        recipe = library.recipe_for(job, files, parent=parent)
        recipe["review"] = _review_block(repo, job)
        written.append(str(library.write_recipe(folder, recipe)))
        done.append(job.id)
    return ExportReport("clips", str(out), tuple(done), tuple(written), tuple(skipped), len(done))


# --- notes CSV ----------------------------------------------------------------------------------


def export_notes_csv(
    repo: Repository,
    out_path: str | Path,
    *,
    job_ids: Sequence[int] | None = None,
    status: ReviewStatus | None = None,
) -> ExportReport:
    """Write every note of the chosen clips as CSV (UTF-8 with a BOM, so spreadsheets read it)."""
    dest = out_file(out_path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(NOTES_CSV_COLUMNS)
    rows = 0
    covered: list[int] = []
    for job in select_clips(repo, job_ids=job_ids, status=status):
        notes = repo.notes_for(job.id)
        if notes:
            covered.append(job.id)
        for note in notes:
            writer.writerow(
                [
                    job.id,
                    export_name(job),
                    job.review_status.value,
                    job.model,
                    note.id,
                    format_timecode(note.start_ms),
                    format_timecode(note.end_ms) if note.end_ms is not None else "",
                    note.start_ms,
                    note.end_ms if note.end_ms is not None else "",
                    note.author,
                    "yes" if note.resolved else "no",
                    note.text,
                    iso_time(note.created_at),
                    note.result_job_id if note.result_job_id is not None else "",
                ]
            )
            rows += 1
    library.write_bytes_atomic(dest, buffer.getvalue().encode("utf-8-sig"))
    return ExportReport("notes-csv", str(dest), tuple(covered), (str(dest),), (), rows)
