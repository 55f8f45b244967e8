"""The emulator's renderer: turns a render request into video.mp4, thumbnail.webp, spritesheet.jpg.

Pictures come from ``emulator.procedural`` (deterministic per prompt); this module plans the frames
for each mode (create, remix, edit, extend), encodes them, reports real progress as frames are
encoded and stops cooperatively when asked. It runs on whatever thread calls it (the emulator runs
it on a worker) and holds no global state.

Thumbnail and spritesheet frames are captured while encoding, so no second decode pass is needed;
they follow the same rules as ``media.frames`` (thumbnail at a third of the clip, spritesheet tiles
at ``(i + 0.5) * duration / 25``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from sora_studio.core.spritesheet import layout_for_video
from sora_studio.emulator.procedural import Character, Scene, chord_for
from sora_studio.emulator.yuv import Planes, blend, rgb_to_planes
from sora_studio.media.encode import AUDIO_RATE, Mp4Writer
from sora_studio.media.frames import (
    extract_frame,
    frame_at_time,
    frame_to_image,
    save_spritesheet,
    save_thumbnail,
    sprite_times,
)
from sora_studio.media.probe import MediaError, probe_video

FPS = 24
# A keyframe every 2 s: the desk's download check decodes keyframes and the last GOP whole
# (media.probe.verify_video), so every clip's final frames are decoded too.
GOP_FRAMES = 2 * FPS
MODES = ("create", "remix", "edit", "extend")
_CANCEL_CHECK_EVERY = 4  # frames; well under a second of render time at any size
_FADE_S = 1.0  # reference image / extension seam cross-fade
_TINT = {"remix": 0.4, "edit": 0.2}


class RenderCancelled(Exception):
    """``should_cancel`` returned True; nothing was written."""


@dataclass(frozen=True)
class RenderSpec:
    """What to render. ``seconds`` is the new segment's length (for extend: what is added)."""

    video_id: str
    prompt: str
    width: int
    height: int
    seconds: int
    mode: str = "create"  # create | remix | edit | extend
    reference_image: Path | None = None
    character_names: tuple[str, ...] = ()
    character_clips: tuple[Path, ...] = ()
    source_video: Path | None = None


@dataclass(frozen=True)
class RenderedFiles:
    video: Path
    thumbnail: Path
    spritesheet: Path
    duration_s: float


def _check_spec(spec: RenderSpec) -> None:
    if spec.mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {spec.mode!r}")
    if spec.width <= 0 or spec.height <= 0 or spec.width % 4 or spec.height % 4:
        raise ValueError(f"size must be positive multiples of 4, got {spec.width}x{spec.height}")
    if spec.seconds <= 0:
        raise ValueError(f"seconds must be positive, got {spec.seconds}")
    if spec.mode != "create" and spec.source_video is None:
        raise ValueError(f"mode {spec.mode!r} needs a source_video")


def _decoded_planes(frame: av.VideoFrame, width: int, height: int) -> Planes:
    packed = frame.reformat(width=width, height=height, format="yuv420p").to_ndarray()
    return Planes.wrap(np.ascontiguousarray(packed), width, height)


def _frame_count(path: Path) -> int:
    """How many ``FPS`` frames the source lasts."""
    return max(round(probe_video(path).duration_s * FPS), 1)


def _source_frames(path: Path, width: int, height: int, total: int) -> Iterator[Planes]:
    """The source's ``total`` frames retimed to ``FPS`` and scaled to ``width x height``."""
    emitted = 0
    previous: Planes | None = None
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                t = frame.time or 0.0
                while previous is not None and emitted < total and t > emitted / FPS + 1e-6:
                    yield previous
                    emitted += 1
                if emitted >= total:
                    return
                previous = _decoded_planes(frame, width, height)
    except av.error.FFmpegError as exc:
        raise MediaError(f"source video {path.name} could not be decoded ({exc})") from exc
    if previous is None:
        raise MediaError(f"source video {path.name} has no frames")
    while emitted < total:
        yield previous
        emitted += 1


def _looped_source(path: Path, width: int, height: int) -> Iterator[Planes]:
    total = _frame_count(path)
    while True:
        yield from _source_frames(path, width, height, total)


def _source_audio(path: Path, samples: int) -> NDArray[np.float32]:
    """The source's audio as stereo 48 kHz ``(samples, 2)``, padded with silence or cut."""
    chunks: list[NDArray[np.float32]] = []  # planar (2, n) blocks
    try:
        with av.open(str(path)) as container:
            if container.streams.audio:
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
                for frame in container.decode(container.streams.audio[0]):
                    chunks.extend(
                        f.to_ndarray().astype(np.float32) for f in resampler.resample(frame)
                    )
                chunks.extend(f.to_ndarray().astype(np.float32) for f in resampler.resample(None))
    except av.error.FFmpegError as exc:
        raise MediaError(f"source video {path.name} has unreadable audio ({exc})") from exc
    data = np.concatenate(chunks, axis=1).T if chunks else np.zeros((0, 2), np.float32)
    out = np.zeros((samples, 2), dtype=np.float32)
    n = min(samples, data.shape[0])
    out[:n] = data[:n]
    return out


def _reference_planes(path: Path, width: int, height: int) -> Planes:
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    if image.size != (width, height):  # the API wants a matching size; be forgiving here
        image = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
    return rgb_to_planes(np.asarray(image))


def _characters(spec: RenderSpec) -> list[Character]:
    result = []
    for i, name in enumerate(spec.character_names):
        picture = None
        if i < len(spec.character_clips) and spec.character_clips[i].exists():
            clip = spec.character_clips[i]
            try:
                picture = extract_frame(clip, min(1.0, probe_video(clip).duration_s / 2))
            except MediaError:
                picture = None  # clips are checked at upload; a broken one still gets a badge

        result.append(Character(name=name, picture=picture))
    return result


def _to_image(planes: Planes, size: tuple[int, int] | None = None) -> Image.Image:
    return frame_to_image(av.VideoFrame.from_ndarray(planes.packed, format="yuv420p"), size)


def render_video(
    spec: RenderSpec,
    out_dir: Path,
    *,
    progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    encoder_threads: int = 1,
) -> RenderedFiles:
    """Render ``spec`` into ``out_dir`` (video.mp4, thumbnail.webp, spritesheet.jpg).

    ``progress`` gets 0.0..1.0 as frames are encoded (1.0 once every file is in place);
    ``should_cancel`` is polled every few frames and makes this raise ``RenderCancelled``.
    """
    _check_spec(spec)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    width, height = spec.width, spec.height
    new_frames = spec.seconds * FPS

    head: Iterator[Planes] | None = None  # extend: the source's frames, played first
    base: Iterator[Planes] | None = None  # remix/edit: the source's frames, re-tinted
    source_count = 0
    if spec.mode == "extend":
        assert spec.source_video is not None
        source_count = _frame_count(spec.source_video)
        head = _source_frames(spec.source_video, width, height, source_count)
    elif spec.mode in _TINT:
        assert spec.source_video is not None
        base = _looped_source(spec.source_video, width, height)
    total = source_count + new_frames
    duration_s = total / FPS

    label = {"remix": "remix", "edit": "edit", "extend": "extension"}.get(spec.mode)
    scene = Scene(
        spec.prompt,
        width,
        height,
        new_frames,
        fps=FPS,
        characters=_characters(spec),
        label=label,
        shapes=spec.mode != "edit",
        first_frame=source_count,
    )
    fade_from = (
        _reference_planes(spec.reference_image, width, height) if spec.reference_image else None
    )
    fade_frames = max(1, min(round(_FADE_S * FPS), new_frames // 2))

    layout = layout_for_video(width, height)
    tile_size = (layout.tile_width, layout.tile_height)
    wanted: dict[int, list[int]] = {}
    for tile, t in enumerate(sprite_times(layout, duration_s)):
        wanted.setdefault(frame_at_time(t, FPS, total), []).append(tile)
    thumb_index = frame_at_time(duration_s / 3, FPS, total)
    tiles: list[Image.Image | None] = [None] * layout.frame_count
    thumbnail: Image.Image | None = None

    scratch = Planes.allocate(width, height)
    out = Planes.allocate(width, height)
    report_every = max(1, total // 100)
    with Mp4Writer(
        out_dir / "video.mp4",
        width,
        height,
        fps=FPS,
        threads=encoder_threads,
        gop_size=GOP_FRAMES,
    ) as writer:
        for index in range(total):
            if should_cancel is not None and index % _CANCEL_CHECK_EVERY == 0 and should_cancel():
                raise RenderCancelled(f"render of {spec.video_id} was cancelled")
            if index < source_count:
                assert head is not None
                frame = next(head)
                fade_from = frame  # the extension cross-fades from the source's last frame
            else:
                k = index - source_count
                if base is not None:
                    scene.draw(k, scratch, base=next(base), tint=_TINT[spec.mode])
                else:
                    scene.draw(k, scratch)
                frame = scratch
                if fade_from is not None and k < fade_frames:
                    blend(fade_from, scratch, k / fade_frames, out)
                    frame = out
            writer.write_yuv420(frame.packed)
            for tile in wanted.get(index, ()):
                tiles[tile] = _to_image(frame, tile_size)
            if index == thumb_index:
                thumbnail = _to_image(frame)
            if progress is not None and (index % report_every == 0 or index == total - 1):
                progress(0.97 * (index + 1) / total)
        writer.write_audio(_audio(spec, source_count, new_frames))
    assert thumbnail is not None and all(t is not None for t in tiles)
    thumb_path = save_thumbnail(thumbnail, out_dir / "thumbnail.webp")
    sheet_path = save_spritesheet(
        [t for t in tiles if t is not None], layout, out_dir / "spritesheet.jpg"
    )
    if progress is not None:
        progress(1.0)
    return RenderedFiles(
        video=out_dir / "video.mp4",
        thumbnail=thumb_path,
        spritesheet=sheet_path,
        duration_s=duration_s,
    )


def _audio(spec: RenderSpec, source_frames: int, new_frames: int) -> NDArray[np.float32]:
    new = chord_for(spec.prompt, new_frames / FPS)
    if spec.mode != "extend" or spec.source_video is None:
        return new
    head = _source_audio(spec.source_video, math.floor(source_frames * AUDIO_RATE / FPS))
    return np.concatenate([head, new], axis=0)
