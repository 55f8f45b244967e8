"""What a real LiteLLM proxy (1.108.7, ``openai/`` route) does in front of a faithful /v1/videos
server (the built-in emulator): the deviations from the OpenAI contract the desk must cope with.

Each test pins one observed behaviour, so a LiteLLM upgrade (``scripts/litellm_env.sh``) that
changes any of them fails here first. The config is the README's minimal one (model list and a
master key, nothing tuned), so LiteLLM's own defaults apply, including two retries inside the proxy.

In short: ids are ``video_`` + base64 of the route; video objects lose ``prompt``; create adds
``usage``; no upstream header (poll-after, request id, retry-after) reaches a successful answer;
``variant`` is ignored (always the MP4); list is 400 (500 with a provider); delete is 405; remix,
edits, extensions and (with ``target_model_names``) characters work; errors wrap the upstream JSON
in a string, with ``code`` the HTTP status and ``param`` lost; 429 and 5xx are retried twice inside
the proxy (``x-litellm-num-retries: 0`` turns that off) and the final answer carries
``retry-after`` only as ``llm_provider-retry-after``.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from PIL import Image

from sora_studio.emulator.records import VideoRecord
from tests.providers.litellm_proxy import (
    MASTER_KEY,
    VIDEO_FIELDS,
    EgressTrap,
    LiteLLMProxy,
    proxy_env,
    require_litellm,
    route,
    run_litellm,
    write_config,
)

# The first test pays for the proxy's start-up (5-10 s idle, over a minute on a loaded machine);
# the retry tests wait out LiteLLM's own backoff (about 5-8 s each).
pytestmark = pytest.mark.timeout(300)

VIDEO_ID = re.compile(r"^video_[A-Za-z0-9+/]+=*$")
DECODED_VIDEO_ID = re.compile(
    r"^litellm:custom_llm_provider:openai;model_id:(?P<model>[a-z0-9-]+);"
    r"video_id:(?P<video_id>video_[0-9a-f]+);deployment_id:(?P<deployment>[0-9a-f]{64})$"
)
DECODED_CHARACTER_ID = re.compile(
    r"^litellm:custom_llm_provider:openai;model_id:(?P<deployment>[0-9a-f]{64});"
    r"character_id:(?P<character_id>char_[0-9a-f]+)$"
)
VIDEO_KEYS = frozenset(VIDEO_FIELDS)  # every video object has exactly these keys
UPSTREAM_HEADERS = ("openai-poll-after-ms", "x-request-id", "retry-after", "retry-after-ms")
ERROR_TAIL = (
    "\n\nLiteLLM: model group 'sora-2' failed with the error above. No fallback was attempted."
)


# -- helpers ------------------------------------------------------------------------------------


def b64decode(text: str) -> str:
    return base64.b64decode(text + "=" * (-len(text) % 4)).decode()


def decode_video_id(video_id: str) -> dict[str, str]:
    """The route a proxy video id encodes: model, upstream video id, deployment hash."""
    assert VIDEO_ID.match(video_id), video_id
    match = DECODED_VIDEO_ID.match(b64decode(video_id.removeprefix("video_")))
    assert match, b64decode(video_id.removeprefix("video_"))
    return match.groupdict()


def encode_video_id(upstream_id: str, model: str = "sora-2", deployment: str = "0" * 64) -> str:
    raw = (
        f"litellm:custom_llm_provider:openai;model_id:{model};video_id:{upstream_id};"
        f"deployment_id:{deployment}"
    )
    return "video_" + base64.b64encode(raw.encode()).decode()


def upstream_error(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """The upstream's error object, which LiteLLM embeds as JSON text inside its message."""
    message = body["error"]["message"]
    prefix = f"litellm.{kind}: OpenAIException - "
    assert message.startswith(prefix), message
    assert message.endswith(ERROR_TAIL), message
    embedded: dict[str, Any] = json.loads(message[len(prefix) : -len(ERROR_TAIL)])["error"]
    return embedded


def emulator_record(proxy: LiteLLMProxy, upstream_id: str) -> VideoRecord:
    record = proxy.emulator.emulator.state.videos.get(upstream_id)
    assert record is not None, f"the emulator has no video {upstream_id}"
    return record


def upstream_calls(proxy: LiteLLMProxy, route_key: str) -> int:
    return int(proxy.emulator.stats()["requests"].get(route_key, 0))


def wait_done(http: httpx.Client, video_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        response = http.get(f"/v1/videos/{video_id}")
        response.raise_for_status()
        video: dict[str, Any] = response.json()
        if video["status"] in ("completed", "failed"):
            return video
        assert time.monotonic() < deadline, f"{video_id} still {video['status']}"
        time.sleep(0.1)


def png(width: int = 1280, height: int = 720) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def open_http(proxy: LiteLLMProxy) -> httpx.Client:
    return httpx.Client(base_url=proxy.root, headers=proxy.headers, timeout=60.0)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def http(proxy: LiteLLMProxy) -> Iterator[httpx.Client]:
    with open_http(proxy) as client:
        yield client


@pytest.fixture
def sdk(proxy: LiteLLMProxy) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(
        base_url=proxy.base_url, api_key=proxy.master_key, max_retries=0, timeout=60.0
    )
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def finished(litellm_proxy: LiteLLMProxy) -> str:
    """One completed 4 s 1280x720 sora-2 video, by its proxy id, for the read-only tests."""
    with open_http(litellm_proxy) as http:
        response = http.post(
            "/v1/videos",
            json={"model": "sora-2", "prompt": "a lighthouse", "size": "1280x720", "seconds": "4"},
        )
        response.raise_for_status()
        video_id: str = response.json()["id"]
        assert wait_done(http, video_id)["status"] == "completed"
        return video_id


@pytest.fixture(scope="module")
def character(litellm_proxy: LiteLLMProxy, finished: str) -> tuple[str, str]:
    """A character made through the proxy, routed by target_model_names: (proxy id, upstream id)."""
    with open_http(litellm_proxy) as http:
        clip = http.get(f"/v1/videos/{finished}/content").content  # a 4 s 720p MP4
        response = http.post(
            "/v1/videos/characters",
            files={"video": ("ada.mp4", clip, "video/mp4")},
            data={"name": "Ada", "target_model_names": "sora-2"},
        )
        assert response.status_code == 200, response.text
        proxy_id: str = response.json()["id"]
        match = DECODED_CHARACTER_ID.match(b64decode(proxy_id.removeprefix("character_")))
        assert match, proxy_id
        return proxy_id, match["character_id"]


# -- create -------------------------------------------------------------------------------------


def test_sdk_create_is_multipart_and_the_id_encodes_the_route(
    proxy: LiteLLMProxy, sdk: openai.OpenAI
) -> None:
    raw = sdk.videos.with_raw_response.create(
        model="sora-2", prompt="a paper boat", size="1280x720", seconds="4"
    )
    assert raw.http_response.request.headers["content-type"].startswith("multipart/form-data")
    body = raw.http_response.json()
    assert set(body) == VIDEO_KEYS  # no "prompt" key at all
    assert body["status"] == "queued" and body["object"] == "video"
    assert (body["model"], body["size"], body["seconds"]) == ("sora-2", "1280x720", "4")
    assert body["usage"] == {"duration_seconds": 4.0}  # only on create (and remix)
    route_ = decode_video_id(body["id"])
    assert route_["model"] == "sora-2"  # the model_name of the config, not openai/sora-2
    # The deployment hash is the route's model id, also sent as a header and listed by model/info.
    assert raw.headers["x-litellm-model-id"] == route_["deployment"]
    assert raw.headers["x-litellm-model-group"] == "sora-2"
    assert raw.headers["x-litellm-response-cost"] == "0.4"  # its price map: $0.10/s for sora-2
    # The upstream got the prompt under its own id; the proxy's object does not echo it.
    assert emulator_record(proxy, route_["video_id"]).prompt == "a paper boat"
    assert sdk.videos.retrieve(body["id"]).prompt is None


def test_raw_json_create_is_accepted_with_string_or_integer_seconds(
    proxy: LiteLLMProxy, http: httpx.Client
) -> None:
    eight = http.post(
        "/v1/videos",
        json={"model": "sora-2", "prompt": "json body", "size": "720x1280", "seconds": "8"},
    )
    assert eight.status_code == 200, eight.text
    assert eight.json()["seconds"] == "8" and eight.json()["usage"] == {"duration_seconds": 8.0}
    assert eight.headers["x-litellm-response-cost"] == "0.8"
    four = http.post("/v1/videos", json={"model": "sora-2", "prompt": "int", "seconds": 4})
    assert four.status_code == 200 and four.json()["seconds"] == "4"

    pro = http.post(
        "/v1/videos",
        json={"model": "sora-2-pro", "prompt": "pro", "size": "1792x1024", "seconds": "4"},
    )
    assert pro.status_code == 200, pro.text
    route_ = decode_video_id(pro.json()["id"])
    assert route_["model"] == "sora-2-pro"
    assert route_["deployment"] != decode_video_id(eight.json()["id"])["deployment"]
    assert pro.headers["x-litellm-response-cost"] == "1.2"  # $0.30/s


def test_create_with_an_input_reference_file(
    proxy: LiteLLMProxy, sdk: openai.OpenAI, http: httpx.Client
) -> None:
    video = sdk.videos.create(
        model="sora-2",
        prompt="from a still",
        size="1280x720",
        seconds="4",
        input_reference=("still.png", png(), "image/png"),
    )
    upstream = decode_video_id(video.id)["video_id"]
    assert emulator_record(proxy, upstream).reference  # the file reached the upstream
    assert wait_done(http, video.id)["status"] == "completed"


def test_a_json_input_reference_is_refused_after_retries(http: httpx.Client) -> None:
    """``{"image_url": ...}`` in a JSON body breaks LiteLLM's multipart forwarding: a 400
    that wraps an internal error, after two retries. Send reference images as files."""
    data_url = "data:image/png;base64," + base64.b64encode(png(64, 36)).decode()
    response = http.post(
        "/v1/videos",
        json={
            "model": "sora-2",
            "prompt": "json reference",
            "size": "1280x720",
            "input_reference": {"image_url": data_url},
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("Invalid request format: litellm.InternalServerError: ")
    assert "'dict' object has no attribute 'read'" in error["message"]
    assert "LiteLLM Retried: 2 times" in error["message"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, "400")


# -- characters ---------------------------------------------------------------------------------


def test_characters_route_by_target_model_names_and_ids_encode_the_deployment(
    proxy: LiteLLMProxy, http: httpx.Client, character: tuple[str, str], finished: str
) -> None:
    proxy_id, upstream_id = character
    assert proxy_id.startswith("character_")
    match = DECODED_CHARACTER_ID.match(b64decode(proxy_id.removeprefix("character_")))
    assert match and match["deployment"] == decode_video_id(finished)["deployment"]
    fetched = http.get(f"/v1/videos/characters/{proxy_id}")
    assert fetched.status_code == 200
    assert fetched.json() == {
        "id": proxy_id,
        "object": "character",
        "created_at": fetched.json()["created_at"],
        "name": "Ada",
    }
    assert proxy.emulator.emulator.state.characters.get(upstream_id) is not None


def test_a_character_sent_as_json_is_decoded_for_the_upstream(
    proxy: LiteLLMProxy, http: httpx.Client, character: tuple[str, str]
) -> None:
    proxy_id, upstream_id = character
    response = http.post(
        "/v1/videos",
        json={
            "model": "sora-2",
            "prompt": "Ada waves from the pier",
            "size": "1280x720",
            "characters": [{"id": proxy_id}],
        },
    )
    assert response.status_code == 200, response.text
    upstream = decode_video_id(response.json()["id"])["video_id"]
    assert emulator_record(proxy, upstream).characters == (upstream_id,)
    assert wait_done(http, response.json()["id"])["status"] == "completed"


def test_a_character_sent_as_multipart_is_not_decoded(
    sdk: openai.OpenAI, character: tuple[str, str]
) -> None:
    """The SDK's multipart ``characters[][id]`` reaches the upstream with the proxy's id."""
    proxy_id, _ = character
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.videos.create(
            model="sora-2",
            prompt="Ada waves",
            size="1280x720",
            extra_body={"characters": [{"id": proxy_id}]},
        )
    assert isinstance(caught.value.body, dict)
    embedded = upstream_error({"error": caught.value.body}, "BadRequestError")
    assert embedded["param"] == "characters" and proxy_id in embedded["message"]


def test_characters_without_a_route_go_to_the_public_openai_host(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str, character: tuple[str, str]
) -> None:
    clip = http.get(f"/v1/videos/{finished}/content").content
    before = len(proxy.egress.attempts)
    unrouted = http.post(
        "/v1/videos/characters",
        files={"video": ("bob.mp4", clip, "video/mp4")},
        data={"name": "Bob"},
    )
    assert unrouted.status_code == 500
    assert unrouted.json()["error"]["type"] == "internal_server_error"
    assert unrouted.json()["error"]["code"] == "500"
    # An upstream character id (not the proxy's encoded one) is not routed either.
    raw_get = http.get(f"/v1/videos/characters/{character[1]}")
    assert raw_get.status_code == 500
    assert proxy.egress.hosts()[before:] == ["api.openai.com:443", "api.openai.com:443"]

    # With a "model" form field it is routed, but the id comes back unencoded.
    by_model = http.post(
        "/v1/videos/characters",
        files={"video": ("cy.mp4", clip, "video/mp4")},
        data={"name": "Cy", "model": "sora-2"},
    )
    assert by_model.status_code == 200
    assert re.fullmatch(r"char_[0-9a-f]+", by_model.json()["id"])


def test_characters_none_id_is_dropped_silently(proxy: LiteLLMProxy, http: httpx.Client) -> None:
    response = http.post(
        "/v1/videos",
        json={"model": "sora-2", "prompt": "nobody", "characters": [{"id": None}]},
    )
    assert response.status_code == 200
    upstream = decode_video_id(response.json()["id"])["video_id"]
    assert emulator_record(proxy, upstream).characters == ()


# -- retrieve, list, content, delete ------------------------------------------------------------


def test_retrieve_drops_prompt_and_usage_and_every_upstream_header(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str
) -> None:
    response = http.get(f"/v1/videos/{finished}")
    assert response.status_code == 200
    video = response.json()
    assert set(video) == VIDEO_KEYS
    assert video["id"] == finished  # the proxy's id, not the upstream's
    assert video["status"] == "completed" and video["progress"] == 100
    assert video["usage"] is None
    assert video["expires_at"] is not None
    for name in (*UPSTREAM_HEADERS, "x-ratelimit-limit-requests"):
        assert name not in response.headers, name
    assert not [h for h in response.headers if h.startswith("llm_provider-")]
    # The upstream itself does send them (a control, so this test means something).
    upstream_id = decode_video_id(finished)["video_id"]
    direct = httpx.get(
        f"{proxy.emulator.base_url}/videos/{upstream_id}", headers={"Authorization": "Bearer x"}
    )
    assert direct.headers["openai-poll-after-ms"] == "137"
    assert direct.headers["x-request-id"].startswith("req_")
    assert direct.json()["prompt"] == "a lighthouse"


def test_list_is_refused_without_a_provider_and_leaves_the_machine_with_one(
    proxy: LiteLLMProxy, http: httpx.Client, sdk: openai.OpenAI
) -> None:
    plain = http.get("/v1/videos", params={"limit": 100, "order": "desc"})
    assert plain.status_code == 400
    error = plain.json()["error"]
    assert error["message"].startswith(
        "litellm.BadRequestError: LLM Provider NOT provided. Pass in the LLM provider"
    )
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, "400")
    assert http.get("/v1/videos", params={"model": "sora-2"}).status_code == 400
    with pytest.raises(openai.BadRequestError):
        sdk.videos.list()

    before = len(proxy.egress.attempts)
    with_provider = http.get("/v1/videos", params={"custom_llm_provider": "openai"})
    assert with_provider.status_code == 500
    assert with_provider.json()["error"]["type"] == "internal_server_error"
    assert proxy.egress.hosts()[before:] == ["api.openai.com:443"]  # not the routed api_base


@pytest.mark.parametrize("variant", [None, "video", "thumbnail", "spritesheet", "bogus"])
def test_content_ignores_variant_and_always_serves_the_mp4(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str, variant: str | None
) -> None:
    params = {"variant": variant} if variant else None
    response = http.get(f"/v1/videos/{finished}/content", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-disposition"] == f"attachment; filename=video_{finished}.mp4"
    assert response.content[4:8] == b"ftyp"
    upstream_id = decode_video_id(finished)["video_id"]
    video = httpx.get(
        f"{proxy.emulator.base_url}/videos/{upstream_id}/content",
        headers={"Authorization": "Bearer x"},
    )
    assert response.content == video.content


def test_sdk_thumbnail_download_gets_the_mp4(
    proxy: LiteLLMProxy, sdk: openai.OpenAI, finished: str
) -> None:
    upstream_id = decode_video_id(finished)["video_id"]
    direct = httpx.get(
        f"{proxy.emulator.base_url}/videos/{upstream_id}/content",
        params={"variant": "thumbnail"},
        headers={"Authorization": "Bearer x"},
    )
    assert direct.headers["content-type"] == "image/webp"  # what a faithful server sends
    content = sdk.videos.download_content(finished, variant="thumbnail")
    assert content.response.headers["content-type"] == "video/mp4"
    assert content.content[4:8] == b"ftyp"


def test_delete_is_405_with_a_fastapi_body(
    http: httpx.Client, sdk: openai.OpenAI, finished: str
) -> None:
    response = http.delete(f"/v1/videos/{finished}")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET"
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.videos.delete(finished)
    assert caught.value.status_code == 405
    assert type(caught.value) is openai.APIStatusError  # no specific SDK class for 405
    assert http.get(f"/v1/videos/{finished}").json()["status"] == "completed"


# -- remix, edits, extensions -------------------------------------------------------------------


def test_remix_keeps_the_route_and_names_the_upstream_parent(
    sdk: openai.OpenAI, http: httpx.Client, finished: str
) -> None:
    raw = sdk.videos.with_raw_response.remix(finished, prompt="at night")
    body = raw.http_response.json()
    assert set(body) == VIDEO_KEYS
    assert body["usage"] == {"duration_seconds": 4.0}
    route_ = decode_video_id(body["id"])
    assert route_["deployment"] == decode_video_id(finished)["deployment"]
    # The parent is named by the upstream's id, not by the proxy id the client knows.
    assert body["remixed_from_video_id"] == decode_video_id(finished)["video_id"]
    assert wait_done(http, body["id"])["remixed_from_video_id"] == body["remixed_from_video_id"]


def test_edits_take_a_json_video_reference(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str
) -> None:
    response = http.post("/v1/videos/edits", json={"prompt": "in snow", "video": {"id": finished}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == VIDEO_KEYS and body["usage"] is None
    assert "x-litellm-response-cost" not in response.headers
    assert body["remixed_from_video_id"] is None
    upstream = decode_video_id(body["id"])["video_id"]
    record = emulator_record(proxy, upstream)
    assert (record.mode, record.source_id) == (
        "edit",
        decode_video_id(finished)["video_id"],
    )
    assert wait_done(http, body["id"])["status"] == "completed"


def test_sdk_edit_cannot_send_a_video_id(sdk: openai.OpenAI, finished: str) -> None:
    """openai 3.x sends edits as multipart and rejects ``{"id": ...}`` before any request:
    the desk sends edits (and extensions) as JSON itself."""
    with pytest.raises(RuntimeError, match="Expected entry at `video` to be bytes"):
        sdk.videos.edit(prompt="in snow", video={"id": finished})


def test_extensions_take_json_and_report_the_total_length(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str
) -> None:
    response = http.post(
        "/v1/videos/extensions",
        json={"prompt": "the camera pulls back", "video": {"id": finished}, "seconds": "4"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == VIDEO_KEYS and body["usage"] is None
    assert body["seconds"] == "8"  # source 4 s + 4 s, as the upstream reports it
    record = emulator_record(proxy, decode_video_id(body["id"])["video_id"])
    assert record.mode == "extend"
    assert wait_done(http, body["id"])["status"] == "completed"


# -- models -------------------------------------------------------------------------------------


def test_models_lists_routes_with_mode_video_generation(http: httpx.Client, finished: str) -> None:
    response = http.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["sora-2", "sora-2-pro"]
    for model in body["data"]:
        assert set(model) == {"id", "object", "created", "owned_by", "mode"}
        assert (model["object"], model["owned_by"], model["mode"]) == (
            "model",
            "openai",
            "video_generation",
        )
    info = {d["model_name"]: d["model_info"] for d in http.get("/v1/model/info").json()["data"]}
    assert info["sora-2"]["mode"] == "video_generation"
    assert info["sora-2"]["id"] == decode_video_id(finished)["deployment"]


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "param"), [("size", "999x999", "size"), ("seconds", "7", "seconds")]
)
def test_an_upstream_400_is_wrapped_in_a_string_and_loses_param(
    proxy: LiteLLMProxy, http: httpx.Client, field: str, value: str, param: str
) -> None:
    calls = upstream_calls(proxy, "POST /v1/videos")
    response = http.post("/v1/videos", json={"model": "sora-2", "prompt": "bad", field: value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, "400")
    embedded = upstream_error(response.json(), "BadRequestError")
    assert (embedded["param"], embedded["code"]) == (param, "invalid_value")
    # Upstream headers come back prefixed, the request id also as "request-id".
    request_id = response.headers["llm_provider-x-request-id"]
    assert request_id.startswith("req_") and response.headers["request-id"] == request_id
    assert "x-request-id" not in response.headers
    assert response.headers["x-ratelimit-limit-requests"] == "100000"
    assert upstream_calls(proxy, "POST /v1/videos") == calls + 1  # a 400 is not retried


def test_validation_by_the_proxy_itself(http: httpx.Client) -> None:
    unknown = http.post("/v1/videos", json={"model": "sora-3", "prompt": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == (
        "/videos: Invalid model name passed in model=sora-3. "
        "Call `/v1/models` to view available models for your key."
    )
    assert "provider_specific_fields" in unknown.json()["error"]
    no_prompt = http.post("/v1/videos", json={"model": "sora-2"})
    assert no_prompt.status_code == 400
    assert no_prompt.json()["error"] == {
        "message": "/videos: Missing required parameter: 'prompt'.",
        "type": "invalid_request_error",
        "param": "prompt",
        "code": "400",
    }
    malformed = http.post(
        "/v1/videos", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["param"] == "request_body"


def test_auth_errors_without_a_database(proxy: LiteLLMProxy) -> None:
    """With only a master key (no database), a wrong key is a 400 and a missing key a bare 500
    (LiteLLM's error handler needs ``prisma``, which ``litellm[proxy]`` does not install)."""
    wrong = httpx.get(f"{proxy.base_url}/models", headers={"Authorization": "Bearer sk-wrong"})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": {
            "message": "No connected db.",
            "type": "no_db_connection",
            "param": None,
            "code": "400",
        }
    }
    missing = httpx.get(f"{proxy.base_url}/models")
    assert missing.status_code == 500
    assert missing.headers["content-type"].startswith("text/plain")
    assert missing.text == "Internal Server Error"


def test_an_unknown_video_id_is_404_named_bad_request(
    proxy: LiteLLMProxy, http: httpx.Client, sdk: openai.OpenAI
) -> None:
    missing = encode_video_id("video_doesnotexist")
    for response in (
        http.get(f"/v1/videos/{missing}"),
        http.get(f"/v1/videos/{missing}/content"),
        http.post(f"/v1/videos/{missing}/remix", json={"prompt": "x"}),
    ):
        assert response.status_code == 404
        error = response.json()["error"]
        assert (error["type"], error["param"], error["code"]) == (
            "invalid_request_error",
            None,
            "404",
        )
        assert upstream_error(response.json(), "BadRequestError")["code"] == "not_found"
    with pytest.raises(openai.NotFoundError):
        sdk.videos.retrieve(missing)


def test_an_id_the_proxy_did_not_encode_is_sent_to_the_public_openai_host(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str
) -> None:
    before = len(proxy.egress.attempts)
    response = http.get(f"/v1/videos/{decode_video_id(finished)['video_id']}")
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "internal_server_error"
    assert proxy.egress.hosts()[before:] == ["api.openai.com:443"]


@pytest.mark.parametrize(
    ("fault", "code"), [("failure_rate", "internal_error"), ("block_rate", "moderation_blocked")]
)
def test_a_failed_video_passes_through_unchanged(
    proxy: LiteLLMProxy, http: httpx.Client, fault: str, code: str
) -> None:
    proxy.faults(**{fault: 1.0})
    created = http.post("/v1/videos", json={"model": "sora-2", "prompt": "doomed"})
    assert created.status_code == 200 and created.json()["status"] == "queued"
    assert created.headers["x-litellm-response-cost"] == "0.4"  # charged before it fails
    video = wait_done(http, created.json()["id"])
    assert video["status"] == "failed" and video["progress"] == 0
    assert set(video["error"]) == {"code", "message"} and video["error"]["code"] == code
    assert video["expires_at"] is None and video["usage"] is None
    if fault == "failure_rate":
        content = http.get(f"/v1/videos/{created.json()['id']}/content")
        assert content.status_code == 400
        assert upstream_error(content.json(), "BadRequestError")["code"] == "video_failed"


@pytest.mark.slow
def test_an_upstream_429_is_retried_twice_then_answered_without_retry_after(
    proxy: LiteLLMProxy, http: httpx.Client, sdk: openai.OpenAI
) -> None:
    calls = upstream_calls(proxy, "POST /v1/videos")
    proxy.faults(rate_limit_burst=5, rate_limit_retry_after_ms=1500)
    started = time.monotonic()
    response = http.post("/v1/videos", json={"model": "sora-2", "prompt": "busy"})
    waited = time.monotonic() - started
    assert response.status_code == 429
    assert upstream_calls(proxy, "POST /v1/videos") == calls + 3  # 1 + LiteLLM's 2 retries
    assert waited > 2.0  # LiteLLM's own backoff, not the upstream's retry-after
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("throttling_error", None, "429")
    embedded = upstream_error(response.json(), "RateLimitError: RateLimitError")
    assert embedded["code"] == "rate_limit_exceeded"
    assert "retry-after" not in response.headers and "retry-after-ms" not in response.headers
    assert response.headers["llm_provider-retry-after-ms"] == "1500"
    assert response.headers["llm_provider-retry-after"] == "2"

    # A short burst is absorbed by the proxy's retries: the client sees a plain 200.
    proxy.faults(rate_limit_burst=0)
    proxy.faults(rate_limit_burst=1)
    absorbed = sdk.videos.with_raw_response.create(model="sora-2", prompt="busy once")
    assert absorbed.http_response.status_code == 200
    assert absorbed.headers["x-litellm-attempted-retries"] == "1"


def test_an_upstream_500_is_retried_twice_then_answered_500(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str
) -> None:
    calls = upstream_calls(proxy, "GET /v1/videos/{video_id}")
    proxy.faults(error_rate=1.0)
    response = http.get(f"/v1/videos/{finished}")
    assert response.status_code == 500
    assert upstream_calls(proxy, "GET /v1/videos/{video_id}") == calls + 3
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("internal_server_error", None, "500")
    embedded = upstream_error(response.json(), "InternalServerError: InternalServerError")
    assert embedded["type"] == "server_error"


def test_the_x_litellm_num_retries_header_turns_the_proxy_retries_off(
    proxy: LiteLLMProxy, http: httpx.Client, finished: str
) -> None:
    """A client that keeps its own bounded retry budget sends ``x-litellm-num-retries: 0``:
    every upstream error then comes back at once, after exactly one upstream call."""
    no_retries = {"x-litellm-num-retries": "0"}
    proxy.faults(rate_limit_burst=5)
    calls = upstream_calls(proxy, "POST /v1/videos")
    busy = http.post("/v1/videos", json={"model": "sora-2", "prompt": "busy"}, headers=no_retries)
    assert busy.status_code == 429
    assert busy.headers["llm_provider-retry-after-ms"] == "1500"
    assert upstream_calls(proxy, "POST /v1/videos") == calls + 1
    proxy.faults(rate_limit_burst=0, error_rate=1.0)
    calls = upstream_calls(proxy, "GET /v1/videos/{video_id}")
    broken = http.get(f"/v1/videos/{finished}", headers=no_retries)
    assert broken.status_code == 500
    assert upstream_calls(proxy, "GET /v1/videos/{video_id}") == calls + 1


# -- the proxy itself ---------------------------------------------------------------------------


def test_footprint_and_no_other_egress(litellm_proxy: LiteLLMProxy) -> None:
    """Start-up time and memory, for the record; the only off-machine attempts ever made are
    the unrouted OpenAI calls pinned above (no telemetry, no price-map download)."""
    status = Path(f"/proc/{litellm_proxy.pid}/status")
    if status.exists():
        match = re.search(r"VmRSS:\s+(\d+)", status.read_text())
        assert match
        rss_mib = int(match[1]) / 1024
        print(f"litellm start-up {litellm_proxy.startup_s:.1f} s, RSS {rss_mib:.0f} MiB")
        assert rss_mib < 1500
    assert set(litellm_proxy.egress.hosts()) <= {"api.openai.com:443"}


def test_the_proxy_environment_keeps_the_callers_keys_and_endpoints_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "DATABASE_URL"):
        monkeypatch.setenv(name, "from-the-caller")
    monkeypatch.setenv("LITELLM_MODEL_COST_MAP_URL", "https://example.invalid/map.json")
    env = proxy_env(tmp_path, "http://127.0.0.1:9")
    assert not {"OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "DATABASE_URL"} & set(env)
    assert "LITELLM_MODEL_COST_MAP_URL" not in env
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["LITELLM_TELEMETRY_DISABLED"] == "true"
    assert env["HTTPS_PROXY"] == "http://127.0.0.1:9" and "127.0.0.1" in env["NO_PROXY"]
    assert env["HOME"] == str(tmp_path)


@pytest.mark.slow
def test_a_veo_31_config_is_accepted_and_listed(tmp_path: Path) -> None:
    """Google cannot be reached here: the proxy must start with Veo 3.1 routes (Gemini API and
    Vertex AI), list them with their prices, and only look for the key when a render is asked."""
    require_litellm()
    config = write_config(
        tmp_path / "veo.yaml",
        [
            route("veo-3.1", "gemini/veo-3.1-generate-001", api_key="os.environ/GEMINI_API_KEY"),
            route(
                "veo-3.1-fast",
                "gemini/veo-3.1-fast-generate-001",
                api_key="os.environ/GEMINI_API_KEY",
            ),
            route(
                "veo-3.1-vertex",
                "vertex_ai/veo-3.1-generate-001",
                vertex_project="my-project",
                vertex_location="us-central1",
            ),
        ],
    )
    egress = EgressTrap()
    try:
        with run_litellm(config, tmp_path, egress.url) as running:
            headers = {"Authorization": f"Bearer {MASTER_KEY}"}
            models = httpx.get(f"{running.root}/v1/models", headers=headers).json()["data"]
            assert [m["id"] for m in models] == ["veo-3.1", "veo-3.1-fast", "veo-3.1-vertex"]
            assert {m["mode"] for m in models} == {"video_generation"}
            info = {
                d["model_name"]: d["model_info"]
                for d in httpx.get(f"{running.root}/v1/model/info", headers=headers).json()["data"]
            }
            assert info["veo-3.1"]["output_cost_per_second"] == 0.4
            assert info["veo-3.1-fast"]["output_cost_per_second"] == 0.1
            assert info["veo-3.1-fast"]["output_cost_per_second_1080p"] == 0.12
            assert info["veo-3.1-vertex"]["litellm_provider"] == "vertex_ai-video-models"
            # GEMINI_API_KEY is not in the proxy's environment: a render fails, offline.
            render = httpx.post(
                f"{running.root}/v1/videos",
                headers={**headers, "x-litellm-num-retries": "0"},
                json={"model": "veo-3.1", "prompt": "x", "seconds": "4", "size": "1280x720"},
                timeout=60,
            )
            assert render.status_code == 500
            assert "GEMINI_API_KEY or GOOGLE_API_KEY is required" in render.text
        assert egress.attempts == []
    finally:
        egress.stop()
