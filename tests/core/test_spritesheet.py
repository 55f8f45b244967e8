"""Spritesheet geometry and the hover-scrub mapping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_studio.core.spritesheet import (
    SpritesheetLayout,
    frame_index_at,
    frame_time_ms,
    infer_layout,
    layout_for_video,
)


@pytest.mark.parametrize(
    ("video", "tile", "sheet"),
    [
        ((1280, 720), (256, 144), (1280, 720)),
        ((720, 1280), (144, 256), (720, 1280)),
        ((1920, 1080), (256, 144), (1280, 720)),
        ((1792, 1024), (256, 146), (1280, 730)),  # 146.3 rounds to the even 146
        ((1024, 1792), (146, 256), (730, 1280)),
        ((500, 500), (256, 256), (1280, 1280)),
        ((4000, 10), (256, 2), (1280, 10)),  # never thinner than 2 px
    ],
)
def test_documented_layout(
    video: tuple[int, int], tile: tuple[int, int], sheet: tuple[int, int]
) -> None:
    layout = layout_for_video(*video)
    assert (layout.columns, layout.rows) == (5, 5)
    assert (layout.tile_width, layout.tile_height) == tile
    assert layout.sheet_size == sheet
    assert layout.frame_count == 25


def test_short_side_is_always_even() -> None:
    for height in range(100, 2000, 7):
        layout = layout_for_video(1280, height)
        assert max(layout.tile_width, layout.tile_height) == 256
        assert min(layout.tile_width, layout.tile_height) % 2 == 0


def test_frame_rects_are_row_major_and_tile_the_sheet() -> None:
    layout = layout_for_video(1280, 720)
    assert layout.frame_rect(0) == (0, 0, 256, 144)
    assert layout.frame_rect(4) == (1024, 0, 256, 144)
    assert layout.frame_rect(5) == (0, 144, 256, 144)
    assert layout.frame_rect(24) == (1024, 576, 256, 144)
    covered = {(x, y) for x, y, _, _ in (layout.frame_rect(i) for i in range(25))}
    assert len(covered) == 25
    for bad in (-1, 25):
        with pytest.raises(IndexError):
            layout.frame_rect(bad)


def test_other_grids_and_bad_input() -> None:
    assert layout_for_video(1280, 720, grid=10).frame_count == 100
    with pytest.raises(ValueError):
        layout_for_video(0, 720)
    with pytest.raises(ValueError):
        layout_for_video(1280, 720, grid=0)
    with pytest.raises(ValueError):
        SpritesheetLayout(0, 5, 10, 10)


def test_infer_layout_recognises_our_sheets() -> None:
    for video in ((1280, 720), (720, 1280), (1792, 1024), (1920, 1080)):
        layout = layout_for_video(*video)
        assert infer_layout(*layout.sheet_size, *video) == layout


def test_infer_layout_other_grids() -> None:
    # 1600x900 could be 5x5 tiles of 320x180 or 10x10 of 160x90: the smallest grid wins.
    assert infer_layout(1600, 900, 1280, 720) == SpritesheetLayout(5, 5, 320, 180)
    # 7x7 of 128x72: 896x504 is not divisible by 5 or 6.
    assert infer_layout(896, 504, 1280, 720) == SpritesheetLayout(7, 7, 128, 72)


def test_infer_layout_none_when_nothing_fits() -> None:
    assert infer_layout(1000, 1000, 1280, 720) is None  # square tiles, wide video
    assert infer_layout(1283, 727, 1280, 720) is None  # prime-ish sizes
    assert infer_layout(0, 720, 1280, 720) is None
    assert infer_layout(1280, 720, 0, 720) is None


def test_hover_mapping_edges() -> None:
    assert frame_index_at(-5, 200, 25) == 0
    assert frame_index_at(0, 200, 25) == 0
    assert frame_index_at(7.99, 200, 25) == 0
    assert frame_index_at(8, 200, 25) == 1
    assert frame_index_at(199.9, 200, 25) == 24
    assert frame_index_at(200, 200, 25) == 24
    assert frame_index_at(10_000, 200, 25) == 24
    assert frame_index_at(float("nan"), 200, 25) == 0
    assert frame_index_at(50, 0, 25) == 0
    assert frame_index_at(50, 200, 1) == 0
    with pytest.raises(ValueError):
        frame_index_at(50, 200, 0)


def test_every_frame_is_reachable() -> None:
    width, count = 257.0, 25
    seen = {frame_index_at(x / 10, width, count) for x in range(0, 2570)}
    assert seen == set(range(count))


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0.5, 5000),
    st.integers(1, 400),
)
def test_hover_is_monotonic_and_in_range(a: float, b: float, width: float, count: int) -> None:
    lo, hi = sorted((a, b))
    i, j = frame_index_at(lo, width, count), frame_index_at(hi, width, count)
    assert 0 <= i <= j <= count - 1


@given(st.floats(0, 1, exclude_max=True), st.floats(1, 5000), st.integers(1, 400))
def test_hover_matches_proportion(fraction: float, width: float, count: int) -> None:
    index = frame_index_at(fraction * width, width, count)
    assert abs(index - fraction * count) <= 1


def test_frame_times_are_slice_middles() -> None:
    assert frame_time_ms(0, 25, 10_000) == 200
    assert frame_time_ms(24, 25, 10_000) == 9800
    assert frame_time_ms(12, 25, 10_000) == 5000
    assert frame_time_ms(0, 1, 8_000) == 4000
    for bad in ((-1, 25, 1000), (25, 25, 1000), (0, 0, 1000), (0, 25, -1)):
        with pytest.raises(ValueError):
            frame_time_ms(*bad)


@given(st.integers(1, 400), st.integers(0, 10_000_000))
def test_frame_times_increase_and_stay_inside(count: int, duration: int) -> None:
    times = [frame_time_ms(i, count, duration) for i in range(0, count, max(1, count // 20))]
    assert times == sorted(times)
    assert all(0 <= t <= duration for t in times)
