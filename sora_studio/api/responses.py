"""Reading a successful answer's body: JSON expected, anything else a classified error.

A 2xx whose body is not JSON (malformed, truncated, an HTML page from a proxy) must not crash the
caller or pass for an invalid request: it becomes a TRANSIENT ``ProviderError`` with code
``not_json`` whose message says what arrived and to check the base URL. A JSON object without an
``id`` where a video was expected becomes ``not_a_video``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx2

from sora_studio.api.error_bodies import read_error_body
from sora_studio.api.errors import not_json_error
from sora_studio.api.remote import PollHints, RemoteVideo, hints_from_headers, video_from_mapping
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass

CODE_NOT_A_VIDEO = "not_a_video"  # a 2xx JSON object that is not a video (no id)


def _not_json(response: httpx2.Response, host: str) -> ProviderError:
    return not_json_error(
        response.status_code, response.headers.get("content-type"), response.text, host=host
    )


def json_any(response: httpx2.Response, *, host: str) -> Any:
    """The body as JSON (any type); a body that is not JSON is a TRANSIENT ``not_json`` error."""
    try:
        return response.json()
    except ValueError as exc:
        raise _not_json(response, host) from exc


def json_object(response: httpx2.Response, *, host: str) -> Mapping[str, Any]:
    """The body as a JSON object; anything else is a TRANSIENT ``not_json`` error."""
    data = json_any(response, host=host)
    if not isinstance(data, Mapping):
        raise _not_json(response, host)
    return data


def video_and_hints(response: httpx2.Response, *, host: str) -> tuple[RemoteVideo, PollHints]:
    """The video object a call answered with, and the headers' advice on when to ask again."""
    data = json_object(response, host=host)
    try:
        video = video_from_mapping(data)
    except ValueError as exc:
        said = read_error_body(dict(data)).message
        detail = f": {said}" if said else ""
        raise ProviderError(
            ErrorClass.TRANSIENT,
            f"{host} answered HTTP {response.status_code} without a video (no id){detail}; "
            "it will be retried. If this persists, check that the base URL in "
            "Settings > Providers is the server's /v1 address",
            status_code=response.status_code,
            code=CODE_NOT_A_VIDEO,
        ) from exc
    return video, hints_from_headers(response.headers)


__all__ = ["CODE_NOT_A_VIDEO", "json_any", "json_object", "video_and_hints"]
