"""Word-level prompt differences and parameter changes between two clips (no Qt).

Used by the compare view (full diff, coloured) and the lineage tree (a short summary on each
edge). Words are compared with :class:`difflib.SequenceMatcher`, whitespace-insensitively and
ignoring punctuation and case at word edges, so a re-wrapped prompt shows no change.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from typing import Literal

from sora_studio.core.models import Job
from sora_studio.core.pricing import format_cents
from sora_studio.ui.review.clip_row import job_cost_cents

DiffKind = Literal["equal", "insert", "delete"]
_PUNCTUATION = ".,;:!?\"'()[]{}"


@dataclass(frozen=True, slots=True)
class DiffChunk:
    kind: DiffKind
    text: str  # words joined by single spaces


def _key(word: str) -> str:
    stripped = word.strip(_PUNCTUATION).lower()
    return stripped or word


def word_diff(old: str, new: str) -> list[DiffChunk]:
    """Chunks that turn ``old`` into ``new``; a replacement is a delete then an insert."""
    a, b = old.split(), new.split()
    chunks: list[DiffChunk] = []
    # Words are matched on their letters only, so "coast" and "coast," count as the same word
    # and a comma added after it does not show the word as deleted and re-inserted.
    matcher = difflib.SequenceMatcher(
        a=[_key(w) for w in a], b=[_key(w) for w in b], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunks.append(DiffChunk("equal", " ".join(b[j1:j2])))
            continue
        if tag in ("delete", "replace"):
            chunks.append(DiffChunk("delete", " ".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            chunks.append(DiffChunk("insert", " ".join(b[j1:j2])))
    return chunks


def has_changes(chunks: list[DiffChunk]) -> bool:
    return any(chunk.kind != "equal" for chunk in chunks)


def diff_html(chunks: list[DiffChunk]) -> str:
    """HTML with deletions struck through in red and insertions underlined in green."""
    parts: list[str] = []
    for chunk in chunks:
        text = html.escape(chunk.text)
        if chunk.kind == "delete":
            parts.append(
                f'<span style="color:#e5534b;text-decoration:line-through;'
                f'background:rgba(229,83,75,0.15)">{text}</span>'
            )
        elif chunk.kind == "insert":
            parts.append(
                f'<span style="color:#3fb950;text-decoration:underline;'
                f'background:rgba(63,185,80,0.15)">{text}</span>'
            )
        else:
            parts.append(text)
    return " ".join(parts)


def diff_summary(chunks: list[DiffChunk], max_chars: int = 80) -> str:
    """``+words −words`` for a one-line edge label; ``same prompt`` when nothing changed."""
    pieces = [
        ("+" if chunk.kind == "insert" else "−") + chunk.text
        for chunk in chunks
        if chunk.kind != "equal"
    ]
    if not pieces:
        return "same prompt"
    text = "  ".join(pieces)
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class ParameterChange:
    name: str
    before: str
    after: str


def _parameters(job: Job) -> dict[str, str]:
    return {
        "Model": job.model,
        "Size": job.size,
        "Duration": f"{job.seconds}s",
        "Provider": job.provider,
        "Made by": job.lineage_kind.value,
        "Cost": format_cents(job_cost_cents(job)),
        "Verdict": job.review_status.value,
        "Characters": ", ".join(job.character_ids) or "none",
        "Reference": job.reference_path or "none",
    }


def parameter_changes(a: Job, b: Job) -> list[ParameterChange]:
    """Every parameter whose value differs between ``a`` and ``b``, in a fixed order."""
    before, after = _parameters(a), _parameters(b)
    return [
        ParameterChange(name, before[name], after[name])
        for name in before
        if before[name] != after[name]
    ]
