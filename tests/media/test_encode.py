"""Mp4Writer: exact size, duration, codecs, audio length, and nothing left behind on failure."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from sora_studio.media.encode import Mp4Writer
from sora_studio.media.probe import MediaError, probe_video


def test_clip_has_exact_size_codecs_and_matching_audio(counting_clip: Path) -> None:
    info = probe_video(counting_clip)
    assert (info.width, info.height) == (320, 180)
    assert abs(info.duration_s - 2.0) <= 1 / 24
    assert info.frame_count == 48
    assert info.fps == 24
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", "aac", "yuv420p")
    with av.open(str(counting_clip)) as container:
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert abs(float(audio.duration * audio.time_base) - 2.0) <= 1 / 24


def test_faststart_puts_the_index_before_the_data(counting_clip: Path) -> None:
    data = counting_clip.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_yuv_frames_and_short_audio_are_padded(tmp_path: Path) -> None:
    out = tmp_path / "yuv.mp4"
    with Mp4Writer(out, 64, 48, fps=24) as writer:
        for _ in range(24):
            writer.write_yuv420(np.full((72, 64), 128, dtype=np.uint8))
        writer.write_audio(np.zeros((1000, 2), dtype=np.float32))  # far shorter than the video
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert abs(float(audio.duration * audio.time_base) - 1.0) <= 1 / 24


def test_wrong_frame_shape_is_refused_and_no_file_is_left(tmp_path: Path) -> None:
    out = tmp_path / "bad.mp4"
    with (
        pytest.raises(MediaError, match="frame must be uint8 48x64x3"),
        Mp4Writer(out, 64, 48) as w,
    ):
        w.write_frame(np.zeros((48, 63, 3), dtype=np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_odd_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="even"):
        Mp4Writer(tmp_path / "odd.mp4", 65, 48)


def _keyframe_positions(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            i for i, p in enumerate(p for p in container.demux(stream) if p.size) if p.is_keyframe
        ]


def test_gop_size_puts_a_keyframe_at_least_that_often(tmp_path: Path) -> None:
    # A still picture: x264 would otherwise place only the first keyframe in 96 frames.
    plain, short = tmp_path / "plain.mp4", tmp_path / "gop.mp4"
    for path, gop in ((plain, None), (short, 48)):
        with Mp4Writer(path, 64, 48, fps=24, audio=False, gop_size=gop) as writer:
            for _ in range(96):
                writer.write_yuv420(np.full((72, 64), 90, dtype=np.uint8))
    assert _keyframe_positions(plain) == [0]
    keys = _keyframe_positions(short)
    assert keys[0] == 0 and len(keys) >= 2
    ends = [*keys[1:], 96]  # each GOP runs to the next keyframe, the last one to the end
    assert max(end - start for start, end in zip(keys, ends, strict=True)) <= 48


def test_a_gop_size_below_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="gop_size"):
        Mp4Writer(tmp_path / "x.mp4", 64, 48, gop_size=0)
    assert list(tmp_path.iterdir()) == []
