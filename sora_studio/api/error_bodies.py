"""Reading what a server sent back when it was not the JSON object we asked for.

Real `/v1/videos` servers describe errors in four shapes (OpenAI's ``{"error": {...}}``, FastAPI's
``{"detail": ...}``, a flat ``{"message", "type", "code"}`` and ``{"code": 400, "message"}``), plus
``{"error": "a string"}``; proxies in front of them answer with HTML pages. :func:`read_error_body`
turns any of them into one :class:`ErrorDetails`; the helpers below describe HTML and other non-JSON
bodies safely (a short, printable excerpt; the page's ``<title>``). Pure functions over text: the
classification into error classes lives in ``api.errors``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sora_studio.core.capabilities import ErrorShape

EXCERPT_CHARS = 120
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# FastAPI prefixes a validation error's location with where the value came from.
_LOCATION_ROOTS = frozenset({"body", "query", "path", "header", "cookie", "form"})


@dataclass(frozen=True, slots=True)
class ErrorDetails:
    """What an error body says, whatever its shape. ``code`` holds only string codes (numeric
    ones, which repeat the HTTP status, go to ``numeric_code``)."""

    message: str | None = None
    code: str | None = None
    param: str | None = None
    type: str | None = None
    shape: ErrorShape | None = None
    numeric_code: int | None = None
    # A 422 validation list: (field, message) per entry, field "" when none is named.
    problems: tuple[tuple[str, str], ...] = ()


def parse_json(text: str) -> Any:
    """``text`` as JSON, or None when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _string_code(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _numeric_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _field_of(location: Any) -> str:
    if not isinstance(location, Sequence) or isinstance(location, str):
        return ""
    parts = [str(p) for p in location if not isinstance(p, int)]
    while parts and parts[0] in _LOCATION_ROOTS:
        parts = parts[1:]
    return ".".join(parts)


def _problems(items: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Mapping):
            message = _text(item.get("msg")) or _text(item.get("message")) or "invalid value"
            found.append((_field_of(item.get("loc")), message))
        elif _text(item):
            found.append(("", str(item).strip()))
    return tuple(found)


def _from_detail(detail: Any) -> ErrorDetails:
    if isinstance(detail, list):
        problems = _problems(detail)
        message = "; ".join(f"{field}: {msg}" if field else msg for field, msg in problems)
        param = next((field for field, _ in problems if field), None)
        return ErrorDetails(
            message=message or None, param=param, shape=ErrorShape.DETAIL, problems=problems
        )
    if isinstance(detail, Mapping):
        inner = _from_mapping(detail)
        return ErrorDetails(
            message=inner.message or _text(json.dumps(detail)[:300]),
            code=inner.code,
            param=inner.param,
            type=inner.type,
            shape=ErrorShape.DETAIL,
            numeric_code=inner.numeric_code,
        )
    return ErrorDetails(message=_text(str(detail)), shape=ErrorShape.DETAIL)


def _from_mapping(body: Mapping[str, Any]) -> ErrorDetails:
    error = body.get("error")
    if isinstance(error, Mapping):
        return ErrorDetails(
            message=_text(error.get("message")),
            code=_string_code(error.get("code")),
            param=_text(error.get("param")),
            type=_text(error.get("type")),
            shape=ErrorShape.OPENAI,
            numeric_code=_numeric_code(error.get("code")),
        )
    if isinstance(error, str):
        # {"error": "a string"} (some proxies, aiohttp servers): the closest official shape.
        return ErrorDetails(
            message=_text(error),
            code=_string_code(body.get("code")),
            type=_text(body.get("type")),
            shape=ErrorShape.OPENAI,
            numeric_code=_numeric_code(body.get("code")),
        )
    if "detail" in body:
        return _from_detail(body["detail"])
    if "message" in body or "code" in body:
        numeric = _numeric_code(body.get("code"))
        shape = (
            ErrorShape.CODE_MESSAGE
            if numeric is not None and "type" not in body
            else ErrorShape.FLAT
        )
        return ErrorDetails(
            message=_text(body.get("message")),
            code=_string_code(body.get("code")) if numeric is None else None,
            param=_text(body.get("param")),
            type=_text(body.get("type")),
            shape=shape,
            numeric_code=numeric,
        )
    return ErrorDetails()


def read_error_body(body: Any) -> ErrorDetails:
    """Details from a parsed error body (a mapping) or from its raw text."""
    if isinstance(body, str):
        parsed = parse_json(body)
        if parsed is None:
            return ErrorDetails()
        body = parsed
    if isinstance(body, Mapping):
        return _from_mapping(body)
    return ErrorDetails()


def error_shape_of(text: str) -> ErrorShape | None:
    """Which of the known error shapes ``text`` is, or None (not JSON, or none of them)."""
    return read_error_body(text).shape


def looks_like_html(text: str, content_type: str | None = None) -> bool:
    """An HTML page (a proxy's error page, a web UI at the wrong address), by header or content."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("text/html", "application/xhtml+xml"):
        return True
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body", "<title")) or (
        head.startswith("<") and "<html" in text[:2000].lower()
    )


def _clean(fragment: str) -> str:
    plain = html.unescape(_TAG.sub(" ", fragment))
    return _SPACE.sub(" ", plain).strip()


def html_title(text: str) -> str | None:
    """The page's ``<title>`` (or first ``<h1>``), cleaned and shortened; None when it has none."""
    for pattern in (_TITLE, _HEADING):
        match = pattern.search(text[:20_000])
        if match:
            title = _clean(match.group(1))
            if title:
                return title[:EXCERPT_CHARS]
    return None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, printable excerpt of a body, safe to show and log.

    HTML tags are dropped; control characters become spaces; long text ends with an ellipsis.
    """
    if looks_like_html(text):
        text = _clean(text[:20_000])
    printable = "".join(ch if ch.isprintable() else " " for ch in text[: limit * 4])
    single = _SPACE.sub(" ", printable).strip()
    if not single:
        return "(an empty body)"
    if len(single) <= limit:
        return repr(single)
    return repr(single[: limit - 1] + "…")


def describe_body(text: str, content_type: str | None = None) -> str:
    """A body that is not the expected JSON, in words: "an HTML page titled '502 Bad Gateway'",
    or an excerpt of whatever it was."""
    if looks_like_html(text, content_type):
        title = html_title(text)
        return f"an HTML page titled {title!r}" if title else "an HTML page"
    if not text.strip():
        return "an empty body"
    return f"text that is not JSON: {excerpt(text)}"
