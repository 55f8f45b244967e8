"""Every error shape real servers send, HTML pages from proxies and 2xx bodies that are not JSON,
read through the real SDK from a loopback server that answers exactly those bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sora_studio.api.error_bodies import (
    describe_body,
    error_shape_of,
    excerpt,
    html_title,
    read_error_body,
)
from sora_studio.api.errors import classify_status
from sora_studio.api.provider import ProviderProfile
from sora_studio.api.videos import VideosClient
from sora_studio.core.capabilities import ErrorShape
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass, RenderRequest

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
HTML = {"content-type": "text/html"}


def client_for(server: Any, **profile_args: Any) -> VideosClient:
    profile = ProviderProfile(
        "test", "gateway", server.base_url, "none", timeout_s=3.0, max_retries=0, **profile_args
    )
    return VideosClient(profile)


def kite() -> RenderRequest:
    return RenderRequest(prompt="a red kite", model="wan-2.2-ti2v-5b", size="1280x720", seconds=4)


def retrieve_error(canned: Any, status: int, body: Any, headers: Any = None) -> ProviderError:
    canned.answers.clear()  # this answer only (the canned server repeats its last one)
    canned.queue(status, body, headers)
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.retrieve("video_1")
    return info.value


@pytest.mark.parametrize(
    ("body", "shape", "message"),
    [
        (
            {"error": {"message": "Invalid size", "type": "invalid_request_error", "code": None}},
            ErrorShape.OPENAI,
            "Invalid size",
        ),
        ({"detail": "size must look like WxH"}, ErrorShape.DETAIL, "size must look like WxH"),
        (
            {"message": "seconds out of range", "type": "BadRequestError", "code": 400},
            ErrorShape.FLAT,
            "seconds out of range",
        ),
        ({"code": 400, "message": "bad seconds"}, ErrorShape.CODE_MESSAGE, "bad seconds"),
        ({"error": "no such model"}, ErrorShape.OPENAI, "no such model"),
    ],
)
def test_each_error_shape_is_read_through_the_sdk(
    canned: Any, body: Any, shape: ErrorShape, message: str
) -> None:
    assert error_shape_of(json.dumps(body)) is shape
    err = retrieve_error(canned, 400, body)
    assert err.error_class is ErrorClass.INVALID_REQUEST
    assert message in err.message
    assert "submit again" in err.message  # says what to do next
    assert err.status_code == 400
    assert err.code is None  # numeric codes repeat the status; they are not error codes


def test_fastapi_validation_list_names_the_field(canned: Any) -> None:
    body = {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["body", "seconds"],
                "msg": "Input should be a valid integer",
                "input": "eight",
            }
        ]
    }
    err = retrieve_error(canned, 422, body)
    assert err.error_class is ErrorClass.INVALID_REQUEST
    assert err.param == "seconds"
    assert "(seconds)" in err.message and "Input should be a valid integer" in err.message
    assert "change seconds and submit again" in err.message


def test_detail_404_is_not_found_and_says_what_to_do(canned: Any) -> None:
    err = retrieve_error(canned, 404, {"detail": "Video not found"})
    assert err.error_class is ErrorClass.NOT_FOUND
    assert "Video not found" in err.message and "render it again" in err.message


def test_flat_string_code_is_kept_for_policy_checks(canned: Any) -> None:
    body = {"message": "prompt refused", "type": "policy", "code": "moderation_blocked"}
    err = retrieve_error(canned, 400, body)
    assert err.error_class is ErrorClass.POLICY_BLOCKED
    assert err.code == "moderation_blocked"


def test_html_502_from_a_proxy_is_transient_and_names_the_page(canned: Any) -> None:
    err = retrieve_error(canned, 502, NGINX_502, HTML)
    assert err.error_class is ErrorClass.TRANSIENT
    assert err.code == "html_error_page"
    assert "'502 Bad Gateway'" in err.message
    assert "HTML error page" in err.message and "proxy" in err.message
    assert "base URL" in err.message  # what to do when it persists


def test_html_page_without_a_title_and_other_statuses(canned: Any) -> None:
    err = retrieve_error(canned, 404, b"<!DOCTYPE html><p>nothing here</p>", HTML)
    assert err.error_class is ErrorClass.TRANSIENT  # not "lost by the provider"
    assert "HTML error page instead of JSON" in err.message
    # An HTML 401 from an auth proxy is still an auth problem.
    err = retrieve_error(canned, 401, b"<html><title>Login</title></html>", HTML)
    assert err.error_class is ErrorClass.AUTH


@pytest.mark.parametrize(
    "payload",
    [b'{"id": "video_1", "status": "queu', b"<html><title>Portal</title></html>", b"OK", b""],
)
def test_2xx_that_is_not_json_on_retrieve_is_transient(canned: Any, payload: bytes) -> None:
    err = retrieve_error(canned, 200, payload)
    assert err.error_class is ErrorClass.TRANSIENT
    assert err.code == "not_json"
    assert "not JSON" in err.message and "base URL" in err.message
    assert "invalid request" not in err.message.lower()


def test_2xx_that_is_not_json_on_create_is_transient(canned: Any) -> None:
    canned.queue(200, b"<html><head><title>Welcome to nginx!</title></head></html>", HTML)
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.create(kite())
    assert info.value.error_class is ErrorClass.TRANSIENT
    assert info.value.code == "not_json"
    assert "Welcome to nginx!" in info.value.message


def test_json_list_or_object_without_id_is_not_a_video(canned: Any) -> None:
    err = retrieve_error(canned, 200, ["video_1"])
    assert err.code == "not_json"
    err = retrieve_error(canned, 200, {"error": {"message": "upstream said no"}})
    assert err.error_class is ErrorClass.TRANSIENT
    assert err.code == "not_a_video" and "upstream said no" in err.message


def test_delete_405_is_unsupported_with_a_local_delete_message(canned: Any) -> None:
    canned.queue(405, {"detail": "Method Not Allowed"})
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.delete("video_1")
    assert info.value.code == "unsupported"
    assert "does not delete videos" in info.value.message
    assert "until it expires" in info.value.message


def test_delete_accepts_every_servers_answer(canned: Any) -> None:
    canned.queue(200, {"id": "v", "object": "video.deleted"})
    canned.queue(200, {"id": "v", "status": "deleted", "object": "video"})
    canned.queue(200, {"id": "v", "object": "video.deleted", "deleted": False})
    with client_for(canned) as client:
        assert client.delete("v") is True
        assert client.delete("v") is True
        assert client.delete("v") is False


def test_error_body_helpers_are_safe_and_short() -> None:
    assert html_title(NGINX_502.decode()) == "502 Bad Gateway"
    assert html_title("<html><body><h1>Oops &amp; sorry</h1></body></html>") == "Oops & sorry"
    long = "x" * 500 + "\x00\x1b[31m"
    shown = excerpt(long)
    assert len(shown) < 130 and "\x00" not in shown and "\x1b" not in shown
    assert describe_body("") == "an empty body"
    assert describe_body("<html><title>T</title></html>") == "an HTML page titled 'T'"
    details = read_error_body({"detail": [{"loc": ["body"], "msg": "Expected an object"}]})
    assert details.problems == (("", "Expected an object"),) and details.param is None


def test_classify_status_works_without_the_sdk() -> None:
    err = classify_status(503, {"retry-after": "4"}, '{"detail": "warming up"}', host="gpu1")
    assert err.error_class is ErrorClass.TRANSIENT
    assert err.retry_after_s == 4.0 and "warming up" in err.message
    err = classify_status(418, {}, "", host="gpu1")
    assert err.error_class is ErrorClass.INTERNAL and "check the base URL" in err.message


def test_404_on_create_names_the_model_not_a_lost_render(canned: Any) -> None:
    canned.queue(404, {"message": "Model not found", "type": "NotFound", "code": 404})
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.create(kite())
    assert info.value.error_class is ErrorClass.MODEL_UNAVAILABLE
    assert "'wan-2.2-ti2v-5b'" in info.value.message and "Test connection" in info.value.message
