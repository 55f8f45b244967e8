"""``--compat dynamo``: the emulator answers as NVIDIA Dynamo's blocking ``/v1/videos`` does."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import openai
import pytest

from sora_studio.emulator.server import EmulatorServer
from tests.emulator.compat_support import decodes, http, png_data_url, start

SERVED = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    emulator = start(tmp_path_factory.mktemp("dynamo"), "dynamo", served_model=SERVED)
    try:
        yield emulator
    finally:
        emulator.stop()


def test_post_blocks_and_answers_a_file_url(server: EmulatorServer, tmp_path: Path) -> None:
    answer = http(server).post(
        "/videos", json={"prompt": "a paper boat", "model": SERVED, "seconds": 2, "size": "640x360"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == [
        "id",
        "object",
        "model",
        "status",
        "progress",
        "created",
        "data",
        "inference_time_s",
    ]  # `created`, not `created_at`; no `error` when it worked
    assert re.fullmatch(r"video-[0-9a-f-]{36}", body["id"])
    assert (body["status"], body["progress"], body["model"]) == ("completed", 100, SERVED)
    [item] = body["data"]
    assert item["output_format"] == "mp4" and item["url"].startswith("file:///")
    path = Path(urlparse(item["url"]).path)
    decodes(path.read_bytes(), tmp_path / "out.mp4", 640, 360, 2.0)


def test_b64_json_and_http_urls(server: EmulatorServer, tmp_path: Path) -> None:
    api = http(server)
    b64 = api.post(
        "/videos",
        json={
            "prompt": "inline",
            "model": SERVED,
            "seconds": 1,
            "size": "320x180",
            "response_format": "b64_json",
            "input_reference": png_data_url(),
        },
    ).json()
    assert set(b64["data"][0]) == {"output_format", "b64_json"}
    decodes(base64.b64decode(b64["data"][0]["b64_json"]), tmp_path / "b64.mp4", 320, 180, 1.0)
    server.settings.media_url = "http"
    try:
        served = api.post(
            "/videos", json={"prompt": "served", "model": SERVED, "seconds": 1, "size": "320x180"}
        ).json()
    finally:
        server.settings.media_url = "file"
    url = served["data"][0]["url"]
    assert url.startswith(str(server.base_url).removesuffix("/v1") + "/media/video-")
    decodes(httpx.get(url).content, tmp_path / "http.mp4", 320, 180, 1.0)


def test_defaults_and_nvext(server: EmulatorServer, tmp_path: Path) -> None:
    api = http(server)
    default = api.post("/videos", json={"prompt": "defaults", "model": SERVED}).json()
    path = Path(urlparse(default["data"][0]["url"]).path)
    decodes(path.read_bytes(), tmp_path / "default.mp4", 832, 480, 6.0)  # 97 frames at 16 fps
    frames = api.post(
        "/videos",
        json={
            "prompt": "frames",
            "model": SERVED,
            "size": "huge",  # malformed: the worker falls back to 832x480
            "seconds": 9,
            "nvext": {"num_frames": 48, "fps": 24, "seed": 3, "negative_prompt": "blur"},
        },
    ).json()
    path = Path(urlparse(frames["data"][0]["url"]).path)
    decodes(path.read_bytes(), tmp_path / "frames.mp4", 832, 480, 2.0)


def test_failed_render_is_reported_inside_200(server: EmulatorServer) -> None:
    server.settings.failure_rate = 1.0
    try:
        answer = http(server).post("/videos", json={"prompt": "doomed", "model": SERVED})
    finally:
        server.settings.failure_rate = 0.0
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["progress"], body["data"]) == ("failed", 0, [])
    assert isinstance(body["error"], str) and "failure_rate" in body["error"]


def test_request_errors_are_flat_and_422_becomes_400(server: EmulatorServer) -> None:
    api = http(server)
    seconds = api.post("/videos", json={"prompt": "x", "model": SERVED, "seconds": "4"})
    assert seconds.status_code == 400
    error = seconds.json()
    assert list(error) == ["message", "type", "code"] and error["code"] == 400
    assert error["type"] == "Bad Request"
    assert error["message"].startswith(
        "Failed to deserialize the JSON body into the target type: seconds: invalid type: "
        'string "4", expected i32 at line 1 column '
    )
    missing = api.post("/videos", json={"prompt": "no model"}).json()
    assert "missing field `model`" in missing["message"]
    bad_format = api.post(
        "/videos", json={"prompt": "x", "model": SERVED, "response_format": "ftp"}
    ).json()
    assert "unknown variant `ftp`, expected `url` or `b64_json`" in bad_format["message"]
    unknown = api.post("/videos", json={"prompt": "x", "model": "sora-2"})
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"message": "Model not found", "type": "Not Found", "code": 404},
    )
    not_json = api.post("/videos", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.text.startswith(
        "Failed to parse the request body as JSON"
    )

    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:  # the SDK sends multipart
        client.videos.create(prompt="multipart", model=SERVED)
    assert info.value.status_code == 415
    assert info.value.response.text == "Expected request with `Content-Type: application/json`"


def test_only_post_exists(server: EmulatorServer) -> None:
    api = http(server)
    listed = api.get("/videos")
    assert (listed.status_code, listed.content, listed.headers["allow"]) == (405, b"", "POST")
    for method, path in (
        ("GET", "/videos/video-1"),
        ("DELETE", "/videos/video-1"),
        ("GET", "/videos/video-1/content"),
        ("POST", "/videos/video-1/remix"),
        ("POST", "/videos/edits"),
    ):
        answer = api.request(method, path)
        assert (answer.status_code, answer.content) == (404, b""), (method, path)


def test_models_and_faults(server: EmulatorServer) -> None:
    api = http(server)
    listing = api.get("/models").json()
    assert listing["object"] == "list"
    assert [(m["id"], m["object"], m["owned_by"]) for m in listing["data"]] == [
        (SERVED, "model", "nvidia")
    ]
    assert api.get(f"/models/{SERVED}").json()["id"] == SERVED
    assert api.get("/models/other").json() == {
        "message": "Model not found",
        "type": "Not Found",
        "code": 404,
    }
    server.settings.rate_limit_burst = 1
    try:
        limited = api.get("/models")
    finally:
        server.settings.rate_limit_burst = 0
    assert limited.status_code == 429 and limited.json()["type"] == "Too Many Requests"
    assert "retry-after-ms" in limited.headers
    assert server.stats()["compat"]["mode"] == "dynamo"
