"""The structured prompt: a :class:`Brief`'s fields composed into the text a provider receives.

Fields are kept apart so reviewers can change one (the lighting, say) without retyping the rest;
:func:`compose_prompt` turns them into prompt text the same way every time, so identical briefs
give identical prompts (and identical request fingerprints).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sora_studio.core.models import Brief

#: Every field of a brief, in composition order, with the label a person reads.
BRIEF_FIELDS: tuple[tuple[str, str], ...] = (
    ("subject", "Subject"),
    ("setting", "Setting"),
    ("camera", "Camera"),
    ("lighting", "Lighting"),
    ("motion", "Motion"),
    ("style", "Style"),
    ("audio", "Audio"),
    ("constraints", "Constraints"),
    ("free_text", "Free text"),
)

_FIELD_NAMES = frozenset(name for name, _ in BRIEF_FIELDS)
# Fields composed as "Label: value." clauses; subject leads unlabelled, free text trails as typed.
_LABELLED = ("setting", "camera", "lighting", "motion", "style", "audio", "constraints")
_LABELS = dict(BRIEF_FIELDS)


def _clause(text: str) -> str:
    """One line: runs of whitespace collapsed, ending in a full stop unless already punctuated."""
    line = re.sub(r"\s+", " ", text).strip()
    if line and line[-1] not in ".!?…":
        line += "."
    return line


def compose_prompt(brief: Brief) -> str:
    """The prompt text for ``brief``: subject, labelled clauses, then the free text; empty skipped.

    >>> compose_prompt(Brief(subject="A red kite", lighting="golden hour"))
    'A red kite.\\nLighting: golden hour.'
    """
    lines: list[str] = []
    subject = _clause(brief.subject)
    if subject:
        lines.append(subject)
    for name in _LABELLED:
        value = _clause(getattr(brief, name))
        if value:
            lines.append(f"{_LABELS[name]}: {value}")
    free = brief.free_text.strip()
    if free:
        # Free text is the writer's own prose: keep its line breaks, set it apart by a blank line.
        if lines:
            lines.append("")
        lines.append(free)
    return "\n".join(lines)


def brief_to_dict(brief: Brief) -> dict[str, str]:
    """Every field by name, empty ones included, for storage and JSON export."""
    return {name: getattr(brief, name) for name, _ in BRIEF_FIELDS}


def brief_from_dict(data: Mapping[str, object] | None) -> Brief:
    """A brief from a dict: unknown keys ignored, missing or null ones empty, keys any case."""
    values: dict[str, str] = {}
    for key, value in (data or {}).items():
        name = str(key).strip().lower().replace(" ", "_").replace("-", "_")
        if name in _FIELD_NAMES and value is not None:
            values[name] = value if isinstance(value, str) else str(value)
    return Brief(**values)
