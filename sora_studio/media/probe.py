"""Read what a video or image file really is, and check downloads before they are kept.

``probe_*`` answer "what is this file" cheaply (container headers); :func:`check_complete` reads
every packet without decoding (a file cut short is refused, however sound its headers look);
``verify_*`` decode the pictures, so a truncated or corrupt download is caught before it is
renamed into the library. Every failure on a damaged file is a one-line ``MediaError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.video.codeccontext import VideoCodecContext
from av.video.stream import VideoStream
from PIL import Image, UnidentifiedImageError

from sora_studio.core.errors import UserError
from sora_studio.core.models import ImageInfo
from sora_studio.core.sniff import QUICKTIME_FIRST_BOXES


class MediaError(UserError):
    """A file is not the video or image it should be (unreadable, corrupt, wrong size...)."""


# Damaged files reach PyAV in states its typed API does not expect (None where an object should
# be, arithmetic on missing values, FFmpeg errors outside the OSError family such as
# ``av.error.BugError``): each is a refusal of that file, never a crash of the caller.
DAMAGED_FILE_ERRORS: tuple[type[Exception], ...] = (
    av.error.FFmpegError,
    OSError,
    ValueError,
    AttributeError,
    TypeError,
    IndexError,
    ArithmeticError,
)


@contextlib.contextmanager
def refusing_damage(refusal: str, advice: str = "") -> Iterator[None]:
    """Turn any failure PyAV raises on a damaged file into ``MediaError``: the refusal, the
    cause in brackets, then ``advice`` (``"; check ..."``)."""
    try:
        yield
    except DAMAGED_FILE_ERRORS as exc:
        raise MediaError(f"{refusal} ({exc or type(exc).__name__}){advice}") from exc


def is_picture_format(name: str) -> bool:
    """True for the container formats FFmpeg reads pictures with (PNG, JPEG, GIF, APNG...).

    Such a file is an image whatever its name says; an animated GIF named ``.mp4`` included.
    """
    return name in ("image2", "gif", "apng") or name.endswith("_pipe")


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
    with (
        refusing_damage(
            f"not a video file: {path} could not be read",
            "; check that it is a complete MP4/MOV download",
        ),
        av.open(str(path)) as container,
    ):
        if not container.streams.video:
            raise MediaError(f"not a video file: {path} has no video stream")
        fmt = container.format.name
        if is_picture_format(fmt):
            raise MediaError(f"not a video file: {path} is an image ({fmt})")
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


def check_complete(path: str | Path) -> None:
    """Read every packet of ``path`` (nothing is decoded); ``MediaError`` when data is missing.

    A cut-off download or a half-copied file keeps headers that promise the whole video (a
    faststart MP4 carries its index at the front), so its probe looks sound and its first
    frames decode; only reading to the end finds what is missing. Refused: a read error, a
    packet cut short, and, for MP4/MOV, a top-level box running past the end of the file or a
    stream whose packets end before the exact length its header gives. Other containers often
    declare no length per stream, so for them only the first two count.
    """
    path = Path(path)
    refusal = f"video {path.name} is damaged or incomplete"
    with refusing_damage(f"{refusal}: it cannot be read to the end"):
        overrun = _box_past_the_end(path)
    if overrun is not None:
        raise MediaError(
            f"{refusal}: its {overrun!r} box runs past the end of the file; is it a complete copy?"
        )
    with (
        refusing_damage(f"{refusal}: it cannot be read to the end"),
        av.open(str(path)) as box,
    ):
        # (declared end, end reached, longest packet) per stream, in the stream's time base.
        ends: dict[int, list[int]] = {}
        exact = "mov" in box.format.name.split(",")
        for stream in box.streams:
            if exact and stream.duration is not None and stream.duration > 0:
                ends[stream.index] = [(stream.start_time or 0) + stream.duration, -(2**62), 0]
        for packet in box.demux():
            if packet.size == 0:  # the demuxer's end-of-stream marker
                continue
            if packet.is_corrupt:  # FFmpeg read fewer bytes than the packet's size
                raise MediaError(
                    f"{refusal}: it ends inside a {packet.stream.type} packet; "
                    "is it a complete copy?"
                )
            record = ends.get(packet.stream.index)
            time = packet.pts if packet.pts is not None else packet.dts
            if record is not None and time is not None:
                length = packet.duration or 0
                record[1] = max(record[1], time + length)
                record[2] = max(record[2], length)
        for index, (declared, reached, longest) in ends.items():
            # Half a packet of slack: rounding in a muxer never loses a whole packet.
            if reached < declared - max(longest // 2, 1):
                kind = box.streams[index].type
                raise MediaError(
                    f"{refusal}: its {kind} stops before the length its header gives; "
                    "is it a complete copy?"
                )


def _box_past_the_end(path: Path) -> str | None:
    """The type of the first top-level ISO-BMFF box that runs past the end of ``path``, if any.

    FFmpeg reads a cut-off ``moov`` box as far as it goes: a file whose index lost its last
    track (the audio) would probe as a sound video without sound. Checked only for files that
    start like an MP4/MOV (an ``ftyp`` box or a QuickTime first box).
    """
    size = path.stat().st_size
    offset = 0
    with path.open("rb") as handle:
        while offset + 8 <= size:
            handle.seek(offset)
            header = handle.read(16)
            box_size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if offset == 0 and kind != b"ftyp" and kind not in QUICKTIME_FIRST_BOXES:
                return None  # not ISO-BMFF: this walk has nothing to say about it
            if box_size == 0:  # the last box, running to the end of the file
                return None
            if box_size == 1:  # a 64-bit size follows the type
                box_size = int.from_bytes(header[8:16], "big") if len(header) == 16 else 0
            if box_size < 8 or offset + box_size > size:
                return kind.decode("latin-1")
            offset += box_size
    return None


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
    except DAMAGED_FILE_ERRORS as exc:
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
