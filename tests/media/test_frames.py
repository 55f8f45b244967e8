"""Frames, thumbnails and spritesheets taken from MP4 files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.spritesheet import layout_for_video
from sora_studio.media.frames import (
    extract_frame,
    frame_at_time,
    make_spritesheet,
    make_thumbnail,
    sprite_times,
)
from sora_studio.media.probe import MediaError

FPS = 24


def grey(image: Image.Image) -> float:
    return float(np.asarray(image.convert("L"), dtype=np.float32).mean())


@pytest.mark.parametrize(
    ("size", "tile"),
    [
        ((1280, 720), (256, 144)),
        ((720, 1280), (144, 256)),
        ((1792, 1024), (256, 146)),
        ((1024, 1792), (146, 256)),
        ((1920, 1080), (256, 144)),
        ((320, 180), (256, 144)),
    ],
)
def test_spritesheet_layout_and_times_follow_the_documented_rule(
    size: tuple[int, int], tile: tuple[int, int]
) -> None:
    layout = layout_for_video(*size)
    assert (layout.tile_width, layout.tile_height) == tile
    assert layout.sheet_size == (5 * tile[0], 5 * tile[1])
    times = sprite_times(layout, 10.0)
    assert len(times) == 25
    assert times[0] == pytest.approx(0.2)
    assert times[24] == pytest.approx(9.8)


def test_frame_at_time_uses_the_frame_on_screen() -> None:
    assert frame_at_time(0.0, 24, 48) == 0
    assert frame_at_time(1 / 24 - 1e-3, 24, 48) == 0
    assert frame_at_time(1 / 24, 24, 48) == 1
    assert frame_at_time(99.0, 24, 48) == 47


@pytest.mark.parametrize("time_s", [0.0, 0.5, 1.0 + 1 / 48, 1.3, 1.99])
def test_extract_frame_is_accurate_to_the_frame(
    counting_clip: Path, frame_level: Callable[[int], int], time_s: float
) -> None:
    frame = extract_frame(counting_clip, time_s)
    assert frame.size == (320, 180)
    expected = frame_level(frame_at_time(time_s, FPS, 48))
    assert abs(grey(frame) - expected) < 3


def test_thumbnail_is_a_small_webp(counting_clip: Path, tmp_path: Path) -> None:
    out = make_thumbnail(counting_clip, tmp_path / "thumb.webp", max_side=160)
    with Image.open(out) as img:
        assert img.format == "WEBP"
        assert img.size == (160, 90)
    assert [p.name for p in tmp_path.iterdir()] == ["thumb.webp"]


def test_spritesheet_tiles_show_the_frames_at_the_documented_times(
    counting_clip: Path, frame_level: Callable[[int], int], tmp_path: Path
) -> None:
    out = make_spritesheet(counting_clip, tmp_path / "sheet.jpg")
    layout = layout_for_video(320, 180)
    with Image.open(out) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == layout.sheet_size == (1280, 720)
        for index, t in enumerate(sprite_times(layout, 2.0)):
            x, y, w, h = layout.frame_rect(index)
            tile = sheet.crop((x, y, x + w, y + h))
            assert abs(grey(tile) - frame_level(frame_at_time(t, FPS, 48))) < 4, index


def test_frames_from_a_non_video_raise(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaError):
        extract_frame(bad, 0.0)
    with pytest.raises(MediaError):
        make_spritesheet(bad, tmp_path / "sheet.jpg")
