"""Request bodies as one nested dict, whether they came as JSON or as multipart form data.

The SDK flattens nested objects into multipart *bracket keys*: ``input_reference[image_url]``,
``video[id]`` and one ``characters[][id]`` part per character (``characters[0][id]`` is tolerated
too). ``unflatten`` rebuilds the JSON shape from them so each handler validates one structure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from sora_studio.emulator.errors import bad_request

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
MAX_FIELD_BYTES = 21 * 1024 * 1024  # image_url data: URLs may be 20 MiB


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part, read into memory (uploads to the emulator are small clips and images)."""

    filename: str
    content_type: str
    data: bytes


def _segments(key: str) -> list[str]:
    match = _KEY.match(key)
    if not match:
        raise bad_request(f"Malformed form field name {key!r}.", param=key)
    rest = re.findall(r"\[([^\[\]]*)\]", match.group(2))
    return [match.group(1), *rest]


def _set(target: dict[str, Any], parts: list[str], value: Any, full_key: str) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        target[head] = value
        return
    nxt = rest[0]
    if nxt == "" or nxt.isdigit():
        items = target.setdefault(head, [])
        if not isinstance(items, list):
            raise bad_request(f"Form field {full_key!r} mixes a list and a value.", param=head)
        if nxt == "":
            # "characters[][id]": each part starts a new element, one per character.
            if len(rest) == 1:
                items.append(value)
                return
            element: dict[str, Any] = {}
            items.append(element)
            _set(element, rest[1:], value, full_key)
            return
        index = int(nxt)
        while len(items) <= index:
            items.append({})
        if len(rest) == 1:
            items[index] = value
            return
        if not isinstance(items[index], dict):
            raise bad_request(f"Form field {full_key!r} mixes a list and a value.", param=head)
        _set(items[index], rest[1:], value, full_key)
        return
    child = target.setdefault(head, {})
    if not isinstance(child, dict):
        raise bad_request(f"Form field {full_key!r} mixes an object and a value.", param=head)
    _set(child, rest, value, full_key)


def unflatten(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Bracket-keyed form pairs as one nested dict."""
    body: dict[str, Any] = {}
    for key, value in pairs:
        _set(body, _segments(key), value, key)
    return body


async def read_body(request: Request, *, multipart_only: bool = False) -> dict[str, Any]:
    """The request body as a nested dict; file parts become ``Upload`` values."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data" or (
        content_type == "application/x-www-form-urlencoded" and not multipart_only
    ):
        form = await request.form(max_part_size=MAX_FIELD_BYTES)
        pairs: list[tuple[str, Any]] = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                pairs.append(
                    (
                        key,
                        Upload(
                            filename=value.filename or "upload",
                            content_type=value.content_type or "application/octet-stream",
                            data=data,
                        ),
                    )
                )
            else:
                pairs.append((key, value))
        await form.close()
        return unflatten(pairs)
    if multipart_only:
        raise bad_request(
            "This endpoint takes multipart/form-data only (a 'name' field and a 'video' file)."
        )
    raw = await request.body()
    if not raw.strip():
        return {}
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise bad_request(
            f"Unsupported content type {content_type!r}; send application/json or "
            "multipart/form-data."
        )
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def require_str(body: dict[str, Any], key: str) -> str:
    """The string field ``key``, or the API's refusal when it is missing or not a string."""
    value = body.get(key)
    if value is None:
        raise bad_request(f"Missing required parameter: '{key}'.", param=key)
    if not isinstance(value, str):
        raise bad_request(
            f"Invalid type for '{key}': expected a string, but got {type(value).__name__}.",
            param=key,
            code="invalid_type",
        )
    return value


def whole_seconds(value: Any, *, default: str | None) -> int:
    """A ``seconds`` field as a whole number; ``default`` None makes it required."""
    if value is None:
        if default is None:
            raise bad_request("Missing required parameter: 'seconds'.", param="seconds")
        value = default
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise bad_request(
            f"Invalid value for 'seconds': {value!r}. Use a whole number of seconds such as '4'.",
            param="seconds",
            code="invalid_value",
        )
    return int(text)
