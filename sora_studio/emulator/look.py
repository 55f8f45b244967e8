"""What a prompt asks the emulator to draw: palette, motion, speed and subject, and a digest.

The same prompt always gives the same ``Look``; different prompts look clearly different:
colour words ("red", "sunset", "ocean", "neon", ...) pick the hues, otherwise a hash of the
prompt's words does; "pan", "zoom", "orbit", "dolly" pick how the scene moves, "slow" and "fast"
scale the speed; the subject is the prompt's first clause.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass

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


def words_of(prompt: str) -> list[str]:
    return re.findall(r"[a-z]+", prompt.lower())


def digest_of(text: str) -> bytes:
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
    words = words_of(prompt)
    digest = digest_of(" ".join(words))
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
