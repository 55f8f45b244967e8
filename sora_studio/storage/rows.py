"""Conversion between database rows (dicts of SQLite values) and the core dataclasses.

Money is stored as the text of a ``Decimal`` so it comes back exactly as it went in; enums as
their values; tuples and briefs as JSON text; booleans as 0/1.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from sora_studio.core.models import (
    Asset,
    AssetVariant,
    BatchRecord,
    Brief,
    Character,
    ErrorClass,
    Event,
    Job,
    JobStatus,
    LineageKind,
    Note,
    Operation,
    Review,
    ReviewStatus,
)

Row = dict[str, Any]

_BRIEF_FIELDS = frozenset(f.name for f in fields(Brief))


def decimal_to_db(value: Decimal | int | str) -> str:
    """Exact text for a money amount; refuses NaN and infinities, which have no meaning as cents."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a money amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"money amounts must be finite, got {value!r}")
    return str(amount)


def decimal_from_db(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def brief_to_db(brief: Brief) -> str:
    return json.dumps(asdict(brief), sort_keys=True)


def brief_from_db(text: str | None) -> Brief:
    if not text:
        return Brief()
    data = json.loads(text)
    # Keys from a later schema are dropped rather than crashing the constructor.
    return Brief(**{k: str(v) for k, v in data.items() if k in _BRIEF_FIELDS})


def job_from_row(row: Row) -> Job:
    error_class = row["error_class"]
    return Job(
        id=int(row["id"]),
        provider=row["provider"],
        fingerprint=row["fingerprint"],
        prompt=row["prompt"],
        model=row["model"],
        size=row["size"],
        seconds=int(row["seconds"]),
        status=JobStatus(row["status"]),
        operation=Operation(row["operation"]),
        remote_id=row["remote_id"],
        brief=brief_from_db(row["brief"]),
        progress=int(row["progress"]),
        error_class=ErrorClass(error_class) if error_class else None,
        error_message=row["error_message"],
        estimate_cents=Decimal(row["estimate_cents"]),
        cost_cents=decimal_from_db(row["cost_cents"]),
        parent_id=row["parent_id"],
        lineage_kind=LineageKind(row["lineage_kind"]),
        batch_id=row["batch_id"],
        use_batch=bool(row["use_batch"]),
        reference_path=row["reference_path"],
        character_ids=tuple(json.loads(row["character_ids"] or "[]")),
        source_remote_id=row["source_remote_id"],
        review_status=ReviewStatus(row["review_status"]),
        queue_position=int(row["queue_position"]),
        created_at=float(row["created_at"]),
        submitted_at=row["submitted_at"],
        completed_at=row["completed_at"],
        expires_at=row["expires_at"],
        updated_at=float(row["updated_at"]),
        extras=extras_from_db(row["extras"]),
        result_url=row["result_url"],
        base_url=row["base_url"],
        download_attempts=int(row["download_attempts"] or 0),
    )


def extras_to_db(extras: Any) -> str:
    """Extra body fields as a JSON list of ``[name, value]`` pairs, sorted by name."""
    pairs = sorted((str(k), v) for k, v in (extras.items() if isinstance(extras, dict) else extras))
    for name, value in pairs:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TypeError(f"extra field {name!r} must be a string or a number, got {value!r}")
    return json.dumps([[k, v] for k, v in pairs])


def extras_from_db(text: str | None) -> tuple[tuple[str, str | int | float], ...]:
    return tuple((str(k), v) for k, v in json.loads(text or "[]"))


def job_value_to_db(column: str, value: Any) -> Any:
    """One ``jobs`` column value as SQLite stores it (enums, money, JSON, booleans)."""
    if value is None:
        return None
    if column in ("estimate_cents", "cost_cents"):
        return decimal_to_db(value)
    if column == "brief":
        if not isinstance(value, Brief):
            raise TypeError(f"brief must be a Brief, got {type(value).__name__}")
        return brief_to_db(value)
    if column == "character_ids":
        return json.dumps([str(v) for v in value])
    if column == "extras":
        return extras_to_db(value)
    if column == "use_batch":
        return int(bool(value))
    if column == "status":
        return JobStatus(value).value
    if column == "operation":
        return Operation(value).value
    if column == "lineage_kind":
        return LineageKind(value).value
    if column == "error_class":
        return ErrorClass(value).value
    if column == "review_status":
        return ReviewStatus(value).value
    return value


def asset_from_row(row: Row) -> Asset:
    return Asset(
        job_id=int(row["job_id"]),
        variant=AssetVariant(row["variant"]),
        path=row["path"],
        bytes=int(row["bytes"]),
        sha256=row["sha256"],
        verified=bool(row["verified"]),
        created_at=float(row["created_at"]),
    )


def review_from_row(row: Row) -> Review:
    return Review(
        id=int(row["id"]),
        job_id=int(row["job_id"]),
        status=ReviewStatus(row["status"]),
        reviewer=row["reviewer"],
        reason=row["reason"],
        created_at=float(row["created_at"]),
    )


def note_from_row(row: Row) -> Note:
    return Note(
        id=int(row["id"]),
        job_id=int(row["job_id"]),
        start_ms=int(row["start_ms"]),
        text=row["text"],
        author=row["author"],
        end_ms=row["end_ms"],
        resolved=bool(row["resolved"]),
        created_at=float(row["created_at"]),
        result_job_id=row["result_job_id"],
    )


def character_from_row(row: Row) -> Character:
    return Character(
        id=int(row["id"]),
        provider=row["provider"],
        remote_id=row["remote_id"],
        name=row["name"],
        source_path=row["source_path"],
        created_at=float(row["created_at"]),
    )


def batch_from_row(row: Row) -> BatchRecord:
    return BatchRecord(
        id=int(row["id"]),
        provider=row["provider"],
        model=row["model"],
        status=row["status"],
        remote_id=row["remote_id"],
        input_file_id=row["input_file_id"],
        output_file_id=row["output_file_id"],
        created_at=float(row["created_at"]),
        completed_at=row["completed_at"],
    )


def event_from_row(row: Row) -> Event:
    return Event(
        id=int(row["id"]),
        kind=row["kind"],
        detail=row["detail"],
        job_id=row["job_id"],
        created_at=float(row["created_at"]),
    )
