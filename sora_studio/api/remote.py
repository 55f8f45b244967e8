"""Domain views of the provider's objects (videos, pages, characters, batches) and poll hints.

These frozen dataclasses are what ``api/`` hands to the rest of the app, so no other layer sees an
``openai`` type. The converters take plain mappings (the JSON the provider sent), which keeps them
independent of how lenient the SDK's own models are. Header parsing lives here too because the
hints are data the engine's scheduler reads.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

# Statuses after which a video never changes again. Anything else, including a status this app has
# never seen, counts as still running (real-servers.md, client rule 4).
FINISHED_STATUSES = frozenset(
    {"completed", "failed", "cancelled", "canceled", "deleted", "expired"}
)


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
    # Where the finished file can be fetched when the server hands it over on the object instead
    # of (or as well as) ``/content``: http(s), ``file://`` or a ``data:video/mp4;base64,`` URL.
    result_url: str | None = None
    inference_time_s: float | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


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
class RemoteModel:
    """One model a server says it serves (``GET /models``)."""

    id: str
    owned_by: str | None = None
    # What the server says the model does: LiteLLM's "video_generation", SGLang's task ("T2V").
    mode: str | None = None
    created: int | None = None

    @property
    def is_video(self) -> bool:
        """True when the server marks it as a video model or, unmarked, its name says so."""
        return looks_like_video_model(self.id, self.mode)


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


def _opt_float(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _seconds(data: Mapping[str, Any]) -> int:
    """The clip length: frames over fps or ``duration_s`` when sent (some servers echo the
    requested ``seconds`` rather than what they rendered), else ``seconds`` as "8", 8 or "5.0"."""
    params = data.get("video_params")
    nested: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
    frames = _opt_float(data.get("num_frames", nested.get("num_frames")))
    fps = _opt_float(data.get("fps", nested.get("fps")))
    if frames and fps and frames > 0 and fps > 0:
        return _round_half_up(frames / fps)
    duration = _opt_float(data.get("duration_s", data.get("duration")))
    if duration and duration > 0:
        return _round_half_up(duration)
    seconds = _opt_float(data.get("seconds"))
    return _round_half_up(seconds) if seconds and seconds > 0 else 0


def _result_url(data: Mapping[str, Any]) -> str | None:
    """A finished file handed over on the object: ``data[0].url`` / ``data[0].b64_json`` (NVIDIA
    Dynamo, vLLM-Omni's sync shape) or a top-level ``url`` (SGLang with cloud upload)."""
    items = data.get("data")
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        first = items[0]
        url = first.get("url")
        if isinstance(url, str) and url.strip():
            return url.strip()
        b64 = first.get("b64_json")
        if isinstance(b64, str) and b64.strip():
            return f"data:video/mp4;base64,{b64.strip()}"
    url = data.get("url")
    if isinstance(url, str) and url.strip():
        return url.strip()
    return None


def video_from_mapping(data: Mapping[str, Any]) -> RemoteVideo:
    """Build a ``RemoteVideo`` from any server's ``Video`` JSON object, leniently.

    Accepts ``created`` for ``created_at``; ``seconds`` as a string, int or float (preferring
    ``num_frames``/``fps`` or ``duration_s``); ``error`` as an object or a plain string; a result
    URL or base64 on the object; missing optional keys (None or empty). Unknown statuses pass
    through unchanged. Raises ``ValueError`` when the object has no ``id``.
    """
    raw_id = data.get("id")
    if raw_id is None or str(raw_id).strip() == "":
        raise ValueError("the video object has no id")
    error = data.get("error")
    error_map: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    error_message = _opt_str(error_map.get("message"))
    if isinstance(error, str) and error.strip():
        error_message = error.strip()
    code = error_map.get("code")
    result_url = _result_url(data)
    status = data.get("status")
    if not status:
        # A server that hands the file over without a status has finished rendering it.
        status = "completed" if result_url else "queued"
    return RemoteVideo(
        id=str(raw_id),
        status=str(status),
        progress=max(0, min(100, _opt_int(data.get("progress")) or 0)),
        model=str(data.get("model") or ""),
        size=str(data.get("size") or ""),
        seconds=_seconds(data),
        created_at=_opt_int(data.get("created_at") or data.get("created")) or 0,
        completed_at=_opt_int(data.get("completed_at")),
        expires_at=_opt_int(data.get("expires_at")),
        prompt=_opt_str(data.get("prompt")),
        remixed_from_video_id=_opt_str(data.get("remixed_from_video_id")),
        error_code=None if code is None or isinstance(code, bool) else str(code),
        error_message=error_message,
        result_url=result_url,
        inference_time_s=_opt_float(data.get("inference_time_s")),
    )


_VIDEO_TASKS = frozenset({"t2v", "i2v", "ti2v", "s2v", "v2v", "vace", "video"})
_VIDEO_NAME_HINTS = (
    "sora",
    "veo",
    "wan2",
    "wan-2",
    "wan_2",
    "hunyuanvideo",
    "hunyuan-video",
    "ltx",
    "cosmos",
    "fastvideo",
    "fastwan",
    "turbowan",
    "kling",
    "runway",
    "gen4",
    "seedance",
    "hailuo",
    "mochi",
    "cogvideo",
    "video",
)


def looks_like_video_model(model_id: str, mode: str | None = None) -> bool:
    """Whether a listed model generates video: by its declared mode when there is one, else by
    well-known name fragments (Sora, Veo, Wan, HunyuanVideo, LTX, Cosmos, ...)."""
    if mode:
        lowered = mode.strip().lower()
        return "video" in lowered or lowered in _VIDEO_TASKS
    name = model_id.lower()
    return any(hint in name for hint in _VIDEO_NAME_HINTS)


def _model_from_entry(entry: Mapping[str, Any]) -> RemoteModel | None:
    model_id = entry.get("id") or entry.get("model_name") or entry.get("model_path")
    if not isinstance(model_id, str) or not model_id.strip():
        return None
    info = entry.get("model_info")
    info_map: Mapping[str, Any] = info if isinstance(info, Mapping) else {}
    mode = entry.get("mode") or info_map.get("mode") or entry.get("task_type")
    return RemoteModel(
        id=model_id.strip(),
        owned_by=_opt_str(entry.get("owned_by")),
        mode=_opt_str(mode),
        created=_opt_int(entry.get("created")),
    )


def models_from_payload(payload: Any) -> tuple[RemoteModel, ...]:
    """Models from a ``/models`` answer in any shape seen: ``{"data": [{"id", ...}]}`` (OpenAI,
    LiteLLM, vLLM), a bare list, LiteLLM's ``/model/info`` (``model_name`` + ``model_info.mode``)
    or SGLang's single ``{"model_path", "task_type"}``. Duplicates keep their first entry."""
    if isinstance(payload, Mapping):
        entries = payload.get("data")
        if not isinstance(entries, list):
            entries = [payload] if "model_path" in payload or "id" in payload else []
    elif isinstance(payload, list):
        entries = payload
    else:
        entries = []
    found: dict[str, RemoteModel] = {}
    for entry in entries:
        model = _model_from_entry(entry) if isinstance(entry, Mapping) else None
        if model is not None and model.id not in found:
            found[model.id] = model
    return tuple(found.values())


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
    """Seconds to wait from ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date).

    LiteLLM passes the upstream's advice on only as ``llm_provider-retry-after(-ms)``; those
    count when the plain ones are absent.
    """
    ms = headers.get("retry-after-ms") or headers.get("llm_provider-retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after") or headers.get("llm_provider-retry-after")
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
