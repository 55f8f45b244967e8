"""Turn SDK and transport exceptions into classified ``ProviderError``s with messages that say what
to do next (DESIGN.md §3 rule 4). Nothing outside ``api/`` ever sees an ``openai`` exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai

from sora_studio.api.remote import parse_retry_after_s
from sora_studio.core.errors import RETIRED_PROVIDER_MESSAGE, ProviderError
from sora_studio.core.models import ErrorClass

RETIRED_MESSAGE = RETIRED_PROVIDER_MESSAGE
OPENAI_HOST = "api.openai.com"
_RETIREMENT_WORDS = ("model", "deprecat", "shut down", "shutdown", "retired", "sunset", "no longer")
_POLICY_CODES = frozenset(
    {"moderation_blocked", "content_policy_violation", "content_filter", "policy_violation"}
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


def _error_body(exc: openai.APIStatusError) -> Mapping[str, Any]:
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error")
        return inner if isinstance(inner, Mapping) else body
    return {}


def _provider_message(exc: openai.APIStatusError) -> str:
    body = _error_body(exc)
    message = body.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    text = exc.response.text.strip() if exc.response is not None else ""
    return text[:300] or f"HTTP {exc.status_code}"


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
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"could not reach {host}: the request timed out; check your network or the "
            "provider's status",
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"could not reach {host}: {cause}; check your network or the provider's status",
        )
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, host=host, model=model)
    if isinstance(exc, openai.APIResponseValidationError):
        return ProviderError(
            ErrorClass.INTERNAL,
            f"{host} sent a response the app could not read ({exc.message}); "
            "check that the base URL points at a /v1/videos-compatible service",
            status_code=exc.response.status_code,
        )
    if isinstance(exc, httpx2.TimeoutException):
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"could not reach {host}: the transfer timed out; check your network or the "
            "provider's status",
        )
    if isinstance(exc, httpx2.HTTPError):
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"the connection to {host} broke off ({exc}); it will be retried",
        )
    if isinstance(exc, ValueError):
        return ProviderError(ErrorClass.INVALID_REQUEST, f"invalid request: {exc}")
    return ProviderError(ErrorClass.INTERNAL, f"unexpected error talking to {host}: {exc!r}")


def _from_status(exc: openai.APIStatusError, *, host: str, model: str | None) -> ProviderError:
    status = exc.status_code
    body = _error_body(exc)
    message = _provider_message(exc)
    code = body.get("code") if isinstance(body.get("code"), str) else None
    param = body.get("param") if isinstance(body.get("param"), str) else None
    extra: dict[str, Any] = {"status_code": status, "code": code, "request_id": exc.request_id}
    on_openai = host == OPENAI_HOST

    if on_openai and (_mentions_retirement(message) or (status == 404 and _is_sora(model))):
        return ProviderError(ErrorClass.MODEL_UNAVAILABLE, RETIRED_MESSAGE, **extra)
    if status == 404 and model is not None and param not in (None, "model"):
        # On create, a missing referenced object (a character, a file) is a bad request.
        return ProviderError(
            ErrorClass.INVALID_REQUEST,
            f"the provider could not find what the request refers to ({param}): {message}",
            param=param,
            **extra,
        )
    if status == 404 and _is_sora(model):
        return ProviderError(
            ErrorClass.MODEL_UNAVAILABLE,
            f"{host} does not serve {model} ({message}). {RETIRED_MESSAGE}",
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
    if status == 401:
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
        retry_after = parse_retry_after_s(exc.response.headers)
        wait = f"retrying in {retry_after:.0f} s" if retry_after is not None else "retrying later"
        return ProviderError(
            ErrorClass.RATE_LIMITED,
            f"rate limited by the provider; {wait}",
            retry_after_s=retry_after,
            **extra,
        )
    if status == 404:
        if code and "expired" in code.lower():
            return ProviderError(
                ErrorClass.EXPIRED,
                f"the provider no longer has these files: {message}",
                **extra,
            )
        return ProviderError(ErrorClass.NOT_FOUND, f"not found on {host}: {message}", **extra)
    if (code and "expired" in code.lower()) or status == 410:
        return ProviderError(
            ErrorClass.EXPIRED, f"the provider no longer has these files: {message}", **extra
        )
    if status in (400, 409, 413, 415, 422):
        where = f" ({param})" if param else ""
        return ProviderError(
            ErrorClass.INVALID_REQUEST,
            f"the provider refused the request{where}: {message}",
            param=param,
            **extra,
        )
    if status == 408 or status >= 500:
        return ProviderError(
            ErrorClass.TRANSIENT,
            f"{host} had a problem (HTTP {status}: {message}); it will be retried",
            retry_after_s=parse_retry_after_s(exc.response.headers),
            **extra,
        )
    return ProviderError(
        ErrorClass.INTERNAL, f"{host} answered HTTP {status}: {message}", param=param, **extra
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
