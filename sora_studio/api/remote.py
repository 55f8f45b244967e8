"""Domain views of the provider's objects (videos, pages, characters, batches) and poll hints.

These frozen dataclasses are what ``api/`` hands to the rest of the app, so no other layer sees an
``openai`` type. The converters take plain mappings (the JSON the provider sent), which keeps them
independent of how lenient the SDK's own models are. Header parsing lives here too because the
hints are data the engine's scheduler reads.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class RemoteVideo:
    """A provider's ``Video`` object. ``seconds`` is an int (the wire sends a string)."""

    id: str
    status: str  # "queued" | "in_progress" | "completed" | "failed" (or a provider's own value)
    progress: int
    model: str
    size: str
    seconds: int
    created_at: int
    completed_at: int | None = None
    expires_at: int | None = None
    prompt: str | None = None
    remixed_from_video_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.status not in ("queued", "in_progress")


@dataclass(frozen=True, slots=True)
class PollHints:
    """What the response headers say about when to ask again."""

    poll_after_ms: int | None = None
    retry_after_s: float | None = None
    ratelimit_remaining: int | None = None
    ratelimit_limit: int | None = None
    ratelimit_reset_s: float | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class RemotePage:
    """One page of ``GET /videos``; ask for the next with ``after=last_id`` while ``has_more``."""

    videos: tuple[RemoteVideo, ...]
    has_more: bool
    last_id: str | None
    hints: PollHints = field(default_factory=PollHints)


@dataclass(frozen=True, slots=True)
class RemoteCharacter:
    id: str
    name: str
    created_at: int


@dataclass(frozen=True, slots=True)
class RemoteBatch:
    """A provider's ``Batch`` object, reduced to what the batch service tracks."""

    id: str
    status: str  # validating | in_progress | finalizing | completed | failed | expired | ...
    input_file_id: str | None
    output_file_id: str | None
    error_file_id: str | None
    total: int
    completed: int
    failed: int
    created_at: int
    completed_at: int | None = None
    errors: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_finished(self) -> bool:
        return self.status in ("completed", "failed", "expired", "cancelled")


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One line of a batch's output or error file."""

    custom_id: str
    status_code: int | None
    video: RemoteVideo | None
    error_code: str | None = None
    error_message: str | None = None


def _opt_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def video_from_mapping(data: Mapping[str, Any]) -> RemoteVideo:
    """Build a ``RemoteVideo`` from a ``Video`` JSON object; missing optional keys become None."""
    error = data.get("error")
    error_map: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    return RemoteVideo(
        id=str(data["id"]),
        status=str(data.get("status") or "queued"),
        progress=max(0, min(100, _opt_int(data.get("progress")) or 0)),
        model=str(data.get("model") or ""),
        size=str(data.get("size") or ""),
        seconds=_opt_int(data.get("seconds")) or 0,
        created_at=_opt_int(data.get("created_at")) or 0,
        completed_at=_opt_int(data.get("completed_at")),
        expires_at=_opt_int(data.get("expires_at")),
        prompt=_opt_str(data.get("prompt")),
        remixed_from_video_id=_opt_str(data.get("remixed_from_video_id")),
        error_code=_opt_str(error_map.get("code")),
        error_message=_opt_str(error_map.get("message")),
    )


def character_from_mapping(data: Mapping[str, Any]) -> RemoteCharacter:
    return RemoteCharacter(
        id=str(data.get("id") or ""),
        name=str(data.get("name") or ""),
        created_at=_opt_int(data.get("created_at")) or 0,
    )


def batch_from_mapping(data: Mapping[str, Any]) -> RemoteBatch:
    counts = data.get("request_counts") or {}
    errors_obj = data.get("errors")
    error_items = (errors_obj.get("data") or ()) if isinstance(errors_obj, Mapping) else ()
    messages: list[str] = []
    for item in error_items:
        if isinstance(item, Mapping):
            line = item.get("line")
            where = f"line {line}: " if line is not None else ""
            messages.append(f"{where}{item.get('message') or item.get('code') or 'error'}")
    metadata = data.get("metadata") or {}
    return RemoteBatch(
        id=str(data["id"]),
        status=str(data.get("status") or "validating"),
        input_file_id=_opt_str(data.get("input_file_id")),
        output_file_id=_opt_str(data.get("output_file_id")),
        error_file_id=_opt_str(data.get("error_file_id")),
        total=_opt_int(counts.get("total")) or 0,
        completed=_opt_int(counts.get("completed")) or 0,
        failed=_opt_int(counts.get("failed")) or 0,
        created_at=_opt_int(data.get("created_at")) or 0,
        completed_at=_opt_int(data.get("completed_at")),
        errors=tuple(messages),
        metadata={str(k): str(v) for k, v in metadata.items()},
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_duration_s(text: str | None) -> float | None:
    """Seconds from ``x-ratelimit-reset-*`` (``12ms``, ``6s``, ``1m30s``, or bare seconds)."""
    if not text:
        return None
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in parts)


def parse_retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def hints_from_headers(headers: Mapping[str, str]) -> PollHints:
    """Read ``openai-poll-after-ms``, ``retry-after(-ms)``, ``x-ratelimit-*`` and ``x-request-id``.

    ``headers`` must look names up case-insensitively (``httpx2.Headers`` does); a plain dict
    should use lower-case names.
    """
    return PollHints(
        poll_after_ms=_opt_int(headers.get("openai-poll-after-ms")),
        retry_after_s=parse_retry_after_s(headers),
        ratelimit_remaining=_opt_int(headers.get("x-ratelimit-remaining-requests")),
        ratelimit_limit=_opt_int(headers.get("x-ratelimit-limit-requests")),
        ratelimit_reset_s=parse_duration_s(headers.get("x-ratelimit-reset-requests")),
        request_id=headers.get("x-request-id"),
    )
