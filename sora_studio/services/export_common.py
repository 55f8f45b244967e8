"""What every export shares: choosing clips, naming them, the report types, and text helpers.

Clips are chosen either by id (in the order given) or by review status; only clips whose media
arrived (status ``ready``) are chosen by status. ``clip-0012`` is the stem every export uses, so
the clip folders, the timeline's clip names and the CSV rows all line up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.models import Asset, AssetVariant, Job, JobStatus, Note, ReviewStatus
from sora_studio.core.status_words import review_word
from sora_studio.core.timecode import format_timecode
from sora_studio.storage.repository import Repository

# Typographic punctuation folded to ASCII where a format (core PDF fonts, an EDL) cannot carry it.
PUNCTUATION = str.maketrans(
    {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
)


@dataclass(frozen=True, slots=True)
class ExportSkip:
    job_id: int
    message: str


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export wrote: the clips it covered, the files, and the clips it had to leave out."""

    kind: str
    out_path: str
    job_ids: tuple[int, ...]
    files: tuple[str, ...]
    skipped: tuple[ExportSkip, ...] = ()
    items: int = 0  # rows (CSV), pages (PDF); clips for a clip or timeline export

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "out_path": self.out_path,
            "job_ids": list(self.job_ids),
            "files": list(self.files),
            "items": self.items,
            "skipped": [{"job_id": s.job_id, "message": s.message} for s in self.skipped],
        }


# --- choosing clips -----------------------------------------------------------------------------


def select_clips(
    repo: Repository,
    *,
    job_ids: Sequence[int] | None = None,
    status: ReviewStatus | None = None,
) -> list[Job]:
    """The clips an export covers: ``job_ids`` in the order given (each must exist), or else the
    ready clips with review ``status`` (all ready clips when None), oldest first."""
    if job_ids:
        return [repo.require_job(int(i)) for i in dict.fromkeys(job_ids)]
    review = None if status is None else [ReviewStatus(status)]
    return repo.list_jobs(statuses=[JobStatus.READY], review_statuses=review, order="id ASC")


def export_name(job: Job) -> str:
    """The stem every export uses for a clip, ``clip-0012``: unique, sortable, editor-safe."""
    return f"clip-{job.id:04d}"


def usable_video(assets: dict[AssetVariant, Asset]) -> Asset | None:
    video = assets.get(AssetVariant.VIDEO)
    return video if video is not None and Path(video.path).is_file() else None


def no_media(job: Job) -> ExportSkip:
    return ExportSkip(job.id, f"clip {job.id} has no video file in the library ({job.status})")


def out_file(out_path: str | Path) -> Path:
    path = Path(out_path).expanduser()
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name to write to")
    return path


def iso_time(timestamp: float, tz: tzinfo | None = None) -> str:
    """ISO 8601 time (UTC unless ``tz``) for machine-readable exports."""
    return datetime.fromtimestamp(timestamp, tz or UTC).isoformat(timespec="seconds")


def human_time(timestamp: float, tz: tzinfo | None = None) -> str:
    """Local (or ``tz``) wall-clock time for people reading the report."""
    return datetime.fromtimestamp(timestamp, tz).strftime("%Y-%m-%d %H:%M")


def verdict_label(status: ReviewStatus) -> str:
    """The verdict's word in capitals, as a report's stamp (``NEEDS CHANGES``)."""
    return review_word(status).upper()


def note_range(note: Note) -> str:
    start = format_timecode(note.start_ms)
    return start if note.end_ms is None else f"{start} - {format_timecode(note.end_ms)}"
