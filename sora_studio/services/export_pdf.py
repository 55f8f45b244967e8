"""The review report as a PDF (fpdf2): a page per clip with thumbnail, details, cost, verdict
history and the notes, each with the frame it points at.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path

from PIL import Image

from sora_studio.core.errors import UserError
from sora_studio.core.models import Asset, AssetVariant, Job, Note, ReviewStatus
from sora_studio.core.pricing import format_cents
from sora_studio.core.timecode import format_timecode
from sora_studio.media.frames import extract_frame
from sora_studio.media.probe import MediaError
from sora_studio.services import library
from sora_studio.services.export_common import (
    PUNCTUATION,
    ExportReport,
    human_time,
    note_range,
    out_file,
    select_clips,
    usable_video,
    verdict_label,
)
from sora_studio.services.review import clip_duration_ms
from sora_studio.storage.repository import Repository

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


def _latin1(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text.translate(PUNCTUATION))
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
    video = usable_video(assets)
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


def _clip_page(doc: _ReportPdf, repo: Repository, job: Job, tz: tzinfo | None) -> None:
    pdf = doc.pdf
    pdf.add_page()
    assets = repo.assets_for(job.id)
    video = usable_video(assets)
    duration_ms = clip_duration_ms(repo, job)
    doc.line(f"Clip {job.id}  ·  {verdict_label(job.review_status)}", 16, bold=True, h=9)
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
        f"Created: {human_time(job.created_at, tz)}",
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
            f"{human_time(review.created_at, tz)}  {verdict_label(review.status)}  "
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
    header = f"{note_range(note)}  ·  {note.author}  ·  {state}"
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
    dest = out_file(out_path)
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
