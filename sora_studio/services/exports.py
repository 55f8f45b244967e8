"""Getting reviewed work out of the library: clip folders, notes CSV, report PDF, EDL, spend report.

One import point for every export; each lives in its own module:

* :mod:`~sora_studio.services.export_files`: ``export_clips`` (a folder per clip with its media
  and ``recipe.json``) and ``export_notes_csv``;
* :mod:`~sora_studio.services.export_pdf`: ``export_report_pdf``, a page per clip;
* :mod:`~sora_studio.services.export_edl`: ``export_edl``, a CMX3600 EDL with notes as locators;
* :mod:`~sora_studio.services.spend_report`: ``spend_report``, the spend summary as text or JSON;
* :mod:`~sora_studio.services.export_common`: choosing clips and the report types they return.

Every file is written through a temp file and an atomic rename, so a reader never sees half an
export.
"""

from __future__ import annotations

from sora_studio.services.export_common import (
    ExportReport,
    ExportSkip,
    export_name,
    select_clips,
)
from sora_studio.services.export_edl import (
    EDL_FPS,
    EDL_MAX_EVENTS,
    EDL_START_FRAME,
    export_edl,
    frames_to_timecode,
)
from sora_studio.services.export_files import NOTES_CSV_COLUMNS, export_clips, export_notes_csv
from sora_studio.services.export_pdf import export_report_pdf
from sora_studio.services.spend_report import SpendReport, spend_report

__all__ = [
    "EDL_FPS",
    "EDL_MAX_EVENTS",
    "EDL_START_FRAME",
    "NOTES_CSV_COLUMNS",
    "ExportReport",
    "ExportSkip",
    "SpendReport",
    "export_clips",
    "export_edl",
    "export_name",
    "export_notes_csv",
    "export_report_pdf",
    "frames_to_timecode",
    "select_clips",
    "spend_report",
]
