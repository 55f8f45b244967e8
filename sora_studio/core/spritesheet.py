"""Spritesheet frame geometry, shared by the emulator (draws sheets) and the desk (hover scrub).

The provider does not document its spritesheet layout, so Sora Studio defines one and can also
recognise other square grids.

Layout
------
* A square ``N x N`` grid (``N = 5`` by default, so 25 frames) of equally sized tiles, no gaps or
  borders; the sheet is ``N * tile_width`` by ``N * tile_height`` pixels.
* Each tile is the video's aspect ratio scaled so its **long side is 256 px**; the short side is
  rounded to an even number of pixels (at least 2). A 1280x720 video gives 256x144 tiles and a
  1280x720 sheet; a 720x1280 video gives 144x256 tiles and a 720x1280 sheet.
* Frames are row-major: frame ``i`` sits at column ``i % N``, row ``i // N``.
* Frame ``i`` of ``F = N * N`` shows the video at time ``(i + 0.5) * duration / F``: the middle
  of the ``i``-th of ``F`` equal slices, so the first and last frames are never black fades.

Hover scrubbing maps a cursor's ``x`` across a grid cell to a frame with :func:`frame_index_at`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_GRID = 5
DEFAULT_LONG_SIDE = 256
INFER_GRIDS = range(5, 13)
INFER_ASPECT_TOLERANCE = 0.02


@dataclass(frozen=True, slots=True)
class SpritesheetLayout:
    """A grid of ``columns x rows`` tiles of ``tile_width x tile_height`` pixels."""

    columns: int
    rows: int
    tile_width: int
    tile_height: int

    def __post_init__(self) -> None:
        if min(self.columns, self.rows, self.tile_width, self.tile_height) < 1:
            raise ValueError(f"spritesheet layout needs positive sizes, got {self}")

    @property
    def frame_count(self) -> int:
        return self.columns * self.rows

    @property
    def sheet_size(self) -> tuple[int, int]:
        """``(width, height)`` of the whole sheet in pixels."""
        return self.columns * self.tile_width, self.rows * self.tile_height

    def frame_rect(self, index: int) -> tuple[int, int, int, int]:
        """``(x, y, width, height)`` of frame ``index`` in the sheet; ``IndexError`` outside."""
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        row, column = divmod(index, self.columns)
        return column * self.tile_width, row * self.tile_height, self.tile_width, self.tile_height


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def layout_for_video(
    width: int, height: int, grid: int = DEFAULT_GRID, long_side: int = DEFAULT_LONG_SIDE
) -> SpritesheetLayout:
    """The documented layout for a ``width x height`` video."""
    if width < 1 or height < 1:
        raise ValueError(f"video size must be positive, got {width}x{height}")
    if grid < 1 or long_side < 2:
        raise ValueError(
            f"grid must be at least 1 and long side at least 2 px, got {grid}, {long_side}"
        )
    if width >= height:
        tile = (long_side, _even(long_side * height / width))
    else:
        tile = (_even(long_side * width / height), long_side)
    return SpritesheetLayout(grid, grid, *tile)


def infer_layout(
    sheet_width: int, sheet_height: int, video_width: int, video_height: int
) -> SpritesheetLayout | None:
    """The square grid a downloaded sheet most likely uses, or None when none fits.

    Tries ``N`` from 5 to 12 and takes the smallest whose whole-pixel tiles have the video's
    aspect ratio within 2 %.
    """
    if min(sheet_width, sheet_height, video_width, video_height) < 1:
        return None
    video_aspect = video_width / video_height
    for n in INFER_GRIDS:
        if sheet_width % n or sheet_height % n:
            continue
        tile_w, tile_h = sheet_width // n, sheet_height // n
        if abs(tile_w / tile_h - video_aspect) / video_aspect <= INFER_ASPECT_TOLERANCE:
            return SpritesheetLayout(n, n, tile_w, tile_h)
    return None


def frame_index_at(x: float, cell_width: float, frame_count: int) -> int:
    """The frame to show when the cursor is ``x`` pixels into a cell ``cell_width`` wide.

    The cell is cut into ``frame_count`` equal strips, left to right; anything left of the cell
    gives 0 and anything at or past its right edge gives the last frame.
    """
    if frame_count < 1:
        raise ValueError(f"frame_count must be at least 1, got {frame_count}")
    if not (cell_width > 0 and math.isfinite(cell_width)) or not x > 0:  # also catches NaN
        return 0
    if x >= cell_width:
        return frame_count - 1
    return min(frame_count - 1, int(x * frame_count / cell_width))


def frame_time_ms(index: int, frame_count: int, duration_ms: int) -> int:
    """When frame ``index`` of ``frame_count`` is taken: the middle of its slice, in whole ms."""
    if frame_count < 1:
        raise ValueError(f"frame_count must be at least 1, got {frame_count}")
    if not 0 <= index < frame_count:
        raise ValueError(f"frame {index} is outside 0..{frame_count - 1}")
    if duration_ms < 0:
        raise ValueError(f"duration cannot be negative, got {duration_ms} ms")
    # Integer arithmetic so the emulator and the desk agree to the millisecond.
    return (2 * index + 1) * duration_ms // (2 * frame_count)
