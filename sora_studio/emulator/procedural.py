"""Deterministic pictures and sound from a prompt, for the emulator's fake renders.

The same prompt always gives the same clip; different prompts look clearly different. The
prompt's ``Look`` (``emulator.look``) picks the palette, the motion and the subject; this module
draws the scene from it: a moving gradient background with soft glows, shapes that drift, pan,
orbit or fly out, characters as labelled badges moving through the scene, and the subject, a
timecode and the frame number burnt in (``emulator.overlays``). Frames are drawn straight into
yuv420p buffers (``emulator.yuv``): the expensive parts are prepared once as small arrays, so a
frame is a few slice copies and masked pastes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from sora_studio.emulator.look import RGB, Look, digest_of, look_for, words_of
from sora_studio.emulator.overlays import Timecode, badge_image, label_sprite
from sora_studio.emulator.yuv import U8, Planes, Sprite, as_u8, rgb_to_planes, rgb_to_yuv


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
    coarse = Image.fromarray(as_u8(img))
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


# --- sound -----------------------------------------------------------------------------------

_PENTATONIC = (0, 2, 4, 7, 9, 12, 14, 16)


def chord_for(prompt: str, duration_s: float, rate: int = 48_000) -> NDArray[np.float32]:
    """A quiet, slowly swelling three-note chord chosen by the prompt; stereo ``(n, 2)``."""
    digest = digest_of(" ".join(words_of(prompt)))
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
