"""Deterministic pictures and sound from a prompt, for the emulator's fake renders.

The same prompt always gives the same clip; different prompts look clearly different:

* palette: colour words ("red", "sunset", "ocean", "neon", ...) pick the hues; otherwise a hash of
  the prompt's words does;
* motion: "pan", "zoom", "orbit", "dolly" pick how the background and shapes move; "slow" and
  "fast" scale the speed;
* the subject (the prompt's first clause), a timecode and the frame number are burnt in;
* characters appear as labelled badges moving through the scene.

Everything is drawn straight into yuv420p planes (what H.264 encodes), because converting each RGB
frame costs more than encoding it. Expensive parts (background canvas, shapes, text) are prepared
once as small arrays; a frame is then a few slice copies and masked pastes, with no per-pixel
Python.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]
RGB = tuple[int, int, int]

# Hues (0..1) and a lightness/saturation feel for words that name colours or moods.
_COLOUR_WORDS: dict[str, tuple[tuple[float, ...], float, float]] = {
    "red": ((0.0, 0.98, 0.03), 0.45, 0.85),
    "crimson": ((0.97, 0.0), 0.35, 0.85),
    "orange": ((0.07, 0.09), 0.5, 0.9),
    "amber": ((0.1, 0.08), 0.5, 0.9),
    "gold": ((0.12, 0.13), 0.5, 0.8),
    "golden": ((0.12, 0.1), 0.5, 0.8),
    "yellow": ((0.15, 0.16), 0.55, 0.9),
    "green": ((0.33, 0.3), 0.4, 0.7),
    "forest": ((0.3, 0.25, 0.35), 0.3, 0.6),
    "jungle": ((0.32, 0.28), 0.3, 0.7),
    "teal": ((0.48, 0.5), 0.4, 0.7),
    "blue": ((0.6, 0.62), 0.45, 0.8),
    "ocean": ((0.55, 0.6, 0.5), 0.4, 0.75),
    "sea": ((0.55, 0.58), 0.45, 0.7),
    "sky": ((0.57, 0.55), 0.65, 0.7),
    "ice": ((0.53, 0.55), 0.8, 0.45),
    "snow": ((0.58, 0.6), 0.88, 0.2),
    "night": ((0.65, 0.7), 0.18, 0.6),
    "purple": ((0.78, 0.75), 0.4, 0.7),
    "violet": ((0.75, 0.77), 0.45, 0.7),
    "pink": ((0.92, 0.9), 0.7, 0.75),
    "sunset": ((0.05, 0.95, 0.8, 0.1), 0.5, 0.85),
    "sunrise": ((0.08, 0.12, 0.95), 0.6, 0.8),
    "fire": ((0.02, 0.06, 0.1), 0.45, 0.95),
    "desert": ((0.09, 0.11), 0.6, 0.5),
    "neon": ((0.85, 0.5, 0.3), 0.5, 1.0),
    "cyberpunk": ((0.85, 0.52), 0.45, 1.0),
    "noir": ((0.6,), 0.35, 0.0),
    "monochrome": ((0.0,), 0.5, 0.0),
}

_MOTION_WORDS = ("orbit", "zoom", "dolly", "pan")  # first match wins, in this order of strength
_SPEED_WORDS = {"slow": 0.5, "slowly": 0.5, "gentle": 0.6, "fast": 2.0, "quick": 1.7, "rapid": 2.0}


def _words(prompt: str) -> list[str]:
    return re.findall(r"[a-z]+", prompt.lower())


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass(frozen=True)
class Look:
    """What a prompt asks for, reduced to drawing parameters."""

    palette: tuple[RGB, ...]  # background top, bottom, three accents, a contrasting accent
    motion: str  # drift | pan | zoom | orbit | dolly
    speed: float
    subject: str
    seed: int


def look_for(prompt: str) -> Look:
    """Read palette, motion and subject from ``prompt`` (deterministic)."""
    words = _words(prompt)
    digest = _digest(" ".join(words))
    seed = int.from_bytes(digest[:8], "big")
    hues: list[float] = []
    light, sat = 0.45, 0.65
    named = [w for w in words if w in _COLOUR_WORDS]
    for word in named:
        word_hues, light, sat = _COLOUR_WORDS[word]
        hues.extend(word_hues)
    if not hues:
        hues = [digest[8] / 255, (digest[8] / 255 + 0.08 + digest[9] / 255 * 0.3) % 1.0]
        light, sat = 0.35 + digest[10] / 255 * 0.25, 0.45 + digest[11] / 255 * 0.45
    jitter = [(b / 255 - 0.5) * 0.04 for b in digest[12:17]]

    def colour(i: int, lightness: float) -> RGB:
        hue = (hues[i % len(hues)] + jitter[i]) % 1.0
        r, g, b = colorsys.hls_to_rgb(hue, min(max(lightness, 0.05), 0.95), sat)
        return round(r * 255), round(g * 255), round(b * 255)

    def contrast(rgb: RGB) -> RGB:
        # The complementary hue keeps some shapes visible on one-colour palettes ("golden").
        h, lum, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
        r, g, b = colorsys.hls_to_rgb((h + 0.5) % 1.0, lum, max(s, 0.5))
        return round(r * 255), round(g * 255), round(b * 255)

    palette = (
        colour(0, light * 0.55),
        colour(1, light * 1.1),
        colour(2, light + 0.2),
        colour(3, light + 0.3),
        colour(4, light + 0.1),
        contrast(colour(2, 0.6)),
    )
    motion = next((m for m in _MOTION_WORDS if m in words or m + "s" in words), "drift")
    speed = 1.0
    for word in words:
        speed = _SPEED_WORDS.get(word, speed)
    subject = re.split(r"[.;\n]", prompt.strip(), maxsplit=1)[0].strip() or "untitled"
    return Look(palette=palette, motion=motion, speed=speed, subject=subject, seed=seed)


# --- yuv420p helpers -------------------------------------------------------------------------


def rgb_to_yuv(rgb: NDArray[np.floating] | U8) -> tuple[F32, F32, F32]:
    """Full-resolution BT.601 limited-range Y, U, V (the matrix swscale assumes for SD/HD here)."""
    f = rgb.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b
    return y, u, v


def _half(plane: F32, weight: F32 | None = None) -> F32:
    """2x2 average (weighted by coverage where a mask is given)."""
    h, w = plane.shape
    if weight is None:
        mean: F32 = plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3), dtype=np.float32)
        return mean
    num = (plane * weight).reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3))
    den = weight.reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3))
    # Where nothing is covered the chroma is never shown; neutral grey keeps it harmless.
    return np.where(den > 0, num / np.maximum(den, 1e-6), 128.0).astype(np.float32)


def _u8(plane: NDArray[np.floating]) -> U8:
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
    planes.y[:] = _u8(y)
    planes.u[:] = _u8(_half(u))
    planes.v[:] = _u8(_half(v))
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
            return cls(_u8(y), _u8(_half(u)), _u8(_half(v)), None, None)
        alpha = (arr[..., 3] >= 128).astype(np.float32)
        mask_uv = _half(alpha) >= 0.5
        return cls(
            _u8(y),
            _u8(_half(u, alpha)),
            _u8(_half(v, alpha)),
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


# --- text ------------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit_text(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_px: int) -> str:
    if font.getlength(text) <= max_px:
        return text
    while text and font.getlength(text + "…") > max_px:
        text = text[:-1]
    return text.rstrip() + "…"


def label_sprite(text: str, size: int, max_px: int, fg: RGB = (255, 255, 255)) -> Sprite:
    """White text on a dark rounded box, so it reads on any background."""
    font = _font(size)
    text = _fit_text(text, font, max_px)
    pad = size // 2
    left, top, right, bottom = font.getbbox(text)
    w, h = int(right - left) + 2 * pad, int(bottom - top) + 2 * pad
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=pad, fill=(12, 12, 16, 255))
    draw.text((pad - left, pad - top), text, font=font, fill=(*fg, 255))
    return Sprite.from_image(img)


class Timecode:
    """Burns ``MM:SS.ff  F0000`` in fixed-width cells, pasting pre-rendered glyphs."""

    CHARS = "0123456789:. F"

    def __init__(self, size: int) -> None:
        font = _font(size)
        self.cell_w = 2 * math.ceil(max(font.getlength(c) for c in self.CHARS) / 2)
        self.cell_h = 2 * math.ceil(size * 1.3 / 2)
        self.glyphs: dict[str, Sprite] = {}
        for char in self.CHARS:
            img = Image.new("RGB", (self.cell_w, self.cell_h), (0, 0, 0))
            ImageDraw.Draw(img).text(
                (self.cell_w / 2, self.cell_h / 2),
                char,
                font=font,
                anchor="mm",
                fill=(255, 255, 255),
            )
            self.glyphs[char] = Sprite.from_image(img, opaque=True)
        # The glyphs stacked per plane, so a whole timecode is built with one gather per plane
        # rather than dozens of small pastes (fewer, shorter GIL-holding steps per frame).
        self._slot = {char: i for i, char in enumerate(self.CHARS)}
        self._table = tuple(
            np.stack([getattr(self.glyphs[c], plane) for c in self.CHARS]) for plane in "yuv"
        )

    @staticmethod
    def text(frame: int, fps: int) -> str:
        seconds, sub = divmod(frame, fps)
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes:02d}:{seconds:02d}.{sub:02d} F{frame:04d}"

    def width(self, frame_count: int, fps: int) -> int:
        return len(self.text(frame_count, fps)) * self.cell_w

    def strip(self, frame: int, fps: int) -> Sprite:
        """The timecode of ``frame`` as one opaque sprite (the glyph cells side by side)."""
        text = self.text(frame, fps)
        slots = np.fromiter((self._slot[c] for c in text), dtype=np.intp, count=len(text))

        def row(table: U8) -> U8:
            _, h, w = table.shape
            joined: U8 = table[slots].transpose(1, 0, 2).reshape(h, len(text) * w)
            return joined

        y, u, v = (row(table) for table in self._table)
        return Sprite(y, u, v, None, None)

    def paste(self, target: Planes, frame: int, fps: int, x: int, y: int) -> None:
        # Cells are an even number of pixels wide, so this equals pasting glyph by glyph.
        self.strip(frame, fps).paste(target, x, y)


# --- the scene -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    sprites: tuple[Sprite, ...]  # one per scale level
    fx: float  # home position as a fraction of the frame
    fy: float
    angle: float  # direction of travel / phase
    rate: float


def _background_rgb(look: Look, width: int, height: int, rng: np.random.Generator) -> U8:
    """A gradient with soft glows and diagonal bands; larger than the frame so it can move.

    Everything in it is smooth, so it is computed on a grid 4x coarser (16x fewer pixels) and
    scaled up: this is most of a scene's set-up time.
    """
    step = 4
    xs = np.arange(0, width + step, step, dtype=np.float32)[None, :]
    ys = np.arange(0, height + step, step, dtype=np.float32)[:, None]
    top, bottom = (np.array(c, dtype=np.float32) for c in look.palette[:2])
    yy = (ys / height)[..., None]
    img = np.broadcast_to(top * (1 - yy) + bottom * yy, (ys.size, xs.size, 3)).copy()
    phase = rng.uniform(0, 6)
    band = 0.5 + 0.5 * np.sin((xs * 0.7 + ys) * (2 * math.pi / (height * 0.35)) + phase)
    img += (band[..., None] * 0.18) * (np.array(look.palette[4], np.float32) - img)
    for colour in look.palette[2:5]:
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(0.15, 0.3) * height
        glow = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius * radius)))
        img += (glow[..., None] * 0.6) * (np.array(colour, np.float32) - img)
    coarse = Image.fromarray(_u8(img))
    # The coarse grid spans (xs.size - 1) * step >= width pixels; crop away the extra.
    scaled = coarse.resize(
        ((xs.size - 1) * step + 1, (ys.size - 1) * step + 1), Image.Resampling.BILINEAR
    )
    return np.asarray(scaled.crop((0, 0, width, height)))


def _shape_image(kind: int, diameter: int, colour: RGB) -> Image.Image:
    img = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    box = (0, 0, diameter - 1, diameter - 1)
    fill = (*colour, 255)
    if kind == 0:
        draw.ellipse(box, fill=fill)
    elif kind == 1:
        draw.ellipse(box, outline=fill, width=max(3, diameter // 8))
    else:
        draw.rounded_rectangle(box, radius=diameter // 5, fill=fill)
    return img


def badge_image(name: str, diameter: int, colour: RGB, picture: Image.Image | None) -> Image.Image:
    """A round badge (the character's picture, or its initial) with the name under it."""
    font = _font(max(10, diameter // 6))
    name = _fit_text(name, font, diameter * 2)
    text_w = int(font.getlength(name)) + diameter // 4
    text_h = max(12, diameter // 4)
    w = max(diameter, text_w)
    img = Image.new("RGBA", (w, diameter + text_h + 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    disc = Image.new("L", (diameter, diameter), 0)
    ImageDraw.Draw(disc).ellipse((0, 0, diameter - 1, diameter - 1), fill=255)
    left = (w - diameter) // 2
    if picture is not None:
        side = min(picture.size)
        crop = picture.crop(
            (
                (picture.width - side) // 2,
                (picture.height - side) // 2,
                (picture.width + side) // 2,
                (picture.height + side) // 2,
            )
        ).resize((diameter, diameter), Image.Resampling.BILINEAR)
        img.paste(crop.convert("RGBA"), (left, 0), disc)
    else:
        draw.ellipse((left, 0, left + diameter - 1, diameter - 1), fill=(*colour, 255))
        draw.text(
            (w / 2, diameter / 2),
            (name[:1] or "?").upper(),
            font=_font(diameter // 2),
            anchor="mm",
            fill=(255, 255, 255, 255),
        )
    draw.ellipse(
        (left, 0, left + diameter - 1, diameter - 1),
        outline=(255, 255, 255, 255),
        width=max(2, diameter // 30),
    )
    top = diameter + 4
    draw.rounded_rectangle(
        ((w - text_w) // 2, top, (w + text_w) // 2, top + text_h - 1),
        radius=text_h // 3,
        fill=(12, 12, 16, 255),
    )
    draw.text((w / 2, top + text_h / 2), name, font=font, anchor="mm", fill=(255, 255, 255, 255))
    return img


@dataclass(frozen=True)
class Character:
    """A character to show: its name and, when known, a picture taken from its clip."""

    name: str
    picture: Image.Image | None = None


class Scene:
    """Draws frame ``k`` of the prompt's picture into packed yuv420p buffers."""

    def __init__(
        self,
        prompt: str,
        width: int,
        height: int,
        frame_count: int,
        *,
        fps: int = 24,
        characters: Sequence[Character] = (),
        label: str | None = None,
        shapes: bool = True,
        first_frame: int = 0,
    ) -> None:
        if width % 4 or height % 4:
            raise ValueError(f"scene size must be a multiple of 4, got {width}x{height}")
        self.look = look_for(prompt)
        self.width, self.height, self.fps = width, height, fps
        self.frame_count = max(frame_count, 1)
        self.first_frame = first_frame  # an extension's timecode continues from its source
        rng = np.random.default_rng(self.look.seed)
        short = min(width, height)
        # Margins let the view move over a canvas bigger than the frame without resampling.
        self.margin_x = (width // 4) & ~3
        self.margin_y = (height // 4) & ~3
        self.canvas = rgb_to_planes(
            _background_rgb(self.look, width + 2 * self.margin_x, height + 2 * self.margin_y, rng)
        )
        self.tint = tuple(
            float(c)
            for c in (np.array(rgb_to_yuv(np.array([[self.look.palette[1]]], np.uint8)))[:, 0, 0])
        )
        scales = (
            (1.0,)
            if self.look.motion in ("drift", "pan", "orbit")
            else tuple(1.0 + 0.25 * i for i in range(7))
        )
        self.shapes: list[_Shape] = []
        for i in range(int(rng.integers(4, 7)) if shapes else 0):
            kind = int(rng.integers(0, 3))
            base = int(short * rng.uniform(0.06, 0.13))
            colour = self.look.palette[(2, 3, 5)[i % 3]]
            sprites = tuple(
                Sprite.from_image(_shape_image(kind, max(4, int(base * s)), colour)) for s in scales
            )
            self.shapes.append(
                _Shape(
                    sprites,
                    rng.uniform(0.1, 0.9),
                    rng.uniform(0.15, 0.85),
                    rng.uniform(0, 2 * math.pi),
                    rng.uniform(0.6, 1.4),
                )
            )
        badge_d = max(24, int(short * 0.18)) & ~1
        self.badges = [
            Sprite.from_image(badge_image(c.name, badge_d, self.look.palette[2 + i % 3], c.picture))
            for i, c in enumerate(characters)
        ]
        text_size = max(10, short // 26)
        margin = max(8, short // 40)
        self.text_margin = margin & ~1
        title = f"{label}: {self.look.subject}" if label else self.look.subject
        self.title = label_sprite(title, text_size, width - 2 * margin - text_size)
        self.timecode = Timecode(text_size)

    def _view_offset(self, u: float) -> tuple[int, int]:
        mx, my = float(self.margin_x), float(self.margin_y)
        motion, speed = self.look.motion, self.look.speed
        if motion == "pan":
            p = (u * speed) % 2.0
            x, y = 2 * mx * (p if p <= 1 else 2 - p), my
        elif motion == "orbit":
            a = 2 * math.pi * u * speed
            x, y = mx + 0.8 * mx * math.cos(a), my + 0.8 * my * math.sin(a)
        elif motion == "dolly":
            x, y = mx, 2 * my * (1 - min(u * speed, 1.0))
        elif motion == "zoom":
            x, y = mx + 0.2 * mx * math.sin(2 * math.pi * u), my
        else:
            x, y = (
                mx + 0.5 * mx * math.sin(math.pi * u * speed),
                my + 0.3 * my * math.sin(2 * math.pi * u * speed),
            )
        return int(x) & ~1, int(y) & ~1

    def _shape_place(self, shape: _Shape, u: float) -> tuple[Sprite, int, int]:
        w, h, motion, speed = self.width, self.height, self.look.motion, self.look.speed
        level = 0
        if motion in ("zoom", "dolly"):
            # Each shape grows as it flies out from the centre, then starts again (a starfield),
            # so the motion reads as moving in for the whole clip.
            grow = (u * speed * shape.rate + shape.angle / (2 * math.pi)) % 1.0
            level = round(grow * (len(shape.sprites) - 1))
            spread = (0.2 + 1.6 * grow) if motion == "zoom" else (0.7 + 0.6 * grow)
            cx = 0.5 + (shape.fx - 0.5) * spread
            cy = 0.5 + (shape.fy - 0.5) * spread
        elif motion == "orbit":
            a = shape.angle + 2 * math.pi * u * speed * shape.rate
            r = 0.15 + 0.25 * shape.fx
            cx, cy = 0.5 + r * math.cos(a), 0.5 + r * math.sin(a) * (w / h) * 0.6
        else:
            travel = 0.35 * speed * shape.rate * u
            cx = (
                shape.fx
                + travel * math.cos(shape.angle)
                - (0.3 * u * speed if motion == "pan" else 0)
            )
            cy = shape.fy + 0.5 * travel * math.sin(shape.angle)
            cx, cy = cx % 1.2 - 0.1, cy % 1.2 - 0.1
        sprite = shape.sprites[level]
        return sprite, int(cx * w) - sprite.width // 2, int(cy * h) - sprite.height // 2

    def draw(
        self, index: int, out: Planes, *, base: Planes | None = None, tint: float = 0.0
    ) -> None:
        """Draw frame ``index`` into ``out``.

        Without ``base`` the moving background is used; with it (remix/edit) the source frame is
        blended ``tint`` (0..1) of the way towards this prompt's main colour instead.
        """
        u = index / self.frame_count
        if base is None:
            ox, oy = self._view_offset(u)
            out.y[:] = self.canvas.y[oy : oy + self.height, ox : ox + self.width]
            out.u[:] = self.canvas.u[
                oy // 2 : (oy + self.height) // 2, ox // 2 : (ox + self.width) // 2
            ]
            out.v[:] = self.canvas.v[
                oy // 2 : (oy + self.height) // 2, ox // 2 : (ox + self.width) // 2
            ]
        else:
            weight = round(tint * 256)
            for dst, src, value in (
                (out.y, base.y, self.tint[0]),
                (out.u, base.u, self.tint[1]),
                (out.v, base.v, self.tint[2]),
            ):
                mixed = src.astype(np.uint16) * (256 - weight) + int(value * weight)
                np.right_shift(mixed, 8, out=mixed)
                dst[:] = mixed
        for shape in self.shapes:
            sprite, x, y = self._shape_place(shape, u)
            sprite.paste(out, x, y)
        for i, badge in enumerate(self.badges):
            a = 2 * math.pi * (u * 0.5 + i / max(len(self.badges), 1))
            bx = (0.5 + 0.3 * math.cos(a)) * self.width - badge.width / 2
            by = (0.45 + 0.22 * math.sin(a)) * self.height - badge.height / 2
            badge.paste(out, int(bx), int(by))
        m = self.text_margin
        # Over a source frame the title goes top-left, leaving the source's own title (bottom-left)
        # readable, so a remix or edit shows both what it was and what it became.
        title_y = m if base is not None else self.height - m - self.title.height
        self.title.paste(out, m, title_y)
        tc_w = self.timecode.width(self.frame_count, self.fps)
        self.timecode.paste(out, self.first_frame + index, self.fps, self.width - m - tc_w, m)


def blend(a: Planes, b: Planes, weight_b: float, out: Planes) -> None:
    """``out = a * (1 - weight_b) + b * weight_b`` in integer arithmetic (for cross-fades)."""
    w = round(min(max(weight_b, 0.0), 1.0) * 256)
    mixed = a.packed.astype(np.uint16) * (256 - w)
    mixed += b.packed.astype(np.uint16) * w
    np.right_shift(mixed, 8, out=mixed)
    out.packed[:] = mixed


# --- sound -----------------------------------------------------------------------------------

_PENTATONIC = (0, 2, 4, 7, 9, 12, 14, 16)


def chord_for(prompt: str, duration_s: float, rate: int = 48_000) -> NDArray[np.float32]:
    """A quiet, slowly swelling three-note chord chosen by the prompt; stereo ``(n, 2)``."""
    digest = _digest(" ".join(_words(prompt)))
    root = 110.0 * 2 ** ((digest[20] % 12) / 12)
    notes = [root * 2 ** (_PENTATONIC[b % len(_PENTATONIC)] / 12) for b in digest[21:24]]
    n = max(round(duration_s * rate), 0)
    t = np.arange(n, dtype=np.float64) / rate
    left = np.zeros(n, dtype=np.float64)
    right = np.zeros(n, dtype=np.float64)
    for i, freq in enumerate(notes):
        left += np.sin(2 * math.pi * freq * t)
        right += np.sin(2 * math.pi * freq * 1.003 * t + i)  # a slight detune gives width
    swell = 0.6 + 0.4 * np.sin(2 * math.pi * t / max(duration_s, 1.0))
    fade = np.minimum(1.0, np.minimum(t / 0.05, (duration_s - t) / 0.05).clip(0.0))
    gain = 0.06 * swell * fade
    return np.stack([left * gain, right * gain], axis=1).astype(np.float32)
