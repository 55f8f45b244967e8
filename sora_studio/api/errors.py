"""Turn SDK and transport exceptions into classified ``ProviderError``s with messages that say what
to do next (DESIGN.md §3 rule 4). Nothing outside ``api/`` ever sees an ``openai`` exception.

Error bodies are read in every shape real servers use (``api.error_bodies``); an HTML page from a
proxy is TRANSIENT, a 2xx that is not JSON is TRANSIENT ``not_json`` (never "invalid request"),
and DELETE refused with 405/501 is ``unsupported``. :func:`classify_status` works from a status,
headers and body text, so downloads that bypass the SDK are classified the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai

from sora_studio.api.error_bodies import (
    describe_body,
    excerpt,
    html_title,
    looks_like_html,
    read_error_body,
)
from sora_studio.api.remote import parse_retry_after_s
from sora_studio.core.errors import RETIRED_PROVIDER_MESSAGE, ProviderError
from sora_studio.core.models import ErrorClass

RETIRED_MESSAGE = RETIRED_PROVIDER_MESSAGE
# ProviderError.code of a call that never reached the server (connection refused, no route).
CONNECT_FAILED = "connect_failed"
OPENAI_HOST = "api.openai.com"
_RETIREMENT_WORDS = ("model", "deprecat", "shut down", "shutdown", "retired", "sunset", "no longer")
_POLICY_CODES = frozenset(
    {"moderation_blocked", "content_policy_violation", "content_filter", "policy_violation"}
)
# ProviderError.code values this module sets itself (the engine may branch on them).
CODE_NOT_JSON = "not_json"  # a 2xx body that is not a JSON object
CODE_HTML_PAGE = "html_error_page"  # an error status answered with an HTML page
CODE_UNSUPPORTED = "unsupported"  # the provider does not offer this operation (DELETE 405/501)
# Words in a 400/422 that point at the body's encoding rather than its content.
_FORMAT_HINTS = (
    "content-type",
    "content type",
    "media type",
    "multipart",
    "form-data",
    "form data",
    "application/json",
    "not valid json",
    "invalid json",
    "json decode",
    "jsondecodeerror",
    "expecting value",
    "could not parse the body",
    "error parsing the body",
    "unable to parse",
)
_TRANSIENT_FAILURE_CODES = frozenset(
    {"internal_error", "server_error", "timeout", "service_unavailable", "generation_failed"}
)


def _host(base_url: str | None, exc: Exception | None = None) -> str:
    request = getattr(exc, "request", None)
    if isinstance(request, httpx2.Request):
        return request.url.host or "the provider"
    if base_url:
        return urlsplit(base_url).hostname or base_url
    return "the provider"


def _is_sora(model: str | None) -> bool:
    return bool(model) and str(model).lower().startswith("sora")


def _mentions_retirement(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _RETIREMENT_WORDS)


def to_provider_error(
    exc: Exception, *, model: str | None = None, base_url: str | None = None
) -> ProviderError:
    """Classify ``exc``. Pass ``model`` only for calls that ask for a model (create)."""
    if isinstance(exc, ProviderError):
        return exc
    host = _host(base_url, exc)
    if isinstance(exc, openai.APITimeoutError):
        return _timed_out(host, "request")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"could not reach {host}: {cause}; check your network or the provider's status",
            # Refused or unroutable: the request never reached the server, so nothing was
            # created and it may be sent again (the engine relies on this).
            code=CONNECT_FAILED if isinstance(cause, httpx2.ConnectError) else None,
        )
    if isinstance(exc, openai.APIStatusError):
        return classify_status(
            exc.status_code,
            exc.response.headers,
            _response_text(exc.response),
            host=host,
            model=model,
            request_id=exc.request_id,
            sdk_body=exc.body,
        )
    if isinstance(exc, openai.APIResponseValidationError):
        return ProviderError(
            ErrorClass.INTERNAL,
            f"{host} sent a response the app could not read ({exc.message}); "
            "check that the base URL points at a /v1/videos-compatible service",
            status_code=exc.response.status_code,
        )
    if isinstance(exc, httpx2.TimeoutException):
        return _timed_out(host, "transfer")
    if isinstance(exc, httpx2.HTTPError):
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"the connection to {host} broke off ({exc}); it will be retried",
        )
    if isinstance(exc, json.JSONDecodeError):
        # A 2xx body that is not JSON; callers that still hold the response use not_json_error.
        return not_json_error(200, None, exc.doc, host=host)
    if isinstance(exc, ValueError):
        return ProviderError(ErrorClass.INVALID_REQUEST, f"invalid request: {exc}")
    return ProviderError(ErrorClass.INTERNAL, f"unexpected error talking to {host}: {exc!r}")


def _timed_out(host: str, what: str) -> ProviderError:
    """A timed-out ``what`` (the SDK's request, or a download's transfer): transient."""
    return ProviderError(
        ErrorClass.TRANSIENT,
        f"could not reach {host}: the {what} timed out; check your network or the "
        "provider's status",
    )


def _response_text(response: httpx2.Response | None) -> str:
    if response is None:
        return ""
    try:
        return response.text
    except (httpx2.HTTPError, RuntimeError, UnicodeDecodeError):
        # A streamed body that was closed unread: classify on the status alone.
        return ""


def error_from_response(
    response: httpx2.Response, *, host: str | None = None, model: str | None = None
) -> ProviderError:
    """Classify a non-2xx ``httpx2`` response that did not pass through the SDK (downloads from a
    result URL). The response body must have been read."""
    return classify_status(
        response.status_code,
        response.headers,
        _response_text(response),
        host=host or response.request.url.host or "the provider",
        model=model,
        request_id=response.headers.get("x-request-id"),
    )


def not_json_error(status: int, content_type: str | None, text: str, *, host: str) -> ProviderError:
    """A successful answer whose body is not a JSON object (malformed, truncated, an HTML page).

    TRANSIENT: the same call may well succeed once a flapping proxy recovers; when it persists, the
    base URL is the likely culprit, and the message says so.
    """
    what = describe_body(text, content_type)
    return ProviderError(
        ErrorClass.TRANSIENT,
        f"{host} answered HTTP {status} with something that is not JSON ({what}); it will be "
        "retried. If this persists, check that the base URL in Settings > Providers is the "
        "server's /v1 address and that no proxy or login page is in front of it",
        status_code=status,
        code=CODE_NOT_JSON,
    )


def unsupported_delete_error(host: str, status: int) -> ProviderError:
    """DELETE answered 405/501: the provider keeps its copy until it expires."""
    return ProviderError(
        ErrorClass.INVALID_REQUEST,
        f"{host} does not delete videos (HTTP {status}); the clip is removed from this library "
        "only, and the provider's copy stays until it expires there",
        status_code=status,
        code=CODE_UNSUPPORTED,
    )


def is_body_format_refusal(exc: openai.APIStatusError, sent_fields: Iterable[str]) -> bool:
    """Whether a 400/415/422 looks like the server refusing the body's encoding (JSON vs
    multipart) rather than its content: worth one retry in the other encoding."""
    status = exc.status_code
    if status == 415:
        return True
    if status not in (400, 422):
        return False
    text = _response_text(exc.response)
    details = read_error_body(text)
    sent = {name.lower() for name in sent_fields}
    for field, message in details.problems:
        lowered = message.lower()
        if field == "" and ("json" in lowered or "dict" in lowered or "object" in lowered):
            return True
        # A field we did send that the server calls missing: it could not read the body at all.
        if field.lower() in sent and ("required" in lowered or "missing" in lowered):
            return True
    lowered = (details.message or text[:2000]).lower()
    if any(hint in lowered for hint in _FORMAT_HINTS):
        return True
    return any(
        re.search(rf"\b{re.escape(name)}\b.*\b(is required|missing)\b", lowered) for name in sent
    )


def _shown(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def classify_status(
    status: int,
    headers: Mapping[str, str],
    text: str,
    *,
    host: str,
    model: str | None = None,
    request_id: str | None = None,
    sdk_body: object = None,
) -> ProviderError:
    """Classify a non-2xx answer from its status, headers and body text (any error shape)."""
    content_type = headers.get("content-type")
    if looks_like_html(text, content_type) and status not in (401, 403, 407, 429):
        return _html_page_error(status, headers, text, host=host, request_id=request_id)
    details = read_error_body(text)
    if details.shape is None and isinstance(sdk_body, Mapping):
        details = read_error_body(dict(sdk_body))
    message = details.message or (excerpt(text) if text.strip() else f"HTTP {status}")
    message = _shown(message)
    code, param = details.code, details.param
    extra: dict[str, Any] = {"status_code": status, "code": code, "request_id": request_id}
    on_openai = host == OPENAI_HOST

    if on_openai and (_mentions_retirement(message) or (status == 404 and _is_sora(model))):
        return ProviderError(ErrorClass.MODEL_UNAVAILABLE, RETIRED_MESSAGE, **extra)
    if status == 404 and model is not None and param not in (None, "model"):
        # On create, a missing referenced object (a character, a file) is a bad request.
        return ProviderError(
            ErrorClass.INVALID_REQUEST,
            f"the provider could not find what the request refers to ({param}): {message}; "
            "choose another reference and submit again",
            param=param,
            **extra,
        )
    if status == 404 and _is_sora(model):
        return ProviderError(
            ErrorClass.MODEL_UNAVAILABLE,
            f"{host} does not serve {model} ({message}). {RETIRED_MESSAGE}",
            **extra,
        )
    if status == 404 and model is not None and not on_openai:
        # On create, a 404 names the model (or the route) the server does not have.
        return ProviderError(
            ErrorClass.MODEL_UNAVAILABLE,
            f"{host} answered 404 to the render request ({message}): it may not serve "
            f"{model!r}, or the base URL is wrong; choose a model it lists (Test connection in "
            "Settings > Providers shows them) or fix the base URL",
            **extra,
        )
    if code and code.lower() in _POLICY_CODES:
        return ProviderError(
            ErrorClass.POLICY_BLOCKED,
            f"the provider's content policy refused this request: {message}; "
            "rephrase the prompt or change the reference",
            param=param,
            **extra,
        )
    if status in (401, 407):
        return ProviderError(
            ErrorClass.AUTH,
            "the provider rejected the API key; set it in Settings > Providers",
            **extra,
        )
    if status == 403:
        if code in ("model_not_found", "unsupported_model") or "model" in message.lower():
            return ProviderError(
                ErrorClass.MODEL_UNAVAILABLE,
                f"{host} does not give this key access to {model or 'the model'}: {message}; "
                "choose another model or provider in Settings > Providers",
                **extra,
            )
        return ProviderError(
            ErrorClass.AUTH,
            f"the provider refused access: {message}; check the key's permissions in "
            "Settings > Providers",
            **extra,
        )
    if status == 429:
        if code == "insufficient_quota":
            return ProviderError(
                ErrorClass.AUTH,
                f"the account has no quota left: {message}; check billing with the provider",
                **extra,
            )
        retry_after = parse_retry_after_s(headers)
        wait = f"retrying in {retry_after:.0f} s" if retry_after is not None else "retrying later"
        return ProviderError(
            ErrorClass.RATE_LIMITED,
            f"rate limited by the provider; {wait}",
            retry_after_s=retry_after,
            **extra,
        )
    if (code and "expired" in code.lower()) or status == 410:
        return ProviderError(
            ErrorClass.EXPIRED,
            f"the provider no longer has these files: {message}; render the clip again if you "
            "still need it",
            **extra,
        )
    if status == 404:
        return ProviderError(
            ErrorClass.NOT_FOUND,
            f"not found on {host}: {message}; if this was a render, the provider deleted it or "
            "lost it (an expiry or a restart): render it again if you still need it",
            **extra,
        )
    if status in (400, 409, 413, 415, 422):
        where = f" ({param})" if param else ""
        fix = f"change {param}" if param else "change the request"
        return ProviderError(
            ErrorClass.INVALID_REQUEST,
            f"the provider refused the request{where}: {message}; {fix} and submit again",
            param=param,
            **extra,
        )
    if status == 408 or status >= 500:
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"{host} had a problem (HTTP {status}: {message}); it will be retried",
            retry_after_s=parse_retry_after_s(headers),
            **extra,
        )
    return ProviderError(
        ErrorClass.INTERNAL,
        f"{host} answered HTTP {status}: {message}; check the base URL in Settings > Providers "
        "and the server's logs",
        param=param,
        **extra,
    )


def _html_page_error(
    status: int, headers: Mapping[str, str], text: str, *, host: str, request_id: str | None
) -> ProviderError:
    title = html_title(text)
    page = f"an HTML error page ({title!r})" if title else "an HTML error page"
    return ProviderError(
        ErrorClass.TRANSIENT,
        f"{host} or a proxy in front of it answered HTTP {status} with {page} instead of JSON; "
        "it will be retried. If this persists, check that the server is running and that the "
        "base URL in Settings > Providers is the server's /v1 address",
        status_code=status,
        code=CODE_HTML_PAGE,
        retry_after_s=parse_retry_after_s(headers),
        request_id=request_id,
    )


def classify_video_failure(code: str | None, message: str | None) -> tuple[ErrorClass, str]:
    """Class and user message for a video whose status is ``failed`` (``Video.error``)."""
    detail = (message or "").strip() or "no reason given"
    lowered = (code or "").lower()
    if lowered in _POLICY_CODES or "moderation" in lowered or "policy" in lowered:
        return (
            ErrorClass.POLICY_BLOCKED,
            f"blocked by the provider's content policy: {detail}; rephrase the prompt "
            "(no real people, copyrighted characters or music, nothing unsuitable under 18)",
        )
    if "rate_limit" in lowered:
        return ErrorClass.RATE_LIMITED, f"the provider was too busy to render it: {detail}"
    if lowered.startswith("invalid") or lowered in ("bad_request", "unsupported_value"):
        return ErrorClass.INVALID_REQUEST, f"the provider could not use this request: {detail}"
    if lowered in _TRANSIENT_FAILURE_CODES or not lowered:
        return ErrorClass.TRANSIENT, f"the render failed on the provider's side: {detail}; retry it"
    return ErrorClass.TRANSIENT, f"the render failed ({code}): {detail}; retry it"
