"""What the emulator burns into a render: titles, the running timecode, and character badges.

Text is drawn with Pillow once per scene (or once per glyph, for the timecode) and turned into
sprites, so drawing a frame never lays out text.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sora_studio.emulator.look import RGB
from sora_studio.emulator.yuv import U8, Planes, Sprite


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
