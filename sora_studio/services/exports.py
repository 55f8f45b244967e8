"""Getting reviewed work out of the library: clip folders, notes CSV, report PDF, EDL, spend report.

Every file is written through a temp file and an atomic rename (``services.library``), so a
reader never sees half an export. Clips are chosen either by id or by review status; only clips
whose media arrived (status ``ready``) are chosen by status.

* ``export_clips``: one folder per clip, ``clip-0012/clip-0012.mp4`` (+ thumbnail and
  spritesheet) and ``recipe.json`` (the library recipe plus its verdicts and notes). Each copy is
  checked against the sha256 the library recorded, so a damaged library file is reported, not
  passed on.
* ``export_notes_csv``: one row per note, timecodes and milliseconds.
* ``export_report_pdf``: a page per clip (fpdf2) with thumbnail, details, cost, verdict history and
  the notes, each with the frame it points at.
* ``export_edl``: a CMX3600 EDL, one cut per clip laid end to end from 01:00:00:00 at 24 fps
  non-drop, each note as a ``* LOC:`` locator at its place on that timeline. The clip names are the
  file names ``export_clips`` writes, so an editor can relink to that folder.
* ``spend_report``: the storage layer's spend summary as text or JSON.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from sora_studio.core.errors import UserError
from sora_studio.core.models import Asset, AssetVariant, Job, JobStatus, Note, ReviewStatus
from sora_studio.core.pricing import format_cents
from sora_studio.core.timecode import format_timecode
from sora_studio.media.frames import extract_frame
from sora_studio.media.probe import MediaError, probe_video
from sora_studio.services import library
from sora_studio.services.review import clip_duration_ms
from sora_studio.storage.repository import Repository, SpendSummary

EDL_FPS = 24
EDL_START_FRAME = 3600 * EDL_FPS  # 01:00:00:00, where editing timelines conventionally start
EDL_MAX_EVENTS = 999  # CMX3600 event numbers have three digits

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
    items: int = 0  # rows (CSV), pages (PDF) or events (EDL); clips for a clip export

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


def _usable_video(assets: dict[AssetVariant, Asset]) -> Asset | None:
    video = assets.get(AssetVariant.VIDEO)
    return video if video is not None and Path(video.path).is_file() else None


def _no_media(job: Job) -> ExportSkip:
    return ExportSkip(job.id, f"clip {job.id} has no video file in the library ({job.status})")


def _out_file(out_path: str | Path) -> Path:
    path = Path(out_path).expanduser()
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name to write to")
    return path


# --- clips --------------------------------------------------------------------------------------


def _review_block(repo: Repository, job: Job) -> dict[str, Any]:
    return {
        "status": job.review_status.value,
        "history": [
            {
                "status": r.status.value,
                "reviewer": r.reviewer,
                "reason": r.reason,
                "at": _iso(r.created_at),
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
        video = _usable_video(assets)
        if video is None:
            skipped.append(_no_media(job))
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


def _iso(timestamp: float, tz: tzinfo | None = None) -> str:
    return datetime.fromtimestamp(timestamp, tz or UTC).isoformat(timespec="seconds")


def _human_time(timestamp: float, tz: tzinfo | None = None) -> str:
    """Local (or ``tz``) wall-clock time for people reading the report."""
    return datetime.fromtimestamp(timestamp, tz).strftime("%Y-%m-%d %H:%M")


def export_notes_csv(
    repo: Repository,
    out_path: str | Path,
    *,
    job_ids: Sequence[int] | None = None,
    status: ReviewStatus | None = None,
) -> ExportReport:
    """Write every note of the chosen clips as CSV (UTF-8 with a BOM, so spreadsheets read it)."""
    dest = _out_file(out_path)
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
                    _iso(note.created_at),
                    note.result_job_id if note.result_job_id is not None else "",
                ]
            )
            rows += 1
    library.write_bytes_atomic(dest, buffer.getvalue().encode("utf-8-sig"))
    return ExportReport("notes-csv", str(dest), tuple(covered), (str(dest),), (), rows)


# --- report PDF ---------------------------------------------------------------------------------

# A font with wide Unicode coverage where the system has one (prompts and notes are free text in
# any script); otherwise the PDF core font, with text folded to Latin-1.
_UNICODE_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
# Consulted for glyphs the main font lacks (CJK prompts above all).
_FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/arialuni.ttf",
)
_PUNCTUATION = str.maketrans(
    {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
)


def _latin1(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text.translate(_PUNCTUATION))
    return folded.encode("latin-1", "replace").decode("latin-1")


class _ReportPdf:
    """fpdf2 document with the report's page furniture; ``text()`` makes any string printable."""

    PAGE_W = 210.0
    MARGIN = 14.0

    def __init__(self, title: str) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=16)
        self.pdf.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
        self.pdf.set_title(title)
        self.pdf.set_creator("Sora Studio")
        self.unicode = False
        self.has_bold = True  # the core fonts have a bold face
        for candidate in _UNICODE_FONTS:
            if Path(candidate).is_file():
                self.pdf.add_font("body", "", candidate)
                bold = Path(candidate).with_name(f"{Path(candidate).stem}-Bold.ttf")
                self.has_bold = bold.is_file()
                if self.has_bold:
                    self.pdf.add_font("body", "B", bold)
                self.family = "body"
                self.unicode = True
                self._add_fallback()
                break
        else:
            self.family = "Helvetica"

    def _add_fallback(self) -> None:
        for candidate in _FALLBACK_FONTS:
            if Path(candidate).is_file():
                self.pdf.add_font("fallback", "", candidate)
                self.pdf.set_fallback_fonts(["fallback"])
                return

    def text(self, value: str) -> str:
        return value if self.unicode else _latin1(value)

    def font(self, size: float, bold: bool = False) -> None:
        style = "B" if bold and self.has_bold else ""
        self.pdf.set_font(self.family, style, size)

    def line(self, value: str, size: float = 9, *, bold: bool = False, h: float = 5) -> None:
        from fpdf.enums import XPos, YPos

        self.font(size, bold)
        self.pdf.multi_cell(0, h, self.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, value: str) -> None:
        self.pdf.ln(2)
        self.line(value, 11, bold=True, h=6)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(180, 180, 180)
        self.pdf.line(self.MARGIN, y, self.PAGE_W - self.MARGIN, y)
        self.pdf.ln(1)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _clip_picture(assets: dict[AssetVariant, Asset], duration_s: float) -> Image.Image | None:
    thumb = assets.get(AssetVariant.THUMBNAIL)
    if thumb is not None and Path(thumb.path).is_file():
        try:
            with Image.open(thumb.path) as img:
                return img.convert("RGB")
        except OSError:
            pass  # fall back to a frame from the video
    video = _usable_video(assets)
    if video is None:
        return None
    try:
        return extract_frame(video.path, duration_s / 3)
    except MediaError:
        return None


def _note_frame(video: Asset | None, note: Note) -> Image.Image | None:
    if video is None:
        return None
    try:
        frame = extract_frame(video.path, note.start_ms / 1000)
    except MediaError:
        return None
    frame.thumbnail((320, 320))
    return frame


def _verdict_label(status: ReviewStatus) -> str:
    return {
        ReviewStatus.APPROVED: "APPROVED",
        ReviewStatus.CHANGES: "NEEDS CHANGES",
        ReviewStatus.REJECTED: "REJECTED",
        ReviewStatus.UNREVIEWED: "UNREVIEWED",
    }[status]


def _note_range(note: Note) -> str:
    start = format_timecode(note.start_ms)
    return start if note.end_ms is None else f"{start} - {format_timecode(note.end_ms)}"


def _clip_page(doc: _ReportPdf, repo: Repository, job: Job, tz: tzinfo | None) -> None:
    pdf = doc.pdf
    pdf.add_page()
    assets = repo.assets_for(job.id)
    video = _usable_video(assets)
    duration_ms = clip_duration_ms(repo, job)
    doc.line(f"Clip {job.id}  ·  {_verdict_label(job.review_status)}", 16, bold=True, h=9)
    top = pdf.get_y() + 2
    picture = _clip_picture(assets, duration_ms / 1000)
    image_w = 88.0
    image_bottom = top
    if picture is not None:
        shown = pdf.image(picture, x=doc.MARGIN, y=top, w=image_w)
        image_bottom = top + float(shown.rendered_height)
    else:
        pdf.set_xy(doc.MARGIN, top)
        doc.font(9)
        pdf.cell(image_w, 50, doc.text("no media in the library"), border=1, align="C")
        image_bottom = top + 50
    cost = job.cost_cents if job.cost_cents is not None else job.estimate_cents
    details = [
        f"Model: {job.model}",
        f"Size: {job.size}",
        f"Duration: {format_timecode(duration_ms)}",
        f"Provider: {job.provider}",
        f"Lineage: {job.lineage_kind.value}"
        + (f" of clip {job.parent_id}" if job.parent_id is not None else ""),
        f"Cost: {format_cents(cost)}" + (" (estimate)" if job.cost_cents is None else ""),
        f"Created: {_human_time(job.created_at, tz)}",
        f"Remote id: {job.remote_id or '-'}",
    ]
    x = doc.MARGIN + image_w + 6
    pdf.set_xy(x, top)
    doc.font(9)
    for item in details:
        pdf.set_x(x)
        pdf.multi_cell(doc.PAGE_W - doc.MARGIN - x, 5, doc.text(item), new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(image_bottom, pdf.get_y()) + 3)
    pdf.set_x(doc.MARGIN)
    doc.heading("Prompt")
    doc.line(job.prompt or "(imported clip, no prompt)")
    doc.heading("Verdict history")
    reviews = repo.reviews_for(job.id)
    if not reviews:
        doc.line("No verdicts yet.")
    for review in reviews:
        reason = f": {review.reason}" if review.reason else ""
        doc.line(
            f"{_human_time(review.created_at, tz)}  {_verdict_label(review.status)}  "
            f"by {review.reviewer}{reason}"
        )
    doc.heading("Notes")
    notes = repo.notes_for(job.id)
    if not notes:
        doc.line("No notes.")
    for note in notes:
        _note_row(doc, video, note)


def _note_row(doc: _ReportPdf, video: Asset | None, note: Note) -> None:
    pdf = doc.pdf
    frame = _note_frame(video, note)
    frame_w = 40.0
    frame_h = frame_w * frame.height / frame.width if frame is not None else 0.0
    if pdf.get_y() + max(frame_h, 12) > pdf.h - pdf.b_margin:
        pdf.add_page()  # keep a note and its frame together
    top = pdf.get_y()
    if frame is not None:
        pdf.image(frame, x=doc.MARGIN, y=top, w=frame_w)
    x = doc.MARGIN + frame_w + 4
    pdf.set_xy(x, top)
    state = "resolved" if note.resolved else "open"
    doc.font(9, bold=True)
    width = doc.PAGE_W - doc.MARGIN - x
    header = f"{_note_range(note)}  ·  {note.author}  ·  {state}"
    pdf.multi_cell(width, 5, doc.text(header), new_x="LEFT", new_y="NEXT")
    doc.font(9)
    pdf.multi_cell(width, 5, doc.text(note.text), new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(top + frame_h, pdf.get_y()) + 3)
    pdf.set_x(doc.MARGIN)


def export_report_pdf(
    repo: Repository,
    out_path: str | Path,
    *,
    job_ids: Sequence[int] | None = None,
    status: ReviewStatus | None = None,
    title: str = "Sora Studio review report",
    tz: tzinfo | None = None,
) -> ExportReport:
    """A review report: a page per clip (longer only when its notes need more room)."""
    dest = _out_file(out_path)
    jobs = select_clips(repo, job_ids=job_ids, status=status)
    if not jobs:
        which = f"{ReviewStatus(status).value} " if status is not None else ""
        raise UserError(f"there are no {which}clips to report on; nothing was written")
    doc = _ReportPdf(title)
    for job in jobs:
        _clip_page(doc, repo, job, tz)
    library.write_bytes_atomic(dest, doc.output())
    pages = doc.pdf.page_no()
    return ExportReport("report-pdf", str(dest), tuple(j.id for j in jobs), (str(dest),), (), pages)


# --- EDL ----------------------------------------------------------------------------------------


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
    folded = unicodedata.normalize("NFKD", value.translate(_PUNCTUATION))
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
    dest = _out_file(out_path)
    lines = [f"TITLE: {_edl_text(title)[:70] or 'SORA STUDIO'}", "FCM: NON-DROP FRAME", ""]
    record = EDL_START_FRAME
    events: list[int] = []
    skipped: list[ExportSkip] = []
    for job in select_clips(repo, job_ids=job_ids, status=status):
        video = _usable_video(repo.assets_for(job.id))
        if video is None:
            skipped.append(_no_media(job))
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
            f"* COMMENT: CLIP {job.id} {_verdict_label(job.review_status)} "
            f"{_edl_text(job.model).upper()} {job.size}"
        )
        for note in repo.notes_for(job.id):
            at = record + min(round(note.start_ms * fps / 1000), length - 1)
            colour = "GREEN" if note.resolved else "RED"
            text = _edl_text(f"[{_note_range(note)}] {note.text} ({note.author})")
            lines.append(f"* LOC: {frames_to_timecode(at, fps)} {colour:<7} {text}")
        lines.append("")
        record += length
    library.write_bytes_atomic(dest, ("\r\n".join(lines) + "\r\n").encode("ascii"))
    return ExportReport("edl", str(dest), tuple(events), (str(dest),), tuple(skipped), len(events))


# --- spend --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpendReport:
    """The library's spend, ready to print (:meth:`to_text`) or serialise (:meth:`to_dict`)."""

    summary: SpendSummary

    @property
    def cost_per_approved_second_cents(self) -> Decimal | None:
        return self.summary.cost_per_approved_second_cents

    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        per_second = s.cost_per_approved_second_cents
        return {
            "total_cents": str(s.total_cents),
            "spent_jobs": s.spent_jobs,
            "by_model": {k: str(v) for k, v in s.by_model.items()},
            "by_day": {k: str(v) for k, v in s.by_day.items()},
            "rejected_jobs": s.rejected_jobs,
            "rejected_cents": str(s.rejected_cents),
            "approved_jobs": s.approved_jobs,
            "approved_seconds": s.approved_seconds,
            "approved_cents": str(s.approved_cents),
            "cost_per_approved_second_cents": (
                str(per_second.quantize(Decimal("0.0001"))) if per_second is not None else None
            ),
            "in_flight_jobs": s.in_flight_jobs,
            "in_flight_estimate_cents": str(s.in_flight_estimate_cents),
            "blocked_jobs": s.blocked_jobs,
            "failed_jobs": s.failed_jobs,
        }

    def to_text(self) -> str:
        s = self.summary
        per_second = s.cost_per_approved_second_cents
        rows = [
            f"Total spent:              {format_cents(s.total_cents)} on {s.spent_jobs} renders",
            f"Spent on rejected takes:  {format_cents(s.rejected_cents)} "
            f"({s.rejected_jobs} rejected)",
            f"Approved:                 {s.approved_jobs} clips, {s.approved_seconds} s, "
            f"{format_cents(s.approved_cents)}",
            "Cost per approved second: "
            + (
                format_cents(per_second.quantize(Decimal("0.01")))
                if per_second is not None
                else "n/a (nothing approved yet)"
            ),
            f"In flight:                {s.in_flight_jobs} renders, "
            f"{format_cents(s.in_flight_estimate_cents)} estimated",
            f"Not charged:              {s.blocked_jobs} blocked, {s.failed_jobs} failed",
            "By model:",
            *(f"  {model:<22}  {format_cents(c)}" for model, c in s.by_model.items()),
            "By day:",
            *(f"  {day:<22}  {format_cents(c)}" for day, c in s.by_day.items()),
        ]
        return "\n".join(rows) + "\n"


def spend_report(
    repo: Repository, *, provider: str | None = None, tz: tzinfo | None = None
) -> SpendReport:
    """Total, per model, per day, money spent on rejected takes, and cost per approved second."""
    return SpendReport(repo.spend_summary(provider=provider, tz=tz))
