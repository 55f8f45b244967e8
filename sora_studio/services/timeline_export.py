"""The timeline export: chosen clips end to end for an editing application, through OTIO.

One clip per take, in the order chosen (the ids given, or ``select_clips``'s order), each at the
frame rate of its own media (probed, never assumed) and pointing at that media: its absolute
file URL, or, with ``copy_media``, a copy named ``clip-0012.mp4`` in that folder referred to
relative to the timeline file. Each clip carries its job id, prompt, model, cost and verdict in
``metadata["sora_studio"]``; each note becomes a marker at its frame (open notes red, resolved
green) with the note's text as the name, its author as the comment and its id in the marker's
metadata, so importing our own timeline back adds nothing.

What each format keeps: ``.otio`` everything; ``.xml`` (FCP 7) the clips, their rates, media
paths and markers (name and frames; the adapter drops colours and metadata); ``.edl`` one rate
for the whole list (the first clip's), the clip names and media paths, and the markers as
``* LOC:`` lines in plain upper-case ASCII.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.models import Job, Note, ReviewStatus
from sora_studio.core.status_words import review_word
from sora_studio.media.probe import MediaError, probe_video
from sora_studio.services import library
from sora_studio.services.export_common import (
    ExportReport,
    ExportSkip,
    export_name,
    no_media,
    out_file,
    select_clips,
    usable_video,
)
from sora_studio.services.timeline_common import (
    EDL_MAX_EVENTS,
    NAMESPACE,
    OPEN_COLOUR,
    RESOLVED_COLOUR,
    START_HOURS,
    adapter_for,
    load_otio,
    media_rate,
    plain_text,
    timebase,
)
from sora_studio.storage.repository import Repository


@dataclass(frozen=True, slots=True)
class PlacedClip:
    """A clip going on the timeline: its job, media, rate and length in its own frames."""

    job: Job
    video: Path
    rate: float
    frames: int
    notes: tuple[Note, ...]


def _place(repo: Repository, job: Job) -> PlacedClip | ExportSkip:
    video = usable_video(repo.assets_for(job.id))
    if video is None:
        return no_media(job)
    try:
        info = probe_video(video.path)
    except MediaError as exc:
        return ExportSkip(job.id, str(exc))
    rate = media_rate(info.fps)
    frames = info.frame_count or round(info.duration_s * rate)
    if frames <= 0:
        return ExportSkip(job.id, f"clip {job.id}'s video {Path(video.path).name} has no frames")
    return PlacedClip(job, Path(video.path), rate, frames, tuple(repo.notes_for(job.id)))


def _copy_targets(placed: Sequence[PlacedClip], folder: Path) -> dict[int, Path]:
    """Where each clip's media is copied: ``folder/clip-0012.mp4``."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file; give a folder to copy the media into")
    return {
        clip.job.id: folder / f"{export_name(clip.job)}{clip.video.suffix.lower() or '.mp4'}"
        for clip in placed
    }


def _copy_media(placed: Sequence[PlacedClip], targets: dict[int, Path]) -> None:
    """Copy each clip's media to its target through a temp file and an atomic rename."""
    for clip in placed:
        dest = targets[clip.job.id]
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp = library.temp_path_for(dest)
        shutil.copyfile(clip.video, temp)
        os.replace(temp, dest)


def _media_url(media: Path, timeline_file: Path, relative: bool, edl: bool) -> str:
    """The clip's media as the timeline names it: relative to the timeline's folder for copied
    media (so the folder can move as one), else absolute: a ``file://`` URL, or for an EDL
    (whose ``* FROM CLIP:`` line editors read as a path) the plain path."""
    if relative:
        try:
            return Path(os.path.relpath(media, timeline_file.parent)).as_posix()
        except ValueError:  # another drive (Windows): a relative path cannot reach it
            pass
    absolute = media.resolve()
    return str(absolute) if edl else absolute.as_uri()


def _clip_metadata(job: Job, video: Path) -> dict[str, Any]:
    cost = None if job.cost_cents is None else float(job.cost_cents) / 100
    return {
        "job_id": job.id,
        "prompt": job.prompt,
        "model": job.model,
        "size": job.size,
        "cost_usd": cost,
        "verdict": review_word(job.review_status),
        "library_file": video.name,
    }


def _marker(otio: Any, note: Note, clip: PlacedClip, edl: bool) -> Any:
    rate = clip.rate
    last = clip.frames - 1
    start = min(round(note.start_ms * rate / 1000), last)
    length = 0
    if note.end_ms is not None:
        length = max(0, min(round(note.end_ms * rate / 1000), clip.frames) - start)
    marked = otio.opentime.TimeRange(
        otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(length, rate)
    )
    marker = otio.schema.Marker(
        name=plain_text(note.text) if edl else note.text,
        marked_range=marked,
        color=RESOLVED_COLOUR if note.resolved else OPEN_COLOUR,
        comment=note.author,
    )
    marker.metadata[NAMESPACE] = {
        "note_id": note.id,
        "author": note.author,
        "resolved": note.resolved,
    }
    return marker


def _rescaled(clip: PlacedClip, edl_rate: int) -> PlacedClip:
    """``clip`` counted at the EDL's one timebase: unchanged when its own rate counts timecode at
    that base (29.97 in a 30 list), else its length in the list's frames."""
    if timebase(clip.rate) == edl_rate:
        return PlacedClip(clip.job, clip.video, float(edl_rate), clip.frames, clip.notes)
    frames = max(1, round(clip.frames * edl_rate / clip.rate))
    return PlacedClip(clip.job, clip.video, float(edl_rate), frames, clip.notes)


def build_timeline(
    placed: Sequence[PlacedClip], urls: dict[int, str], title: str, *, edl: bool = False
) -> Any:
    """The OTIO timeline of ``placed``: one video track, clips end to end from 01:00:00:00."""
    otio = load_otio()
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    first_rate = float(timebase(placed[0].rate)) if edl else placed[0].rate
    timeline = otio.schema.Timeline(name=title)
    timeline.global_start_time = rt(START_HOURS * 3600 * timebase(first_rate), first_rate)
    timeline.metadata[NAMESPACE] = {
        "exported_by": "Sora Studio",
        "job_ids": [clip.job.id for clip in placed],
    }
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for original in placed:
        clip = _rescaled(original, int(first_rate)) if edl else original
        span = tr(rt(0, clip.rate), rt(clip.frames, clip.rate))
        media = otio.schema.ExternalReference(target_url=urls[clip.job.id], available_range=span)
        item = otio.schema.Clip(
            name=f"{export_name(clip.job)}{clip.video.suffix.lower() or '.mp4'}",
            media_reference=media,
            source_range=span,
        )
        item.metadata[NAMESPACE] = _clip_metadata(clip.job, clip.video)
        if edl:  # "AX": a file-based source, not a tape reel (else OTIO cuts one from the name)
            item.metadata["cmx_3600"] = {"reel": "AX"}
        for note in clip.notes:
            item.markers.append(_marker(otio, note, clip, edl))
        track.append(item)
    return timeline


def export_timeline(
    repo: Repository,
    out_path: str | Path,
    *,
    job_ids: Sequence[int] | None = None,
    status: ReviewStatus | None = ReviewStatus.APPROVED,
    copy_media: str | Path | None = None,
    title: str = "SORA STUDIO",
) -> ExportReport:
    """Write the chosen clips as a timeline for editing (``.otio``, ``.xml`` or ``.edl``).

    Clips without usable media are left out (listed in the report); with none left nothing is
    written. ``copy_media`` copies each clip's media into that folder first and points the
    timeline at the copies.
    """
    dest = out_file(out_path)
    adapter = adapter_for(dest)
    placed: list[PlacedClip] = []
    skipped: list[ExportSkip] = []
    for job in select_clips(repo, job_ids=job_ids, status=status):
        outcome = _place(repo, job)
        if isinstance(outcome, PlacedClip):
            placed.append(outcome)
        else:
            skipped.append(outcome)
    if not placed:
        why = f" ({skipped[0].message})" if skipped else ""
        raise UserError(
            f"no clips with media to put on a timeline{why}; approve some ready clips, or "
            "choose others with --status or --id"
        )
    edl = adapter == "cmx_3600"
    if edl and len(placed) > EDL_MAX_EVENTS:
        raise UserError(
            f"an EDL holds at most {EDL_MAX_EVENTS} events; export fewer clips "
            "(choose them with --status or by id), or write a .otio or .xml timeline"
        )
    media = {clip.job.id: clip.video for clip in placed}
    relative = copy_media is not None
    if copy_media is not None:
        media = _copy_targets(placed, Path(copy_media).expanduser())
    urls = {job_id: _media_url(path, dest, relative, edl) for job_id, path in media.items()}
    timeline = build_timeline(placed, urls, plain_text(title) if edl else title, edl=edl)
    options: dict[str, Any] = {"rate": float(timebase(placed[0].rate))} if edl else {}
    # The whole timeline is made before anything is written: a failure leaves no files behind.
    text = load_otio().adapters.write_to_string(timeline, adapter, **options)
    if relative:
        _copy_media(placed, media)
    library.write_bytes_atomic(dest, str(text).encode("utf-8"))
    files = (str(dest), *(str(path) for path in media.values() if relative))
    ids = tuple(clip.job.id for clip in placed)
    return ExportReport("timeline", str(dest), ids, files, tuple(skipped), len(placed))
