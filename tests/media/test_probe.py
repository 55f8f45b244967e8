"""probe_* and verify_*: real facts from real files, MediaError for anything else."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sora_studio.core.errors import UserError
from sora_studio.emulator.renderer import RenderSpec, render_video
from sora_studio.media.probe import (
    MediaError,
    check_complete,
    probe_image,
    probe_video,
    refusing_damage,
    verify_image,
    verify_video,
)
from tests.media_factory import remux_moov_at_end, write_clip


def test_garbage_is_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not an mp4" * 100)
    with pytest.raises(MediaError, match="not a video file"):
        probe_video(bad)
    assert issubclass(MediaError, UserError)


def test_an_image_is_not_a_video(tmp_path: Path) -> None:
    png = tmp_path / "still.png"
    Image.new("RGB", (32, 32), "red").save(png)
    with pytest.raises(MediaError, match="not a video file"):
        verify_video(png, width=32, height=32, duration_s=1)


def test_verify_accepts_a_matching_clip(counting_clip: Path) -> None:
    info = verify_video(counting_clip, width=320, height=180, duration_s=2.0)
    assert info.has_audio


def test_verify_names_each_difference(counting_clip: Path) -> None:
    with pytest.raises(MediaError, match=r"size is 320x180, expected 1280x720.*duration is 2.00 s"):
        verify_video(counting_clip, width=1280, height=720, duration_s=8.0)


def test_verify_catches_a_truncated_download(counting_clip: Path, tmp_path: Path) -> None:
    data = counting_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])  # faststart: header intact, frames missing
    with pytest.raises(MediaError):
        verify_video(cut, width=320, height=180, duration_s=2.0)


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_probe_image_reports_the_real_format(tmp_path: Path, fmt: str, name: str) -> None:
    path = tmp_path / "picture.bin"  # the extension lies; the content decides
    Image.new("RGB", (40, 30), "blue").save(path, format=fmt)
    info = probe_image(path)
    assert (info.format, info.width, info.height, info.path) == (name, 40, 30, str(path))
    assert verify_image(path) == (40, 30)


def test_unreadable_and_truncated_images(tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"nope")
    with pytest.raises(MediaError, match="not an image file"):
        probe_image(junk)
    full = tmp_path / "full.png"
    Image.effect_noise((200, 200), 50).save(full)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(full.read_bytes()[:2000])
    with pytest.raises(MediaError, match="unreadable or truncated"):
        verify_image(truncated)


def _write_gop_clip(
    path: Path, *, frames: int, gop: int, width: int = 320, height: int = 180
) -> Path:
    """A smooth moving gradient with a keyframe every ``gop`` frames (no scene cuts)."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(gop), "sc_threshold": "0"}
        ramp = np.linspace(0, 200, width, dtype=np.float32)[None, :, None]
        for index in range(frames):
            rgb = np.broadcast_to(ramp + index, (height, width, 3)).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("gop", [12, 250])  # a short final GOP (decoded whole) and one long GOP
def test_verify_accepts_clips_with_short_and_long_gops(tmp_path: Path, gop: int) -> None:
    clip = _write_gop_clip(tmp_path / f"gop{gop}.mp4", frames=72, gop=gop)
    info = verify_video(clip, width=320, height=180, duration_s=3.0)
    assert (info.width, info.height, info.has_audio) == (320, 180, False)


@pytest.mark.parametrize("gop", [12, 250])
def test_verify_catches_a_download_missing_its_last_frames(tmp_path: Path, gop: int) -> None:
    data = _write_gop_clip(tmp_path / "whole.mp4", frames=72, gop=gop).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) - len(data) // 10])  # the header survives; the tail is gone
    with pytest.raises(MediaError, match="download it again"):
        verify_video(cut, width=320, height=180, duration_s=3.0)


# --- check_complete: a file cut short is refused, however sound its headers look -------------


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One clip with sound as the encoder writes it (index first) and remuxed (index last)."""
    folder = tmp_path_factory.mktemp("layouts")
    fast = write_clip(folder / "fast.mp4", frames=12, width=160, height=90)
    return {"faststart": fast, "moov-at-end": remux_moov_at_end(fast, folder / "late.mp4")}


def test_complete_files_pass_in_both_layouts_and_from_the_renderer(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    for clip in layouts.values():
        check_complete(clip)
    spec = RenderSpec(video_id="video_1", prompt="a red kite", width=160, height=96, seconds=1)
    check_complete(render_video(spec, tmp_path / "render").video)
    check_complete(_write_gop_clip(tmp_path / "gop.mp4", frames=30, gop=12))


@pytest.mark.parametrize("layout", ["faststart", "moov-at-end"])
@pytest.mark.parametrize("kept", [0.05, 0.5, 0.9, 0.999])
def test_a_file_cut_short_is_refused(
    layouts: dict[str, Path], tmp_path: Path, layout: str, kept: float
) -> None:
    data = layouts[layout].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * kept)])
    with pytest.raises(MediaError):
        probe_video(cut)  # refused here when the cut took the index...
        check_complete(cut)  # ...or here when it took media the index promises


def test_an_index_that_lost_its_audio_track_is_refused(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    """FFmpeg reads a cut ``moov`` as far as it goes: the video probes whole, without sound."""
    data = layouts["moov-at-end"].read_bytes()
    second_track = data.rindex(b"trak") - 4  # the audio's box starts with its size
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:second_track])
    assert not probe_video(cut).has_audio  # what FFmpeg alone would accept
    with pytest.raises(MediaError, match="'moov' box runs past the end"):
        check_complete(cut)


def test_the_8_kb_prefix_of_a_moov_last_file_is_refused_in_one_line(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    prefix = tmp_path / "prefix.mp4"
    prefix.write_bytes(layouts["moov-at-end"].read_bytes()[:8192])
    with pytest.raises(MediaError, match="not a video file") as refused:
        probe_video(prefix)
    assert "\n" not in str(refused.value)


def test_an_animated_gif_named_mp4_is_an_image(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (32, 18), color) for color in ("red", "green", "blue")]
    gif = tmp_path / "anim.mp4"
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(MediaError, match=r"is an image \(gif\)"):
        probe_video(gif)


def test_unexpected_pyav_failures_become_refusals() -> None:
    with (
        pytest.raises(MediaError, match="could not be read") as refused,
        refusing_damage("video x.mp4 could not be read", "; check it"),
    ):
        raise AttributeError("'NoneType' object has no attribute 'width'")
    assert str(refused.value).endswith("'width'); check it")
