"""Read what a video or image file really is, and check downloads before they are kept.

``probe_*`` answer "what is this file" cheaply (container headers); ``verify_*`` decode the
pictures, so a truncated or corrupt download is caught before it is renamed into the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, UnidentifiedImageError

from sora_studio.core.errors import UserError
from sora_studio.core.models import ImageInfo


class MediaError(UserError):
    """A file is not the video or image it should be (unreadable, corrupt, wrong size...)."""


@dataclass(frozen=True)
class VideoInfo:
    """The facts about a video file that the engine checks and the desk shows."""

    width: int
    height: int
    duration_s: float
    fps: float
    frame_count: int
    has_audio: bool
    video_codec: str
    audio_codec: str | None
    pix_fmt: str


def _rate(value: Fraction | None) -> float:
    return float(value) if value else 0.0


def probe_video(path: str | Path) -> VideoInfo:
    """Read the container headers of ``path``; raises ``MediaError`` when it holds no video."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"not a video file: {path} has no video stream")
            fmt = container.format.name
            if fmt == "image2" or fmt.endswith("_pipe"):
                raise MediaError(f"not a video file: {path} is a still image ({fmt})")
            stream = container.streams.video[0]
            ctx = stream.codec_context
            fps = _rate(stream.average_rate) or _rate(stream.guessed_rate) or 24.0
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = 0.0
            frame_count = stream.frames or round(duration * fps)
            audio = container.streams.audio[0] if container.streams.audio else None
            if ctx.width <= 0 or ctx.height <= 0:
                raise MediaError(f"not a video file: {path} has a video stream without a size")
            return VideoInfo(
                width=ctx.width,
                height=ctx.height,
                duration_s=duration,
                fps=fps,
                frame_count=int(frame_count),
                has_audio=audio is not None,
                video_codec=ctx.name,
                audio_codec=audio.codec_context.name if audio is not None else None,
                pix_fmt=ctx.pix_fmt or "",
            )
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(
            f"not a video file: {path} could not be read ({exc}); "
            "check that it is a complete MP4/MOV download"
        ) from exc


def probe_image(path: str | Path) -> ImageInfo:
    """Identify an image from its header: real format (lower-case) and size."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            fmt = (img.format or "unknown").lower()
            width, height = img.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(
            f"not an image file: {path} could not be read ({exc}); use a JPEG, PNG or WebP image"
        ) from exc
    return ImageInfo(format=fmt, width=width, height=height, path=str(path))


def verify_video(
    path: str | Path,
    *,
    width: int,
    height: int,
    duration_s: float,
    tolerance_s: float = 0.25,
) -> VideoInfo:
    """Decode every video frame of ``path`` and check its size and duration.

    Raises ``MediaError`` listing each difference, or naming the decode failure.
    """
    path = Path(path)
    info = probe_video(path)
    problems: list[str] = []
    if (info.width, info.height) != (width, height):
        problems.append(f"size is {info.width}x{info.height}, expected {width}x{height}")
    if abs(info.duration_s - duration_s) > tolerance_s:
        problems.append(f"duration is {info.duration_s:.2f} s, expected {duration_s:.2f} s")
    if problems:
        raise MediaError(f"video {path.name} does not match the request: " + "; ".join(problems))
    decoded = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"  # decoding is the slow part; use the cores we have
            for frame in container.decode(stream):
                if (frame.width, frame.height) != (width, height):
                    raise MediaError(
                        f"video {path.name} has a {frame.width}x{frame.height} frame "
                        f"at {frame.time or 0:.2f} s, expected {width}x{height}"
                    )
                decoded += 1
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(
            f"video {path.name} is corrupt after {decoded} frames ({exc}); download it again"
        ) from exc
    # A truncated file can keep a header that promises more frames than the data holds.
    decoded_s = decoded / info.fps if info.fps else 0.0
    if decoded == 0 or abs(decoded_s - duration_s) > tolerance_s + 1.0 / max(info.fps, 1.0):
        raise MediaError(
            f"video {path.name} decodes to {decoded} frames ({decoded_s:.2f} s), "
            f"expected {duration_s:.2f} s; download it again"
        )
    return info


def verify_image(path: str | Path) -> tuple[int, int]:
    """Fully decode an image; returns ``(width, height)`` or raises ``MediaError``."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            return img.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"image {path.name} is unreadable or truncated ({exc})") from exc
