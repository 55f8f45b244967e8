"""An editor's markers back in as notes: the round trip of :mod:`timeline_export`.

Each clip of the timeline is matched to a library clip by the job id in its metadata (a
``.otio`` we wrote), else by its media file name: ``clip-0012.mp4`` as our exports name it, or
the file name the library stores the clip's video under. Each marker on a matched clip becomes a
note through :func:`~sora_studio.services.review.add_note` (so a team library records it too),
at its time from the clip's source start, under the editor's name (the marker's, else the
timeline's, else "editor").

Nothing comes in twice: a marker that carries one of our note ids (our own export) is skipped,
and so is one whose text matches a note already on that clip at the same frame (an EDL
upper-cases its text; that still counts as the same). Markers on clips the library does not
know are listed in the report, never dropped silently; a marker the clip cannot hold (past its
end) is listed with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus, Note
from sora_studio.core.timecode import format_timecode
from sora_studio.media.probe import MediaError, probe_video
from sora_studio.services.export_common import usable_video
from sora_studio.services.review import add_note
from sora_studio.services.timeline_common import adapter_for, job_id_from_name, text_key
from sora_studio.services.timeline_read import (
    PROBE_RATE,
    EditorTimeline,
    FoundClip,
    FoundMarker,
    read_timeline,
)
from sora_studio.storage.repository import Repository

DEFAULT_EDITOR = "editor"


@dataclass(frozen=True, slots=True)
class StrayMarker:
    """A marker that did not become a note: on a clip the library does not know, or refused."""

    clip: str  # the clip's name in the timeline ("" for a marker over no clip)
    at: str
    text: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"clip": self.clip, "at": self.at, "text": self.text, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class MarkerImportReport:
    """What an import of an editor's markers did."""

    path: str
    added: tuple[Note, ...]
    already_there: int
    unknown: tuple[StrayMarker, ...]  # on clips the library does not know
    refused: tuple[StrayMarker, ...]  # on known clips, but the note could not be added

    @property
    def headline(self) -> str:
        count = len(self.added)
        text = f"Added {count} note{'s' if count != 1 else ''} from {Path(self.path).name}"
        extra = []
        if self.already_there:
            extra.append(f"skipped {self.already_there} already there")
        if self.unknown:
            extra.append(f"{len(self.unknown)} on clips the library does not know")
        if self.refused:
            extra.append(f"{len(self.refused)} could not be added")
        return text + ("; " + ", ".join(extra) if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "added": [
                {
                    "note_id": n.id,
                    "job_id": n.job_id,
                    "start": format_timecode(n.start_ms),
                    "start_ms": n.start_ms,
                    "end_ms": n.end_ms,
                    "text": n.text,
                    "author": n.author,
                }
                for n in self.added
            ],
            "already_there": self.already_there,
            "unknown": [m.to_dict() for m in self.unknown],
            "refused": [m.to_dict() for m in self.refused],
        }


class _Matcher:
    """Library clips by the names a timeline may give them (the stored-name index is built
    only when some clip needs it)."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._by_file: dict[str, int] | None = None

    def _stored_names(self) -> dict[str, int]:
        if self._by_file is None:
            self._by_file = {}
            for job in self._repo.list_jobs(statuses=[JobStatus.READY], order="id ASC"):
                video = usable_video(self._repo.assets_for(job.id))
                if video is not None:
                    self._by_file.setdefault(Path(video.path).name.casefold(), job.id)
        return self._by_file

    def job_for(self, clip: FoundClip) -> int | None:
        if clip.job_id is not None and self._repo.get_job(clip.job_id) is not None:
            return clip.job_id
        for name in (clip.media_name, clip.name):
            job_id = job_id_from_name(name) if name else None
            if job_id is not None and self._repo.get_job(job_id) is not None:
                return job_id
        for name in (clip.media_name, clip.name):
            if name and name.casefold() in self._stored_names():
                return self._stored_names()[name.casefold()]
        return None


def _media_fps(repo: Repository, job_id: int) -> float | None:
    video = usable_video(repo.assets_for(job_id))
    if video is None:
        return None
    try:
        return probe_video(video.path).fps
    except MediaError:
        return None


def _read(
    repo: Repository, path: Path, matcher: _Matcher, edl_rate: float | None
) -> EditorTimeline:
    """The timeline. An EDL does not say its rate: it is read at ``edl_rate`` when given, else
    at the rate of the first clip's media the library recognises (what our export writes)."""
    if adapter_for(path) != "cmx_3600":
        return read_timeline(path)
    if edl_rate is not None:
        if not 1 <= edl_rate <= 240:
            raise UserError(f"an EDL frame rate of {edl_rate:g} is not plausible; give 24, 25, 30…")
        return read_timeline(path, edl_rate=edl_rate)
    timeline = read_timeline(path)
    for clip in timeline.clips:
        job_id = matcher.job_for(clip)
        fps = _media_fps(repo, job_id) if job_id is not None else None
        if fps:
            return read_timeline(path, edl_rate=fps) if fps != PROBE_RATE else timeline
    return timeline


def _already_there(notes: Iterable[Note], marker: FoundMarker, start_ms: int) -> bool:
    half_frame_ms = marker.frame_s * 500
    key = text_key(marker.text)
    return any(
        text_key(n.text) == key and abs(n.start_ms - start_ms) <= half_frame_ms for n in notes
    )


def import_markers(
    repo: Repository, path: str | Path, *, edl_rate: float | None = None
) -> MarkerImportReport:
    """Add the markers of the timeline file ``path`` as notes on the clips they mark.

    ``edl_rate``: the frame rate an EDL was written at (default: its first known clip's)."""
    source = Path(path).expanduser()
    matcher = _Matcher(repo)
    timeline = _read(repo, source, matcher, edl_rate)
    editor = timeline.editor or DEFAULT_EDITOR
    added: list[Note] = []
    unknown = [StrayMarker("", m.at, m.text, "over no clip") for m in timeline.loose]
    refused: list[StrayMarker] = []
    already = 0
    notes: dict[int, list[Note]] = {}
    for clip in timeline.clips:
        if not clip.markers:
            continue
        job_id = matcher.job_for(clip)
        label = clip.name or clip.media_name
        if job_id is None:
            reason = "the library has no clip by this name"
            unknown += [StrayMarker(label, m.at, m.text, reason) for m in clip.markers]
            continue
        on_clip = notes.setdefault(job_id, list(repo.notes_for(job_id)))
        for marker in clip.markers:
            start_ms = round(marker.start_s * 1000)
            if marker.note_id is not None or _already_there(on_clip, marker, start_ms):
                already += 1
                continue
            if not marker.text:
                refused.append(StrayMarker(label, marker.at, "", "the marker has no text"))
                continue
            end_ms = start_ms + round(marker.length_s * 1000) if marker.length_s > 0 else None
            try:
                note = add_note(
                    repo, job_id, start_ms, marker.text, marker.author or editor, end_ms
                )
            except UserError as exc:
                refused.append(StrayMarker(label, marker.at, marker.text, str(exc)))
                continue
            on_clip.append(note)
            added.append(note)
    return MarkerImportReport(str(source), tuple(added), already, tuple(unknown), tuple(refused))
