"""Write MP4 files: H.264 (yuv420p, libx264) video with AAC audio, atomically.

``Mp4Writer`` writes into a temporary file beside the target and renames it into place only when
closed without error, so a reader never sees half a video and a cancelled render leaves nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from sora_studio.core.closing import Closing
from sora_studio.media.probe import MediaError

AUDIO_RATE = 48_000
_AAC_FRAME = 1024  # samples per AAC frame


class Mp4Writer(Closing):
    """Encode RGB frames and float audio into ``path`` (a context manager: closed at the end of a
    ``with`` block, aborted when the block raised).

    Frames must be ``uint8`` arrays shaped ``(height, width, 3)``. Audio is float32 in -1..1, mono
    ``(n,)`` or stereo ``(n, 2)``; on close the audio is padded with silence or cut so that it lasts
    exactly as long as the video. Frames are timed at a constant ``fps``. ``gop_size``, when
    given, is the longest run of frames between keyframes (e.g. ``2 * fps``).
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        *,
        fps: int = 24,
        audio: bool = True,
        preset: str = "ultrafast",
        crf: int = 23,
        threads: int = 1,
        gop_size: int | None = None,
    ) -> None:
        if gop_size is not None and gop_size < 1:
            raise MediaError(f"gop_size must be at least 1 frame, got {gop_size}")
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise MediaError(
                f"video size must be positive and even for yuv420p, got {width}x{height}"
            )
        self.path = Path(path)
        self.width = width
        self.height = height
        self.fps = fps
        self.frames_written = 0
        self._audio_samples_written = 0
        self._pending: NDArray[np.float32] = np.zeros((2, 0), dtype=np.float32)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.stem}-", suffix=".mp4.part", dir=self.path.parent
        )
        os.close(fd)
        self._tmp = Path(tmp)
        self._container = av.open(
            str(self._tmp), "w", format="mp4", options={"movflags": "+faststart"}
        )
        self._video = self._container.add_stream("libx264", rate=fps)
        self._video.width = width
        self._video.height = height
        self._video.pix_fmt = "yuv420p"
        self._video.time_base = Fraction(1, fps)
        # threads=1 keeps one render on one core, so the emulator can run several side by side.
        self._video.codec_context.thread_count = threads
        self._video.options = {"preset": preset, "crf": str(crf)}
        if gop_size is not None:
            # A keyframe at least every ``gop_size`` frames (x264's default is 250): a short
            # last GOP lets a verifier that decodes keyframes plus the final GOP reach the end.
            self._video.codec_context.gop_size = gop_size
        self._audio: av.AudioStream | None = None
        if audio:
            self._audio = self._container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            self._audio.time_base = Fraction(1, AUDIO_RATE)
        self._closed = False

    def write_frame(self, rgb: NDArray[np.uint8]) -> None:
        """Encode one RGB frame; its shape must be exactly ``(height, width, 3)``."""
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise MediaError(
                f"frame must be uint8 {self.height}x{self.width}x3, got {rgb.dtype} {rgb.shape}"
            )
        self._encode_video(av.VideoFrame.from_ndarray(rgb, format="rgb24"))

    def write_yuv420(self, planes: NDArray[np.uint8]) -> None:
        """Encode one frame given as packed yuv420p: shape ``(height * 3 // 2, width)``.

        Y rows come first, then the U plane, then the V plane (each ``height/2 x width/2``, stored
        row after row). This skips the RGB conversion, which costs more than H.264 ultrafast itself.
        """
        if planes.shape != (self.height * 3 // 2, self.width) or planes.dtype != np.uint8:
            raise MediaError(
                f"yuv420p frame must be uint8 {self.height * 3 // 2}x{self.width}, "
                f"got {planes.dtype} {planes.shape}"
            )
        self._encode_video(av.VideoFrame.from_ndarray(planes, format="yuv420p"))

    def _encode_video(self, frame: av.VideoFrame) -> None:
        frame.pts = self.frames_written
        frame.time_base = Fraction(1, self.fps)
        self._container.mux(self._video.encode(frame))
        self.frames_written += 1

    def write_audio(self, samples: NDArray[np.floating]) -> None:
        """Queue float audio (mono ``(n,)`` or stereo ``(n, 2)``) at 48 kHz for encoding."""
        if self._audio is None:
            raise MediaError("this writer was opened without audio")
        data = np.asarray(samples, dtype=np.float32)
        if data.ndim == 1:
            planar = np.vstack([data, data])
        elif data.ndim == 2 and data.shape[1] in (1, 2):
            planar = np.ascontiguousarray(data.T)
            if planar.shape[0] == 1:
                planar = np.vstack([planar, planar])
        else:
            raise MediaError(f"audio must be shaped (n,) or (n, 2), got {data.shape}")
        self._pending = np.concatenate([self._pending, np.clip(planar, -1.0, 1.0)], axis=1)
        self._encode_audio(final=False)

    def _encode_audio(self, *, final: bool) -> None:
        assert self._audio is not None
        while self._pending.shape[1] >= _AAC_FRAME or (final and self._pending.shape[1] > 0):
            chunk = np.ascontiguousarray(self._pending[:, :_AAC_FRAME])
            self._pending = self._pending[:, chunk.shape[1] :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._audio_samples_written
            frame.time_base = Fraction(1, AUDIO_RATE)
            self._audio_samples_written += chunk.shape[1]
            self._container.mux(self._audio.encode(frame))

    def close(self) -> Path:
        """Finish both streams and move the file into place; returns the final path."""
        if self._closed:
            return self.path
        try:
            if self.frames_written == 0:
                raise MediaError(f"no frames were written to {self.path.name}")
            self._container.mux(self._video.encode(None))
            if self._audio is not None:
                self._match_audio_to_video()
                self._encode_audio(final=True)
                self._container.mux(self._audio.encode(None))
            self._container.close()
        except BaseException:
            self.abort()
            raise
        self._closed = True
        os.replace(self._tmp, self.path)
        return self.path

    def _match_audio_to_video(self) -> None:
        wanted = round(self.frames_written * AUDIO_RATE / self.fps)
        have = self._audio_samples_written + self._pending.shape[1]
        if have < wanted:
            silence = np.zeros((2, wanted - have), dtype=np.float32)
            self._pending = np.concatenate([self._pending, silence], axis=1)
        elif have > wanted:
            # Samples already encoded cannot be taken back; cut what is still pending.
            keep = max(0, self._pending.shape[1] - (have - wanted))
            self._pending = self._pending[:, :keep]

    def abort(self) -> None:
        """Drop the partial file (used on errors and cancellation)."""
        if self._closed:
            return
        self._closed = True
        # The file is being thrown away; a failed flush does not matter.
        with contextlib.suppress(av.error.FFmpegError, OSError, ValueError):
            self._container.close()
        self._tmp.unlink(missing_ok=True)
