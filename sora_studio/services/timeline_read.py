"""Reading an editor's timeline (``.otio``, FCP 7 ``.xml``, CMX 3600 ``.edl``) for its markers.

What comes out is plain values, no OTIO objects: each clip with the names it goes by (its own,
its media's file name, our job id when the file carries it) and its markers, each at a time
measured from the clip's source start. Markers an editor put on a track or on the timeline
itself belong to the clip they sit over. Anything that is not such a timeline is refused with a
:class:`UserError` saying what to do; nothing is read half-way.

An EDL does not say its frame rate: it is read at the rate the caller gives (the media's own,
once a clip is recognised), counting timecode at that rate's whole timebase (30 for 29.97).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sora_studio.core.errors import UserError
from sora_studio.services.timeline_common import (
    FORMAT_NAMES,
    adapter_for,
    load_otio,
    namespace_of,
    timebase,
)

# An EDL read before its rate is known: 60 counts every frame field an EDL can hold.
PROBE_RATE = 60.0


@dataclass(frozen=True, slots=True)
class FoundMarker:
    """A marker from the file, timed from its clip's source start."""

    text: str
    author: str  # "" when the file names nobody
    start_s: float
    length_s: float  # 0 for a marker at one frame
    frame_s: float  # one frame at the marker's rate: how close counts as the same place
    at: str  # where it sits on the timeline, as timecode, for messages
    note_id: int | None  # set on markers our own export wrote


@dataclass(frozen=True, slots=True)
class FoundClip:
    name: str
    media_name: str  # the file name the clip's media reference points at ("" when none)
    job_id: int | None  # from our metadata, when the file kept it
    markers: tuple[FoundMarker, ...]


@dataclass(frozen=True, slots=True)
class EditorTimeline:
    clips: tuple[FoundClip, ...]
    editor: str  # the author the file names for the whole timeline ("" when none)
    loose: tuple[FoundMarker, ...]  # markers over no clip at all


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UserError(f"{path} does not exist; choose the timeline file your editor exported")
    data = path.read_bytes()
    if not data.strip():
        raise UserError(f"{path.name} is empty; export the timeline from your editor again")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252") if path.suffix.lower() == ".edl" else ""
        except UnicodeDecodeError:
            return ""


def _parse(otio: Any, text: str, adapter: str, path: Path, rate: float) -> list[Any]:
    kind = FORMAT_NAMES[path.suffix.lower()]
    again = f"; export it again from your editor as {kind}"
    if not text:
        raise UserError(f"{path.name} is not a {kind} file (it is not text){again}")
    options = {"rate": float(timebase(rate))} if adapter == "cmx_3600" else {}
    try:
        result = otio.adapters.read_from_string(text, adapter, **options)
    except Exception as exc:  # every parser fails its own way on foreign input
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path.name} could not be read as {kind} ({detail}){again}") from exc
    if isinstance(result, otio.schema.Timeline):
        timelines = [result]
    elif isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result.find_children(descended_from_type=otio.schema.Timeline)]
    else:
        timelines = []
    if not timelines:
        raise UserError(f"{path.name} holds no timeline{again}")
    if not any(next(iter(t.find_clips()), None) is not None for t in timelines):
        raise UserError(f"{path.name} has a timeline with no clips on it; nothing to import")
    return timelines


def _author(metadata: Any) -> str:
    """An author named in OTIO metadata: ours, then any namespace's ``author`` or ``editor``."""
    ours = namespace_of(metadata)
    for key in ("author", "editor"):
        if str(ours.get(key) or "").strip():
            return str(ours[key]).strip()
    scopes = [metadata, *(v for v in dict(metadata).values() if hasattr(v, "keys"))]
    for scope in scopes:
        for key in ("author", "editor", "Author", "Editor"):
            value = scope.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def _note_id(metadata: Any) -> int | None:
    value = namespace_of(metadata).get("note_id")
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _marker(marker: Any, start: Any, clip_start: Any, rate: float, at: str) -> FoundMarker:
    """``marker`` at ``start`` (in the same time space as ``clip_start``), seconds from there.

    ``rate`` (when not 0) is the media's own rate for an EDL, whose frames count timecode."""
    length = marker.marked_range.duration
    offset = start - clip_start
    if rate:
        start_s, length_s = offset.value / rate, length.value / rate if length.rate else 0.0
        frame_s = 1 / rate
    else:
        start_s, length_s = float(offset.to_seconds()), float(length.to_seconds())
        frame_s = 1 / float(start.rate or 24)
    text = str(marker.name or "").strip() or str(getattr(marker, "comment", "") or "").strip()
    return FoundMarker(
        text=text,
        author=_author(marker.metadata),
        start_s=start_s,
        length_s=max(0.0, length_s),
        frame_s=frame_s,
        at=at,
        note_id=_note_id(marker.metadata),
    )


def _timecode(otio: Any, time: Any) -> str:
    try:
        return str(otio.opentime.to_timecode(time, time.rate))
    except (ValueError, TypeError):
        return f"{float(time.to_seconds()):.3f} s"


def _media_name(clip: Any) -> str:
    url = str(getattr(clip.media_reference, "target_url", "") or "")
    path = unquote(urlparse(url).path) if "://" in url else url
    return Path(path.replace("\\", "/")).name


def _clips(otio: Any, timeline: Any, edl_rate: float) -> Iterator[tuple[Any, FoundClip]]:
    for clip in timeline.find_clips():
        try:  # its own range, else its media's: a clip with neither has no time to mark
            source = clip.trimmed_range()
        except Exception as exc:  # OTIO raises its own CannotComputeAvailableRangeError
            raise UserError(
                f"clip {clip.name or '(unnamed)'} has no length in the timeline; export the "
                "timeline from your editor again"
            ) from exc
        placed = clip.trimmed_range_in_parent() or source
        offset = timeline.global_start_time or otio.opentime.RationalTime(0, source.start_time.rate)
        markers = []
        for marker in clip.markers:
            start = marker.marked_range.start_time
            at = _timecode(otio, placed.start_time + offset + (start - source.start_time))
            markers.append(_marker(marker, start, source.start_time, edl_rate, at))
        job_id = namespace_of(clip.metadata).get("job_id")
        found = FoundClip(
            name=str(clip.name or ""),
            media_name=_media_name(clip),
            job_id=int(job_id) if isinstance(job_id, int) else None,
            markers=tuple(markers),
        )
        yield clip, found


def _over(clip_ranges: list[tuple[Any, Any]], time: Any) -> Any | None:
    for clip, placed in clip_ranges:
        if placed.start_time <= time < placed.end_time_exclusive():
            return clip
    return None


def _track_markers(otio: Any, timeline: Any, rate: float) -> Iterator[tuple[Any, FoundMarker]]:
    """Markers on a video track or on the whole timeline, each with the clip under it (None
    when it sits over a gap), timed from that clip's source start."""
    tracks = list(timeline.video_tracks()) or list(timeline.tracks)
    for number, track in enumerate(tracks):
        ranges = [(c, c.trimmed_range_in_parent()) for c in track.find_clips(shallow_search=True)]
        markers = list(track.markers) + (list(timeline.tracks.markers) if number == 0 else [])
        for marker in markers:
            start = marker.marked_range.start_time
            zero = otio.opentime.RationalTime(0, start.rate)
            at = _timecode(otio, start + (timeline.global_start_time or zero))
            clip = _over(ranges, start)
            if clip is None:
                yield None, _marker(marker, start, zero, rate, at)
                continue
            source = clip.source_range or clip.trimmed_range()
            inside = start - clip.trimmed_range_in_parent().start_time + source.start_time
            yield clip, _marker(marker, inside, source.start_time, rate, at)


def read_timeline(path: Path, *, edl_rate: float = PROBE_RATE) -> EditorTimeline:
    """Every clip of the timeline file ``path`` with its markers; refuses anything else."""
    otio = load_otio()
    adapter = adapter_for(path)
    timelines = _parse(otio, _read_text(path), adapter, path, edl_rate)
    rate = edl_rate if adapter == "cmx_3600" else 0.0
    clips: list[FoundClip] = []
    loose: list[FoundMarker] = []
    editor = ""
    for timeline in timelines:
        editor = editor or _author(timeline.metadata)
        found = list(_clips(otio, timeline, rate))
        extra: dict[int, list[FoundMarker]] = {id(clip): [] for clip, _ in found}
        for clip, marker in _track_markers(otio, timeline, rate):
            if clip is None or id(clip) not in extra:
                loose.append(marker)
            else:
                extra[id(clip)].append(marker)
        for clip, item in found:
            more = tuple(extra[id(clip)])
            clips.append(FoundClip(item.name, item.media_name, item.job_id, item.markers + more))
    return EditorTimeline(tuple(clips), editor, tuple(loose))
