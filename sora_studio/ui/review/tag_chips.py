"""How a clip's hand-put tags read on the desk: on its grid card and in the clip's details.

Pure functions (no Qt), so the words are testable on their own. The card has room for a few
tags only: as many as fit are named, the rest counted ("#hero #night +2").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

NO_TAGS = "No tags yet"


def tag_words(tags: Sequence[str]) -> str:
    """Every tag, each with its ``#`` ("#hero #night"); empty for none."""
    return " ".join(f"#{tag}" for tag in tags)


def chip_text(tags: Sequence[str], fits: Callable[[str], bool]) -> str:
    """The card's tag chip: as many tags as ``fits`` allows, then "+N" for the rest.

    Empty when there are none, or when not even the first (or its count) fits.
    """
    for shown in range(len(tags), 0, -1):
        more = len(tags) - shown
        text = tag_words(tags[:shown]) + (f" +{more}" if more else "")
        if fits(text):
            return text
    count = f"+{len(tags)}" if tags else ""
    return count if count and fits(count) else ""


def details_text(tags: Sequence[str]) -> str:
    """The clip details' tag line."""
    return f"Tags: {tag_words(tags)}" if tags else NO_TAGS
