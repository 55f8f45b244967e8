"""Read what a video or image file really is, and check downloads before they are kept.

``probe_*`` answer "what is this file" cheaply (container headers); ``verify_*`` decode the
pictures, so a truncated or corrupt download is caught before it is renamed into the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.video.codeccontext import VideoCodecContext
from av.video.stream import VideoStream
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
            if ctx is None:  # a cut-off file: the stream is declared but its codec is not
                raise MediaError(
                    f"not a video file: {path} declares a video stream that cannot be decoded; "
                    "check that it is a complete MP4/MOV download"
                )
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
    # Damaged files reach PyAV in states its typed API does not expect (None where an object
    # should be, arithmetic on missing values): every such failure is a refusal, not a crash.
    except (av.error.FFmpegError, OSError, ValueError, AttributeError, TypeError) as exc:
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


_HEAD_FRAMES = 3  # decoded from the start: the stream's set-up and first pictures are sound
_TAIL_PACKETS = 48  # the final GOP is decoded whole when it is at most this long (2 s at 24 fps)


def verify_video(
    path: str | Path,
    *,
    width: int | None,
    height: int | None,
    duration_s: float,
    tolerance_s: float = 0.25,
) -> VideoInfo:
    """Check that ``path`` decodes to a ``width x height`` video lasting ``duration_s``.

    ``width``/``height`` None accept whatever size the file declares (servers that round the
    size asked for); every decoded picture must still have that one size.

    Every video packet is read (cheap: no decoding), so a truncated file shows up as missing
    packets or a read error. The pictures decoded are the first few, every keyframe, and the
    final GOP when it is short; each must have the expected size. That is a small fraction of a
    full decode, which matters because downloads are verified beside a live desk.

    Raises ``MediaError`` listing each difference, or naming the decode failure.
    """
    path = Path(path)
    info = probe_video(path)
    if width is None or height is None:
        width, height = info.width, info.height
    problems: list[str] = []
    if (info.width, info.height) != (width, height):
        problems.append(f"size is {info.width}x{info.height}, expected {width}x{height}")
    if abs(info.duration_s - duration_s) > tolerance_s:
        problems.append(f"duration is {info.duration_s:.2f} s, expected {duration_s:.2f} s")
    if problems:
        raise MediaError(f"video {path.name} does not match the request: " + "; ".join(problems))
    packets = decoded = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            # One decoder thread: the few pictures decoded here are not worth competing with
            # the desk for cores.
            stream.thread_type = "SLICE"
            stream.codec_context.thread_count = 1
            # The packets since the latest keyframe, kept (up to a bound) to decode the last GOP.
            tail: list[av.Packet[VideoStream]] = []
            tail_overflow = False
            for packet in container.demux(stream):
                if packet.size == 0:  # the demuxer's end-of-stream marker
                    continue
                if packet.is_corrupt:
                    raise MediaError(
                        f"video {path.name} has a corrupt packet at frame {packets}; "
                        "download it again"
                    )
                if packet.is_keyframe:
                    tail, tail_overflow = [], False
                if len(tail) < _TAIL_PACKETS:
                    tail.append(packet)
                else:
                    tail_overflow = True
                packets += 1
                if packets <= _HEAD_FRAMES or packet.is_keyframe:
                    decoded += _check_frames(packet.decode(), path, width, height)
            decoded += _check_frames(stream.decode(None), path, width, height)
            if tail and not tail_overflow and len(tail) > 1:
                decoded += _decode_tail(stream, tail, path, width, height)
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(
            f"video {path.name} is corrupt after {packets} frames ({exc}); download it again"
        ) from exc
    # A truncated file can keep a header that promises more frames than the data holds.
    packets_s = packets / info.fps if info.fps else 0.0
    if decoded == 0 or abs(packets_s - duration_s) > tolerance_s + 1.0 / max(info.fps, 1.0):
        raise MediaError(
            f"video {path.name} holds {packets} frames ({packets_s:.2f} s), "
            f"expected {duration_s:.2f} s; download it again"
        )
    return info


def _check_frames(frames: list[av.VideoFrame], path: Path, width: int, height: int) -> int:
    for frame in frames:
        if (frame.width, frame.height) != (width, height):
            raise MediaError(
                f"video {path.name} has a {frame.width}x{frame.height} frame "
                f"at {frame.time or 0:.2f} s, expected {width}x{height}"
            )
    return len(frames)


def _decode_tail(
    stream: VideoStream,
    tail: list[av.Packet[VideoStream]],
    path: Path,
    width: int,
    height: int,
) -> int:
    """Decode the final GOP (keyframe first) with a fresh decoder; returns frames decoded."""
    codec = av.CodecContext.create(stream.codec_context.name, "r")
    if not isinstance(codec, VideoCodecContext):
        raise MediaError(f"video {path.name}: {stream.codec_context.name} is not a video codec")
    codec.extradata = stream.codec_context.extradata
    codec.thread_count = 1
    count = 0
    for packet in tail:
        count += _check_frames(codec.decode(packet), path, width, height)
    count += _check_frames(codec.decode(None), path, width, height)
    if count == 0:
        raise MediaError(f"video {path.name}: its last frames do not decode; download it again")
    return count


def verify_image(path: str | Path) -> tuple[int, int]:
    """Fully decode an image; returns ``(width, height)`` or raises ``MediaError``."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            return img.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"image {path.name} is unreadable or truncated ({exc})") from exc
