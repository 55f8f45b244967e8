"""Getting reviewed work out of the library: clip folders, notes CSV, report PDF, timeline, spend.

One import point for every export; each lives in its own module:

* :mod:`~sora_studio.services.export_files`: ``export_clips`` (a folder per clip with its media
  and ``recipe.json``) and ``export_notes_csv``;
* :mod:`~sora_studio.services.export_pdf`: ``export_report_pdf``, a page per clip;
* :mod:`~sora_studio.services.timeline_export`: ``export_timeline``, the clips as a timeline for
  an editing application (``.otio``, FCP 7 ``.xml`` or CMX 3600 ``.edl``) with notes as markers;
* :mod:`~sora_studio.services.spend_report`: ``spend_report``, the spend summary as text or JSON,
  and ``export_spend_report``, that text in a file;
* :mod:`~sora_studio.services.export_common`: choosing clips and the report types they return.

:func:`run_export` is the one dispatch by kind (``clips``, ``notes-csv``, ``report-pdf``,
``timeline``, ``spend``) that the desk's Export menu and ``sora-studio export`` share, with each
kind's default choice of clips in :data:`EXPORT_KINDS`.

Every file is written through a temp file and an atomic rename, so a reader never sees half an
export.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from sora_studio.core.errors import UserError
from sora_studio.core.models import ReviewStatus
from sora_studio.services.export_common import (
    ExportReport,
    ExportSkip,
    export_name,
    select_clips,
)
from sora_studio.services.export_files import NOTES_CSV_COLUMNS, export_clips, export_notes_csv
from sora_studio.services.export_pdf import export_report_pdf
from sora_studio.services.spend_report import SpendReport, export_spend_report, spend_report
from sora_studio.services.timeline_export import export_timeline
from sora_studio.storage.repository import Repository

__all__ = [
    "CLIP_EXPORTS",
    "EXPORT_KINDS",
    "KIND_DEFAULT",
    "NOTES_CSV_COLUMNS",
    "ExportKind",
    "ExportReport",
    "ExportSkip",
    "SpendReport",
    "StatusChoice",
    "export_clips",
    "export_name",
    "export_notes_csv",
    "export_report_pdf",
    "export_spend_report",
    "export_timeline",
    "run_export",
    "select_clips",
    "spend_report",
]


class _Default(Enum):
    STATUS = "the kind's default"


KIND_DEFAULT = _Default.STATUS  # ``run_export(status=...)``: the clips the kind chooses itself
StatusChoice = ReviewStatus | None | Literal[_Default.STATUS]

ClipExport = Callable[..., ExportReport]


@dataclass(frozen=True, slots=True)
class ExportKind:
    """One kind of export: what it writes, what its count means, which clips by default."""

    key: str
    unit: str  # what ``ExportReport.items`` counts: "clips", "notes", "pages", "reports"
    to_folder: bool  # the target is a folder (else a file)
    default_status: ReviewStatus | None  # clips chosen when none are named; None: every ready
    write: ClipExport


def _clips(
    repo: Repository,
    out: Path,
    *,
    job_ids: Sequence[int] | None,
    status: ReviewStatus | None,
) -> ExportReport:
    return export_clips(repo, out, status, job_ids=job_ids)


def _spend(
    repo: Repository,
    out: Path,
    *,
    job_ids: Sequence[int] | None,
    status: ReviewStatus | None,
) -> ExportReport:
    if job_ids:  # the spend report covers the whole library
        raise UserError("the spend report covers every clip; export it without choosing clips")
    return export_spend_report(repo, out)


def _timeline(
    repo: Repository,
    out: Path,
    *,
    job_ids: Sequence[int] | None,
    status: ReviewStatus | None,
    copy_media: Path | None = None,
) -> ExportReport:
    return export_timeline(repo, out, job_ids=job_ids, status=status, copy_media=copy_media)


EXPORT_KINDS: Mapping[str, ExportKind] = MappingProxyType(
    {
        kind.key: kind
        for kind in (
            ExportKind("clips", "clips", True, ReviewStatus.APPROVED, _clips),
            ExportKind("notes-csv", "notes", False, None, export_notes_csv),
            ExportKind("report-pdf", "pages", False, None, export_report_pdf),
            ExportKind("timeline", "clips", False, ReviewStatus.APPROVED, _timeline),
            ExportKind("spend", "reports", False, None, _spend),
        )
    }
)
# The kinds that export chosen clips (``sora-studio export``; the spend report has its command).
CLIP_EXPORTS = ("clips", "notes-csv", "report-pdf", "timeline")


def run_export(
    repo: Repository,
    kind: str,
    out: str | Path,
    *,
    status: StatusChoice = KIND_DEFAULT,
    job_ids: Sequence[int] | None = None,
    copy_media: str | Path | None = None,
) -> ExportReport:
    """Write the export ``kind`` to ``out`` (a folder for ``clips``, else a file).

    Clips are ``job_ids`` when given, else the ready clips with review ``status`` (None: all of
    them; by default, the kind's own choice: approved clips for ``clips`` and ``timeline``, every
    ready clip for the notes and the report). ``copy_media`` (a folder) is for the timeline:
    its clips' media are copied there and the timeline points at the copies.
    """
    spec = EXPORT_KINDS.get(kind)
    if spec is None:
        raise UserError(f"unknown export {kind!r}; expected one of {', '.join(EXPORT_KINDS)}")
    chosen = spec.default_status if status is KIND_DEFAULT else status
    target = Path(out).expanduser()
    if copy_media is None:
        return spec.write(repo, target, job_ids=job_ids, status=chosen)
    if kind != "timeline":
        raise UserError("copying media goes with the timeline export only; leave it out")
    folder = Path(copy_media).expanduser()
    return _timeline(repo, target, job_ids=job_ids, status=chosen, copy_media=folder)
