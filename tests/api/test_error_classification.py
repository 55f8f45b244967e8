"""Classification of SDK errors. The exceptions are the SDK's own classes built from real
``httpx2`` responses (what the SDK itself does on a non-2xx answer), not mocks."""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest

from sora_studio.api.errors import RETIRED_MESSAGE, classify_video_failure, to_provider_error
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass

GATEWAY = "http://127.0.0.1:4000/v1"
OPENAI = "https://api.openai.com/v1"

_CLASSES: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


def status_error(
    status: int,
    message: str = "boom",
    *,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    base: str = GATEWAY,
    path: str = "/videos",
) -> openai.APIStatusError:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    request = httpx2.Request("POST", base + path)
    response = httpx2.Response(
        status, headers=headers or {}, json={"error": error}, request=request
    )
    cls = _CLASSES.get(
        status, openai.InternalServerError if status >= 500 else openai.APIStatusError
    )
    # The SDK passes the inner error object as ``body``.
    return cls(f"Error code: {status} - {message}", response=response, body=error)


def classify(exc: Exception, **kwargs: Any) -> ProviderError:
    return to_provider_error(exc, **kwargs)


def test_connection_and_timeout_errors_are_transient_and_name_the_host() -> None:
    request = httpx2.Request("GET", "http://videos.example:8080/v1/videos/x")
    err = classify(openai.APIConnectionError(request=request))
    assert err.error_class is ErrorClass.TRANSIENT
    assert "could not reach videos.example" in err.message
    assert "check your network or the provider's status" in err.message
    err = classify(openai.APITimeoutError(request=request))
    assert err.error_class is ErrorClass.TRANSIENT
    assert "timed out" in err.message


def test_401_is_auth() -> None:
    err = classify(status_error(401, "Incorrect API key provided"))
    assert err.error_class is ErrorClass.AUTH
    assert err.message == "the provider rejected the API key; set it in Settings > Providers"
    assert err.status_code == 401


def test_403_is_auth_or_model_unavailable() -> None:
    assert (
        classify(status_error(403, "Organization must be verified")).error_class is ErrorClass.AUTH
    )
    err = classify(
        status_error(403, "You do not have access to the model sora-2-pro"), model="sora-2-pro"
    )
    assert err.error_class is ErrorClass.MODEL_UNAVAILABLE


def test_openai_retirement_messages_become_model_unavailable() -> None:
    for exc in (
        status_error(404, "Not found", base=OPENAI),
        status_error(400, "The Videos API has been shut down", base=OPENAI),
        status_error(403, "The model `sora-2` has been deprecated", base=OPENAI),
    ):
        err = classify(exc, model="sora-2")
        assert err.error_class is ErrorClass.MODEL_UNAVAILABLE
        assert err.message == RETIRED_MESSAGE


def test_404_on_create_with_a_sora_model_on_a_gateway_mentions_the_retirement() -> None:
    err = classify(status_error(404, "no route"), model="sora-2")
    assert err.error_class is ErrorClass.MODEL_UNAVAILABLE
    assert "127.0.0.1" in err.message and RETIRED_MESSAGE in err.message


def test_404_for_a_referenced_object_on_create_is_invalid_request() -> None:
    exc = status_error(404, "Character char_9 not found", code="not_found", param="characters")
    err = classify(exc, model="sora-2")
    assert err.error_class is ErrorClass.INVALID_REQUEST
    assert err.param == "characters"


def test_plain_404_is_not_found_and_expired_code_is_expired() -> None:
    assert classify(status_error(404, "No video found")).error_class is ErrorClass.NOT_FOUND
    err = classify(status_error(404, "assets expired", code="video_expired"))
    assert err.error_class is ErrorClass.EXPIRED


def test_429_reads_retry_after_ms_then_retry_after() -> None:
    err = classify(status_error(429, "slow down", headers={"retry-after-ms": "2500"}))
    assert err.error_class is ErrorClass.RATE_LIMITED
    assert err.retry_after_s == 2.5
    assert err.message == "rate limited by the provider; retrying in 2 s"
    err = classify(status_error(429, "slow down", headers={"retry-after": "7"}))
    assert err.retry_after_s == 7.0
    assert "retrying in 7 s" in err.message


def test_429_insufficient_quota_is_not_a_rate_limit() -> None:
    err = classify(status_error(429, "You exceeded your quota", code="insufficient_quota"))
    assert err.error_class is ErrorClass.AUTH
    assert "quota" in err.message


@pytest.mark.parametrize("status", [400, 422])
def test_bad_request_keeps_param_and_provider_message(status: int) -> None:
    exc = status_error(
        status,
        "Invalid value: '10'. Supported values are: '4', '8', and '12'.",
        code="invalid_value",
        param="seconds",
        headers={"x-request-id": "req_42"},
    )
    err = classify(exc)
    assert err.error_class is ErrorClass.INVALID_REQUEST
    assert err.param == "seconds"
    assert "Supported values are" in err.message and "(seconds)" in err.message
    assert err.code == "invalid_value"
    assert err.request_id == "req_42"


def test_moderation_code_on_create_is_policy_blocked() -> None:
    err = classify(status_error(400, "prompt refused", code="moderation_blocked"))
    assert err.error_class is ErrorClass.POLICY_BLOCKED


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_server_errors_are_transient(status: int) -> None:
    err = classify(status_error(status, "upstream hiccup"))
    assert err.error_class is ErrorClass.TRANSIENT
    assert str(status) in err.message


def test_value_error_and_transport_errors() -> None:
    err = classify(ValueError("Expected a non-empty value for `video_id` but received ''"))
    assert err.error_class is ErrorClass.INVALID_REQUEST
    request = httpx2.Request("GET", "http://127.0.0.1:9/v1/videos/v/content")
    cut = httpx2.RemoteProtocolError("peer closed connection", request=request)
    assert classify(cut).error_class is ErrorClass.TRANSIENT
    assert classify(RuntimeError("odd")).error_class is ErrorClass.INTERNAL
    original = ProviderError(ErrorClass.AUTH, "x")
    assert classify(original) is original


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("moderation_blocked", ErrorClass.POLICY_BLOCKED),
        ("content_policy_violation", ErrorClass.POLICY_BLOCKED),
        ("internal_error", ErrorClass.TRANSIENT),
        (None, ErrorClass.TRANSIENT),
        ("invalid_reference", ErrorClass.INVALID_REQUEST),
        ("rate_limit_exceeded", ErrorClass.RATE_LIMITED),
        ("something_new", ErrorClass.TRANSIENT),
    ],
)
def test_classify_video_failure(code: str | None, expected: ErrorClass) -> None:
    error_class, message = classify_video_failure(code, "details here")
    assert error_class is expected
    assert "details here" in message
