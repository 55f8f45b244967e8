"""The EDL export: a CMX3600 edit decision list for an editor's timeline.

One cut per clip laid end to end from 01:00:00:00 at 24 fps non-drop, each note as a ``* LOC:``
locator at its place on that timeline. The clip names are the file names ``export_clips`` writes,
so an editor can relink to that folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from sora_studio.core.errors import UserError
from sora_studio.core.models import ReviewStatus
from sora_studio.media.probe import MediaError, probe_video
from sora_studio.services import library
from sora_studio.services.export_common import (
    PUNCTUATION,
    ExportReport,
    ExportSkip,
    export_name,
    no_media,
    note_range,
    out_file,
    select_clips,
    usable_video,
    verdict_label,
)
from sora_studio.storage.repository import Repository

EDL_FPS = 24
EDL_START_FRAME = 3600 * EDL_FPS  # 01:00:00:00, where editing timelines conventionally start
EDL_MAX_EVENTS = 999  # CMX3600 event numbers have three digits


def frames_to_timecode(frames: int, fps: int = EDL_FPS) -> str:
    """``HH:MM:SS:FF`` non-drop-frame timecode for a frame count."""
    if frames < 0:
        raise ValueError(f"a timecode cannot be negative, got {frames} frames")
    seconds, ff = divmod(int(frames), fps)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"


def _edl_text(value: str) -> str:
    """One line of plain ASCII: EDL readers choke on line breaks and non-ASCII bytes."""
    folded = unicodedata.normalize("NFKD", value.translate(PUNCTUATION))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", ascii_only).strip()


def export_edl(
    repo: Repository,
    out_path: str | Path,
    *,
    job_ids: Sequence[int] | None = None,
    status: ReviewStatus | None = ReviewStatus.APPROVED,
    title: str = "SORA STUDIO",
    fps: int = EDL_FPS,
) -> ExportReport:
    """A CMX3600 EDL: one cut per clip, end to end, with a ``* LOC:`` line per note."""
    dest = out_file(out_path)
    lines = [f"TITLE: {_edl_text(title)[:70] or 'SORA STUDIO'}", "FCM: NON-DROP FRAME", ""]
    record = EDL_START_FRAME
    events: list[int] = []
    skipped: list[ExportSkip] = []
    for job in select_clips(repo, job_ids=job_ids, status=status):
        video = usable_video(repo.assets_for(job.id))
        if video is None:
            skipped.append(no_media(job))
            continue
        try:
            info = probe_video(video.path)
        except MediaError as exc:
            skipped.append(ExportSkip(job.id, str(exc)))
            continue
        if len(events) == EDL_MAX_EVENTS:
            raise UserError(
                f"an EDL holds at most {EDL_MAX_EVENTS} events; export fewer clips "
                "(choose them with --status or by id)"
            )
        length = max(1, round(info.duration_s * fps))
        channels = "AA/V" if info.has_audio else "V"
        events.append(job.id)
        lines.append(
            f"{len(events):03d}  {'AX':<8} {channels:<5} C        "
            f"{frames_to_timecode(0, fps)} {frames_to_timecode(length, fps)} "
            f"{frames_to_timecode(record, fps)} {frames_to_timecode(record + length, fps)}"
        )
        lines.append(f"* FROM CLIP NAME: {export_name(job)}{Path(video.path).suffix or '.mp4'}")
        lines.append(
            f"* COMMENT: CLIP {job.id} {verdict_label(job.review_status)} "
            f"{_edl_text(job.model).upper()} {job.size}"
        )
        for note in repo.notes_for(job.id):
            at = record + min(round(note.start_ms * fps / 1000), length - 1)
            colour = "GREEN" if note.resolved else "RED"
            text = _edl_text(f"[{note_range(note)}] {note.text} ({note.author})")
            lines.append(f"* LOC: {frames_to_timecode(at, fps)} {colour:<7} {text}")
        lines.append("")
        record += length
    library.write_bytes_atomic(dest, ("\r\n".join(lines) + "\r\n").encode("ascii"))
    return ExportReport("edl", str(dest), tuple(events), (str(dest),), tuple(skipped), len(events))
