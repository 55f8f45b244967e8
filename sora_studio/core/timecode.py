"""Timecodes typed by people (note ranges, in/out points) to and from integer milliseconds.

Accepted: ``"MM:SS.mmm"``, ``"HH:MM:SS.mmm"``, ``"SS.mmm"`` (fractions optional, up to three
digits), and unit forms ``"12s"``, ``"1.5s"``, ``"250ms"``, ``"1m30s"``.
"""

from __future__ import annotations

import re

_HINT = "write it like 01:02.345, 1:02:03.5, 62.345, 12s or 250ms"
_COLON = re.compile(r"^(?:(\d+):)?(\d+):(\d+)(?:\.(\d{1,3}))?$")
_SECONDS = re.compile(r"^(\d+)(?:\.(\d{1,3}))?$")
_UNITS = re.compile(
    r"^(?:(\d+)h)?\s*(?:(\d+)m(?!s))?\s*(?:(\d+)(?:\.(\d{1,3}))?s)?\s*(?:(\d+)ms)?$"
)


def _fraction_ms(digits: str | None) -> int:
    return int(digits.ljust(3, "0")) if digits else 0


def parse_timecode(text: str) -> int:
    """Milliseconds for ``text``; ``ValueError`` saying what a timecode looks like otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"timecode must be text; {_HINT}")
    cleaned = text.strip().lower().replace(",", ".")
    if not cleaned:
        raise ValueError(f"timecode is empty; {_HINT}")
    if cleaned.startswith("-"):
        raise ValueError(f"timecode {text!r} is negative; {_HINT}")
    m = _COLON.match(cleaned)
    if m:
        hours_s, minutes_s, seconds_s, frac = m.groups()
        minutes, seconds = int(minutes_s), int(seconds_s)
        if seconds >= 60:
            raise ValueError(f"timecode {text!r} has {seconds} seconds; use 0-59 after a colon")
        if hours_s is not None and minutes >= 60:
            raise ValueError(f"timecode {text!r} has {minutes} minutes; use 0-59 after the hours")
        hours = int(hours_s) if hours_s else 0
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + _fraction_ms(frac)
    m = _SECONDS.match(cleaned)
    if m:
        return int(m.group(1)) * 1000 + _fraction_ms(m.group(2))
    m = _UNITS.match(cleaned)
    if m and any(m.groups()):
        hours_s, minutes_s, seconds_s, frac, millis_s = m.groups()
        total = int(hours_s or 0) * 3_600_000 + int(minutes_s or 0) * 60_000
        total += int(seconds_s or 0) * 1000 + _fraction_ms(frac) + int(millis_s or 0)
        return total
    raise ValueError(f"cannot read timecode {text!r}; {_HINT}")


def format_timecode(ms: int) -> str:
    """``62345`` -> ``"01:02.345"``; an hour or more -> ``"01:02:03.456"``."""
    if ms < 0:
        raise ValueError(f"a timecode cannot be negative, got {ms} ms")
    seconds, millis = divmod(int(ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    return f"{minutes:02d}:{seconds:02d}.{millis:03d}"
