"""The emulator's renderer and picture generator: real clips, checked by decoding them."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sora_studio.core.spritesheet import layout_for_video
from sora_studio.emulator.look import look_for
from sora_studio.emulator.overlays import Timecode
from sora_studio.emulator.procedural import Scene, chord_for
from sora_studio.emulator.renderer import RenderCancelled, RenderSpec, render_video
from sora_studio.emulator.yuv import Planes
from sora_studio.media.frames import extract_frame, sprite_times
from sora_studio.media.probe import probe_video, verify_video

W, H = 320, 180


def rgb(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def spec(prompt: str, seconds: int = 1, **kwargs: object) -> RenderSpec:
    return RenderSpec(
        video_id="video_test", prompt=prompt, width=W, height=H, seconds=seconds, **kwargs
    )  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s clip to remix, edit and extend."""
    out = tmp_path_factory.mktemp("source")
    return render_video(spec("a blue ocean with slow waves", seconds=2), out).video


def test_hd_render_is_exact_h264_aac_with_previews(tmp_path: Path) -> None:
    files = render_video(
        RenderSpec("video_hd", "A red fox in a neon city, pan", 1280, 720, 4), tmp_path
    )
    info = verify_video(files.video, width=1280, height=720, duration_s=4.0, tolerance_s=1 / 24)
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", "aac", "yuv420p")
    assert info.frame_count == 96 and files.duration_s == 4.0
    with Image.open(files.thumbnail) as thumb:
        assert thumb.format == "WEBP" and thumb.size == (512, 288)
    with Image.open(files.spritesheet) as sheet:
        assert sheet.format == "JPEG" and sheet.size == (1280, 720)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "spritesheet.jpg",
        "thumbnail.webp",
        "video.mp4",
    ]


def test_spritesheet_tiles_match_the_frames_at_documented_times(tmp_path: Path) -> None:
    files = render_video(spec("orbiting golden shapes, fast orbit", seconds=2), tmp_path)
    layout = layout_for_video(W, H)
    times = sprite_times(layout, 2.0)
    tile_size = (layout.tile_width, layout.tile_height)
    with Image.open(files.spritesheet) as sheet:
        assert sheet.size == layout.sheet_size
        for index in (0, 7, 12, 24):
            x, y, w, h = layout.frame_rect(index)
            tile = rgb(sheet.crop((x, y, x + w, y + h)))
            expected = rgb(extract_frame(files.video, times[index]).resize(tile_size))
            other_time = times[(index + 12) % 25]
            other = rgb(extract_frame(files.video, other_time).resize(tile_size))
            # Frames of a fast orbit differ; the tile must be the frame at its own time.
            assert np.abs(tile - expected).mean() < 6, index
            assert np.abs(tile - other).mean() > np.abs(tile - expected).mean() + 2, index


def test_same_prompt_same_picture_different_prompt_different_colours(tmp_path: Path) -> None:
    red = render_video(spec("a red sunset over fire"), tmp_path / "a").video
    again = render_video(spec("a red sunset over fire"), tmp_path / "b").video
    blue = render_video(spec("a blue ocean at night"), tmp_path / "c").video
    red_f, again_f, blue_f = (rgb(extract_frame(p, 0.5)) for p in (red, again, blue))
    assert np.abs(red_f - again_f).max() == 0
    red_mean, blue_mean = red_f.mean(axis=(0, 1)), blue_f.mean(axis=(0, 1))
    assert red_mean[0] > red_mean[2] + 30
    assert blue_mean[2] > blue_mean[0] + 30


def test_prompt_words_steer_the_look() -> None:
    assert look_for("slow pan across a valley").motion == "pan"
    assert look_for("slow pan across a valley").speed == 0.5
    assert look_for("camera orbits the statue, fast").motion == "orbit"
    assert look_for("camera orbits the statue, fast").speed == 2.0
    assert look_for("zoom into the eye").motion == "zoom"
    assert look_for("a cat").motion == "drift"
    assert look_for("A cat. Then a dog.").subject == "A cat"
    left, right = chord_for("a cat", 1.0).T, chord_for("a dog", 1.0).T
    assert chord_for("a cat", 1.0).shape == (48_000, 2)
    assert 0 < np.abs(left).max() <= 0.25
    assert not np.allclose(left, right)


def test_reference_image_is_the_first_frame(tmp_path: Path) -> None:
    ref = tmp_path / "ref.png"
    pattern = np.zeros((H, W, 3), dtype=np.uint8)
    pattern[:, : W // 2] = (230, 200, 40)
    pattern[H // 2 :, W // 2 :] = (30, 60, 200)
    Image.fromarray(pattern).save(ref)
    files = render_video(spec("a green forest", seconds=2, reference_image=ref), tmp_path / "out")
    first = rgb(extract_frame(files.video, 0.0))
    assert np.abs(first - pattern.astype(np.float32)).mean() < 6
    later = rgb(extract_frame(files.video, 1.5))
    assert np.abs(later - pattern.astype(np.float32)).mean() > 30


def test_reference_image_of_another_size_is_fitted(tmp_path: Path) -> None:
    ref = tmp_path / "big.png"
    Image.new("RGB", (640, 640), (250, 250, 250)).save(ref)
    files = render_video(spec("a black cat", reference_image=ref), tmp_path / "out")
    assert rgb(extract_frame(files.video, 0.0)).mean() > 240


def test_extend_appends_to_the_source(source: Path, tmp_path: Path) -> None:
    files = render_video(
        spec("the wave turns red", seconds=1, mode="extend", source_video=source), tmp_path
    )
    info = verify_video(files.video, width=W, height=H, duration_s=3.0, tolerance_s=1 / 24)
    assert info.has_audio and files.duration_s == 3.0
    with av.open(str(files.video)) as container:
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert float(audio.duration * audio.time_base) == pytest.approx(3.0, abs=1 / 24)
    for t in (0.0, 1.0, 1.9):
        assert np.abs(rgb(extract_frame(files.video, t)) - rgb(extract_frame(source, t))).mean() < 4
    assert (
        np.abs(rgb(extract_frame(files.video, 2.9)) - rgb(extract_frame(source, 1.9))).mean() > 10
    )


def test_an_extension_timecode_carries_on_from_the_source() -> None:
    assert Timecode.text(72, 24) == "00:03.00 F0072"
    extension = Scene("waves", W, H, 24, first_frame=48)
    whole = Scene("waves", W, H, 72)
    m, tc = whole.text_margin, whole.timecode
    box = (slice(m, m + tc.cell_h), slice(W - m - tc.width(72, 24), W - m))
    frames = [Planes.allocate(W, H) for _ in range(3)]
    extension.draw(0, frames[0])
    whole.draw(48, frames[1])
    whole.draw(0, frames[2])
    assert np.array_equal(frames[0].y[box], frames[1].y[box])
    assert not np.array_equal(frames[0].y[box], frames[2].y[box])


@pytest.mark.parametrize("mode", ["remix", "edit"])
def test_remix_and_edit_are_derived_from_the_source(
    source: Path, tmp_path: Path, mode: str
) -> None:
    unrelated = rgb(extract_frame(render_video(spec("red desert fire"), tmp_path / "u").video, 0.5))
    files = render_video(spec("red desert fire", mode=mode, source_video=source), tmp_path / mode)
    assert probe_video(files.video).duration_s == pytest.approx(1.0)
    derived = rgb(extract_frame(files.video, 0.5))
    original = rgb(extract_frame(source, 0.5))
    assert np.abs(derived - original).mean() > 5  # visibly changed...
    assert np.abs(derived - original).mean() < np.abs(unrelated - original).mean()  # ...but related


def test_characters_appear_as_badges(source: Path, tmp_path: Path) -> None:
    plain = render_video(spec("a quiet street"), tmp_path / "plain").video
    cast = render_video(
        spec("a quiet street", character_names=("Mira", "Bo"), character_clips=(source,)),
        tmp_path / "cast",
    ).video
    assert np.abs(rgb(extract_frame(plain, 0.5)) - rgb(extract_frame(cast, 0.5))).mean() > 1


def test_progress_is_monotonic_and_ends_at_one(tmp_path: Path) -> None:
    seen: list[float] = []
    render_video(spec("a lighthouse", seconds=2), tmp_path, progress=seen.append)
    assert len(seen) > 10
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0.0 < seen[0] < 0.1


def test_cancel_stops_the_render_and_leaves_nothing(tmp_path: Path) -> None:
    calls = 0

    def should_cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    seen: list[float] = []
    with pytest.raises(RenderCancelled):
        render_video(
            spec("a lighthouse", seconds=4),
            tmp_path,
            progress=seen.append,
            should_cancel=should_cancel,
        )
    assert seen and seen[-1] < 0.2
    assert list(tmp_path.iterdir()) == []


def test_bad_spec_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a source_video"):
        render_video(spec("x", mode="remix"), tmp_path)
    with pytest.raises(ValueError, match="mode must be one of"):
        render_video(spec("x", mode="dance"), tmp_path)
    with pytest.raises(ValueError, match="multiples of 4"):
        render_video(RenderSpec("v", "x", 322, 180, 1), tmp_path)


def test_a_timecode_strip_matches_pasting_glyph_by_glyph() -> None:
    timecode = Timecode(18)
    text = Timecode.text(1234, 24)
    by_glyph, by_strip = Planes.allocate(W, H), Planes.allocate(W, H)
    for planes in (by_glyph, by_strip):
        planes.packed[:] = 77
    for i, char in enumerate(text):
        timecode.glyphs[char].paste(by_glyph, 10 + i * timecode.cell_w, 6)
    timecode.paste(by_strip, 1234, 24, 10, 6)
    assert np.array_equal(by_glyph.packed, by_strip.packed)
    assert not np.all(by_strip.packed == 77)  # something was drawn
