"""The team library's event log: what one desk tells the others, and how verdicts fold.

A team library (issue 13) shares changes as an append-only log. Each event is a frozen dataclass
with a globally unique id (a uuid made on the desk that caused it), its author (the reviewer's
name) and the time it happened, so replaying an event is harmless: whoever has seen its id skips
it. Events travel as JSON (:func:`event_to_json`, :func:`event_from_json`); anything malformed is
refused with :class:`EventFormatError` naming the field.

Verdicts are per reviewer. :func:`fold_verdicts` turns a clip's verdict events into its state:
each reviewer's latest verdict, and **disputed** when those disagree. A verdict by a reviewer with
the lead role is a decision: it settles the dispute, and only verdicts after it can dispute the
clip again. The fold orders by (time, event id), so every desk that holds the same events
computes the same state whatever order they arrived in. Standard library only, like ``core``.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sora_studio.core.models import JobStatus

FORMAT_VERSION = 1
JOB_STATUSES = frozenset(status.value for status in JobStatus)
VERDICTS = ("approved", "changes", "rejected")
WITHDRAWN = "unreviewed"  # a reviewer took their verdict back (undo)
MEDIA_VARIANTS = ("video", "thumbnail", "spritesheet")


class EventFormatError(ValueError):
    """An event that cannot be read: bad JSON, unknown kind, a missing or mistyped field."""


def new_event_id() -> str:
    """A globally unique event id (uuid4, as text)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One media file of a clip as its desk stored it (path as recorded there)."""

    variant: str
    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ClipUpserted:
    """A clip (a job) was created or changed: its metadata, lineage, status, cost and media."""

    clip_id: str
    provider: str
    model: str
    prompt: str
    size: str
    seconds: int
    status: str
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)
    operation: str = "create"
    fingerprint: str = ""
    brief: str = "{}"
    progress: int = 0
    error_class: str | None = None
    error_message: str | None = None
    estimate_cents: str = "0"
    cost_cents: str | None = None
    parent_clip_id: str | None = None
    lineage_kind: str = "original"
    remote_id: str | None = None
    created_at: float = 0.0
    completed_at: float | None = None
    media: tuple[MediaRef, ...] = ()
    owner: str = ""  # the id of the desk that polls and downloads it (made at connect)


@dataclass(frozen=True, slots=True)
class VerdictGiven:
    """A reviewer's verdict on a clip (``unreviewed``: they withdrew theirs); ``lead`` decides."""

    clip_id: str
    status: str
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)
    lead: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class NoteAdded:
    """A note pinned to a clip's time (or range); notes never overwrite each other."""

    clip_id: str
    note_id: str
    start_ms: int
    text: str
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)
    end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class NoteResolved:
    """A note was marked resolved (or opened again)."""

    note_id: str
    resolved: bool = True
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class ClipAdopted:
    """A desk took over a clip still rendering (its owner was silent): it polls it from now on."""

    clip_id: str
    owner: str  # the adopting desk's id
    previous_owner: str
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class TagChanged:
    """A tag was put on a clip (``added``) or taken off it; tags are lower-case words."""

    clip_id: str
    tag: str
    added: bool = True
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class CharacterSaved:
    """A character was created or renamed: its team-wide id, provider and the provider's id.

    ``media_path`` is its source clip as the team sees it (share-relative once copied there,
    like a clip's media), or None when the desk kept none.
    """

    character_id: str
    provider: str
    remote_id: str
    name: str
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)
    media_path: str | None = None


@dataclass(frozen=True, slots=True)
class CharacterDeleted:
    """A character was deleted from the team's library."""

    character_id: str
    event_id: str = field(default_factory=new_event_id)
    author: str = ""
    at: float = field(default_factory=time.time)


TeamEvent = (
    ClipUpserted
    | VerdictGiven
    | NoteAdded
    | NoteResolved
    | ClipAdopted
    | TagChanged
    | CharacterSaved
    | CharacterDeleted
)

KINDS: dict[str, type[TeamEvent]] = {
    "clip": ClipUpserted,
    "verdict": VerdictGiven,
    "note": NoteAdded,
    "note_resolved": NoteResolved,
    "clip_adopted": ClipAdopted,
    "tag": TagChanged,
    "character": CharacterSaved,
    "character_deleted": CharacterDeleted,
}
_ADDED_LATER = {"owner": ""}  # fields added after version 1: older events read the default
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}


def event_kind(event: TeamEvent) -> str:
    """The event's kind word as it travels: ``clip``, ``verdict``, ``note``, ``note_resolved``,
    ``clip_adopted``, ``tag``, ``character``, ``character_deleted``."""
    return _KIND_OF[type(event)]


def event_to_dict(event: TeamEvent) -> dict[str, Any]:
    """The event as plain JSON-able data, with its ``kind`` and the format version ``v``."""
    data: dict[str, Any] = {"v": FORMAT_VERSION, "kind": event_kind(event)}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        if name == "media":
            value = [
                {"variant": m.variant, "path": m.path, "bytes": m.bytes, "sha256": m.sha256}
                for m in value
            ]
        data[name] = value
    return data


def event_to_json(event: TeamEvent) -> str:
    """Compact, key-sorted JSON (the same event always gives the same text)."""
    return json.dumps(event_to_dict(event), sort_keys=True, separators=(",", ":"))


_TYPES: dict[str, tuple[type, ...]] = {  # what each annotation accepts, decoded from JSON
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "str | None": (str, type(None)),
    "int | None": (int, type(None)),
    "float | None": (int, float, type(None)),
}


def _check(kind: str, name: str, annotation: str, value: Any) -> Any:
    if name == "media":
        return _media(kind, value)
    accepted = _TYPES[annotation]
    wrong_bool = isinstance(value, bool) and bool not in accepted
    if wrong_bool or not isinstance(value, accepted):
        raise EventFormatError(
            f"{kind} event: field {name!r} should be {annotation}, got {type(value).__name__}"
        )
    if annotation.startswith("float") and value is not None:
        return float(value) if isinstance(value, int | float) else value
    return value


def _media(kind: str, value: Any) -> tuple[MediaRef, ...]:
    if not isinstance(value, list):
        raise EventFormatError(f"{kind} event: field 'media' should be a list")
    refs = []
    for item in value:
        try:
            ref = MediaRef(str(item["variant"]), str(item["path"]), item["bytes"], item["sha256"])
        except (KeyError, TypeError) as exc:
            raise EventFormatError(f"{kind} event: a media entry lacks {exc}") from exc
        if not isinstance(ref.bytes, int) or not isinstance(ref.sha256, str):
            raise EventFormatError(f"{kind} event: a media entry has a bad bytes or sha256")
        refs.append(ref)
    return tuple(refs)


def event_from_dict(data: Any) -> TeamEvent:
    """Rebuild an event from :func:`event_to_dict`'s data; ``EventFormatError`` when malformed."""
    if not isinstance(data, dict):
        raise EventFormatError("an event must be a JSON object")
    version = data.get("v")
    if version != FORMAT_VERSION:
        raise EventFormatError(
            f"event format version {version!r} is not {FORMAT_VERSION}; "
            "a newer Sora Studio wrote it"
        )
    kind = data.get("kind")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise EventFormatError(f"unknown event kind {kind!r}; expected one of {sorted(KINDS)}")
    values: dict[str, Any] = {}
    for name, spec in cls.__dataclass_fields__.items():
        if name not in data and name in _ADDED_LATER:
            values[name] = _ADDED_LATER[name]
            continue
        if name not in data:
            raise EventFormatError(f"{kind} event: field {name!r} is missing")
        values[name] = _check(str(kind), name, str(spec.type), data[name])
    unknown = set(data) - set(values) - {"v", "kind"}
    if unknown:
        raise EventFormatError(f"{kind} event: unknown fields {sorted(unknown)}")
    event = cls(**values)
    _validate(event)
    return event


def event_from_json(text: str) -> TeamEvent:
    """Parse one event from JSON text; ``EventFormatError`` saying what is wrong."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise EventFormatError(f"an event is not valid JSON: {exc}") from exc
    return event_from_dict(data)


def _validate(event: TeamEvent) -> None:
    try:
        uuid.UUID(event.event_id)
    except ValueError as exc:
        raise EventFormatError(f"event id {event.event_id!r} is not a uuid") from exc
    if isinstance(event, ClipUpserted) and event.status not in JOB_STATUSES:
        raise EventFormatError(f"clip event: unknown job status {event.status!r}")
    if isinstance(event, VerdictGiven) and event.status not in (*VERDICTS, WITHDRAWN):
        raise EventFormatError(f"verdict event: unknown status {event.status!r}")
    if isinstance(event, NoteAdded) and (
        event.start_ms < 0 or (event.end_ms is not None and event.end_ms < event.start_ms)
    ):
        raise EventFormatError("note event: the time range is not valid")
    if isinstance(event, TagChanged) and (not event.tag or event.tag != normal_tag(event.tag)):
        raise EventFormatError(f"tag event: {event.tag!r} is not a tag (one lower-case word)")
    if isinstance(event, CharacterSaved) and not event.name.strip():
        raise EventFormatError("character event: the name is empty")


def normal_tag(text: str) -> str:
    """A tag as stored and sent: without a leading ``#``, trimmed, lower-case, no spaces."""
    return "-".join(text.strip().lstrip("#").lower().split())


# --- verdicts: per reviewer, disputed until a lead decides ---------------------------------
@dataclass(frozen=True, slots=True)
class VerdictState:
    """A clip's verdicts folded: the status shown, whether it is disputed, and who said what."""

    status: str  # the latest verdict in force, or "unreviewed"
    disputed: bool
    by_reviewer: tuple[tuple[str, str], ...]  # (reviewer, verdict) in force, by name
    decided_by: str | None = None  # the lead whose decision is the baseline, if any


def fold_verdicts(verdicts: list[VerdictGiven]) -> VerdictState:
    """Fold one clip's verdict events (any order) into its :class:`VerdictState`.

    Each reviewer's latest verdict counts (a withdrawal removes theirs). The latest lead
    verdict is a decision: verdicts before it no longer count, and the clip is disputed only
    when verdicts given after it disagree with it or with each other.
    """
    ordered = sorted(verdicts, key=lambda v: (v.at, v.event_id))
    baseline = max(
        (i for i, v in enumerate(ordered) if v.lead and v.status != WITHDRAWN), default=-1
    )
    decided_by = ordered[baseline].author if baseline >= 0 else None
    latest: dict[str, VerdictGiven] = {}
    for verdict in ordered[max(baseline, 0) :]:
        latest[verdict.author] = verdict
    in_force = {who: v for who, v in latest.items() if v.status != WITHDRAWN}
    statuses = {v.status for v in in_force.values()}
    newest = max(in_force.values(), key=lambda v: (v.at, v.event_id), default=None)
    return VerdictState(
        status=newest.status if newest is not None else WITHDRAWN,
        disputed=len(statuses) > 1,
        by_reviewer=tuple(sorted((who, v.status) for who, v in in_force.items())),
        decided_by=decided_by,
    )
