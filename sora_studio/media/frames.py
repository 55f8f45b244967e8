"""Pictures taken from MP4 files: single frames, WebP thumbnails and JPEG spritesheets.

Used for imported clips, and for spritesheets whose layout a provider does not tell us. The
spritesheet layout is ``core.spritesheet``'s, the one the desk's hover scrubber assumes.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import av
from PIL import Image

from sora_studio.core.spritesheet import (
    DEFAULT_GRID,
    SpritesheetLayout,
    frame_time_ms,
    layout_for_video,
)
from sora_studio.media.probe import MediaError, probe_video, refusing_damage


def sprite_times(layout: SpritesheetLayout, duration_s: float) -> tuple[float, ...]:
    """When each tile is taken (seconds): ``core.spritesheet.frame_time_ms``, the middle of its
    slice, rounded to the millisecond exactly as the desk computes it."""
    duration_ms = max(round(duration_s * 1000), 0)
    count = layout.frame_count
    return tuple(frame_time_ms(i, count, duration_ms) / 1000 for i in range(count))


def frame_at_time(time_s: float, fps: float, frame_count: int) -> int:
    """The frame on screen at ``time_s``: frame ``k`` covers ``[k / fps, (k + 1) / fps)``."""
    index = math.floor(time_s * fps + 1e-6)
    return min(max(index, 0), max(frame_count - 1, 0))


def frame_to_image(frame: av.VideoFrame, size: tuple[int, int] | None = None) -> Image.Image:
    """A decoded frame as an RGB Pillow image, scaled by swscale to ``size`` when given."""
    if size is not None:
        frame = frame.reformat(width=size[0], height=size[1], format="rgb24")
    return Image.fromarray(frame.to_ndarray(format="rgb24"))


def thumbnail_size(width: int, height: int, max_side: int = 512) -> tuple[int, int]:
    """Scale ``width x height`` so its long side is at most ``max_side``, keeping the aspect."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def write_image_atomic(image: Image.Image, out_path: Path, fmt: str, **params: object) -> Path:
    """Save ``image`` to a temporary file beside ``out_path``, fsync, then rename into place."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.stem}-", suffix=".part", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, format=fmt, **params)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path


def save_thumbnail(image: Image.Image, out_path: Path, *, max_side: int = 512) -> Path:
    """Write ``image`` as a WebP thumbnail no larger than ``max_side``, atomically."""
    size = thumbnail_size(image.width, image.height, max_side)
    if size != image.size:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return write_image_atomic(image.convert("RGB"), out_path, "WEBP", quality=82, method=2)


def save_spritesheet(
    tiles: Sequence[Image.Image], layout: SpritesheetLayout, out_path: Path
) -> Path:
    """Paste frames (any size; each is scaled to the tile size) into a JPEG spritesheet."""
    if len(tiles) != layout.frame_count:
        raise MediaError(f"this spritesheet needs {layout.frame_count} frames, got {len(tiles)}")
    sheet = Image.new("RGB", layout.sheet_size)
    tile_size = (layout.tile_width, layout.tile_height)
    for index, tile in enumerate(tiles):
        if tile.size != tile_size:
            tile = tile.resize(tile_size, Image.Resampling.BILINEAR)
        sheet.paste(tile.convert("RGB"), layout.frame_rect(index)[:2])
    return write_image_atomic(sheet, out_path, "JPEG", quality=85)


def _open_video(path: Path) -> av.container.InputContainer:
    with refusing_damage(f"not a video file: {path} could not be read"):
        container = av.open(str(path))
    if not container.streams.video:
        container.close()
        raise MediaError(f"not a video file: {path} has no video stream")
    return container


def extract_frame(path: str | Path, time_s: float) -> Image.Image:
    """The frame on screen at ``time_s`` (seek to the key frame before it, then decode forward)."""
    path = Path(path)
    info = probe_video(path)
    time_s = min(max(time_s, 0.0), max(info.duration_s - 0.5 / max(info.fps, 1.0), 0.0))
    # Seeking and converting can fail on a damaged file as well as decoding (PyAV raises
    # errors outside FFmpegError there): all of it is one refusal.
    with (
        _open_video(path) as container,
        refusing_damage(f"video {path.name} is corrupt near {time_s:.2f} s"),
    ):
        stream = container.streams.video[0]
        if stream.time_base is not None:
            container.seek(int(time_s / stream.time_base), stream=stream, backward=True)
        chosen: av.VideoFrame | None = None
        for frame in container.decode(stream):
            # The small slack absorbs float rounding of pts converted from the time base.
            if chosen is not None and frame.time is not None and frame.time > time_s + 1e-6:
                break
            chosen = frame
        if chosen is None:
            raise MediaError(f"video {path.name} has no frame at {time_s:.2f} s")
        return frame_to_image(chosen)


def frames_at_times(
    path: str | Path, times_s: Sequence[float], *, size: tuple[int, int] | None = None
) -> list[Image.Image]:
    """Frames on screen at each of the ascending ``times_s``, in one sequential decode pass.

    ``size`` scales each picked frame with swscale before it becomes a Pillow image, which is
    several times cheaper than converting the full frame and resizing it afterwards.
    """
    path = Path(path)
    wanted = list(times_s)
    found: list[Image.Image] = []
    previous: av.VideoFrame | None = None
    with _open_video(path) as container, refusing_damage(f"video {path.name} is corrupt"):
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            t = frame.time or 0.0
            while len(found) < len(wanted) and t > wanted[len(found)] + 1e-6:
                found.append(frame_to_image(previous or frame, size))
            if len(found) == len(wanted):
                break
            previous = frame
    if previous is None and not found:
        raise MediaError(f"video {path.name} has no decodable frames")
    while len(found) < len(wanted):  # times past the last frame show the last frame
        assert previous is not None
        with refusing_damage(f"video {path.name} is corrupt"):
            found.append(frame_to_image(previous, size))
    return found


def make_thumbnail(video_path: str | Path, out_path: str | Path, *, max_side: int = 512) -> Path:
    """A WebP thumbnail of the frame a third of the way in (past fades at the start)."""
    info = probe_video(video_path)
    frame = extract_frame(video_path, info.duration_s / 3)
    return save_thumbnail(frame, Path(out_path), max_side=max_side)


def make_spritesheet(
    video_path: str | Path, out_path: str | Path, *, grid: int = DEFAULT_GRID
) -> Path:
    """A JPEG spritesheet of ``grid * grid`` frames in the layout of ``core.spritesheet``."""
    info = probe_video(video_path)
    layout = layout_for_video(info.width, info.height, grid)
    tiles = frames_at_times(
        video_path,
        sprite_times(layout, info.duration_s),
        size=(layout.tile_width, layout.tile_height),
    )
    return save_spritesheet(tiles, layout, Path(out_path))
