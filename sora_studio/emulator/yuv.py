"""yuv420p pictures for the emulator's renders: packed planes, sprites pasted with masks, blends.

Everything is drawn straight into yuv420p planes (what H.264 encodes), because converting each RGB
frame costs more than encoding it. A ``Sprite`` is a small picture converted once, with its
coverage masks; a frame is then a few slice copies and masked pastes, with no per-pixel Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]


def rgb_to_yuv(rgb: NDArray[np.floating] | U8) -> tuple[F32, F32, F32]:
    """Full-resolution BT.601 limited-range Y, U, V (the matrix swscale assumes for SD/HD here)."""
    f = rgb.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b
    return y, u, v


def half(plane: F32, weight: F32 | None = None) -> F32:
    """2x2 average (weighted by coverage where a mask is given)."""
    h, w = plane.shape
    if weight is None:
        mean: F32 = plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3), dtype=np.float32)
        return mean
    num = (plane * weight).reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3))
    den = weight.reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3))
    # Where nothing is covered the chroma is never shown; neutral grey keeps it harmless.
    return np.where(den > 0, num / np.maximum(den, 1e-6), 128.0).astype(np.float32)


def as_u8(plane: NDArray[np.floating]) -> U8:
    out: U8 = np.clip(np.rint(plane), 0, 255).astype(np.uint8)
    return out


@dataclass(frozen=True)
class Planes:
    """Views of the Y, U and V planes inside one packed yuv420p buffer."""

    packed: U8
    y: U8
    u: U8
    v: U8

    @classmethod
    def allocate(cls, width: int, height: int) -> Planes:
        return cls.wrap(np.empty((height * 3 // 2, width), dtype=np.uint8), width, height)

    @classmethod
    def wrap(cls, packed: U8, width: int, height: int) -> Planes:
        flat = packed.reshape(-1)
        area, quarter = width * height, width * height // 4
        return cls(
            packed=packed,
            y=flat[:area].reshape(height, width),
            u=flat[area : area + quarter].reshape(height // 2, width // 2),
            v=flat[area + quarter : area + 2 * quarter].reshape(height // 2, width // 2),
        )


def rgb_to_planes(rgb: U8) -> Planes:
    """Convert an RGB image (even width and height) to packed yuv420p."""
    height, width = rgb.shape[:2]
    y, u, v = rgb_to_yuv(rgb)
    planes = Planes.allocate(width, height)
    planes.y[:] = as_u8(y)
    planes.u[:] = as_u8(half(u))
    planes.v[:] = as_u8(half(v))
    return planes


@dataclass(frozen=True)
class Sprite:
    """A small picture in yuv420p with its coverage masks, pasted at even coordinates."""

    y: U8
    u: U8
    v: U8
    mask: NDArray[np.bool_] | None  # None: fully opaque (a plain slice copy)
    mask_uv: NDArray[np.bool_] | None

    @property
    def width(self) -> int:
        return int(self.y.shape[1])

    @property
    def height(self) -> int:
        return int(self.y.shape[0])

    @classmethod
    def from_image(cls, image: Image.Image, *, opaque: bool = False) -> Sprite:
        rgba = image.convert("RGBA")
        w, h = rgba.size
        if w % 2 or h % 2:
            padded = Image.new("RGBA", (w + w % 2, h + h % 2), (0, 0, 0, 0))
            padded.paste(rgba, (0, 0))
            rgba = padded
        arr = np.asarray(rgba)
        y, u, v = rgb_to_yuv(arr[..., :3])
        if opaque:
            return cls(as_u8(y), as_u8(half(u)), as_u8(half(v)), None, None)
        alpha = (arr[..., 3] >= 128).astype(np.float32)
        mask_uv = half(alpha) >= 0.5
        return cls(
            as_u8(y),
            as_u8(half(u, alpha)),
            as_u8(half(v, alpha)),
            alpha.astype(bool),
            mask_uv,
        )

    def paste(self, target: Planes, x: int, y: int) -> None:
        """Draw at ``(x, y)`` (rounded down to even), clipped to the frame."""
        x, y = x & ~1, y & ~1
        self._paste_plane(target.y, self.y, self.mask, x, y)
        self._paste_plane(target.u, self.u, self.mask_uv, x // 2, y // 2)
        self._paste_plane(target.v, self.v, self.mask_uv, x // 2, y // 2)

    @staticmethod
    def _paste_plane(plane: U8, patch: U8, mask: NDArray[np.bool_] | None, x: int, y: int) -> None:
        ph, pw = patch.shape
        fh, fw = plane.shape
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, fw), min(y + ph, fh)
        if x0 >= x1 or y0 >= y1:
            return
        src = patch[y0 - y : y1 - y, x0 - x : x1 - x]
        if mask is None:
            plane[y0:y1, x0:x1] = src
        else:
            np.copyto(plane[y0:y1, x0:x1], src, where=mask[y0 - y : y1 - y, x0 - x : x1 - x])


def blend(a: Planes, b: Planes, weight_b: float, out: Planes) -> None:
    """``out = a * (1 - weight_b) + b * weight_b`` in integer arithmetic (for cross-fades)."""
    w = round(min(max(weight_b, 0.0), 1.0) * 256)
    mixed = a.packed.astype(np.uint16) * (256 - w)
    mixed += b.packed.astype(np.uint16) * w
    np.right_shift(mixed, 8, out=mixed)
    out.packed[:] = mixed
