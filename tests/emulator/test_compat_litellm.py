"""``--compat litellm``: the emulator answers as a LiteLLM proxy in front of it does."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from sora_studio.emulator.server import EmulatorServer
from tests.emulator.compat_support import decodes, http, poll, start
from tests.providers.litellm_proxy import VIDEO_FIELDS

ROUTE = re.compile(
    r"litellm:custom_llm_provider:(\w+);model_id:([\w.-]+);video_id:(video_\w+);"
    r"deployment_id:[0-9a-f]{64}"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    emulator = start(tmp_path_factory.mktemp("litellm"), "litellm")
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def client(server: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-proxy", max_retries=0, timeout=60)


def route_of(video_id: str) -> tuple[str, str, str]:
    decoded = base64.b64decode(video_id.removeprefix("video_")).decode()
    match = ROUTE.fullmatch(decoded)
    assert match, decoded
    return match.group(1), match.group(2), match.group(3)


def test_render_through_the_proxy(
    server: EmulatorServer, client: openai.OpenAI, tmp_path: Path
) -> None:
    raw = client.videos.with_raw_response.create(
        prompt="a paper boat", model="sora-2", size="1280x720", seconds="4"
    )
    body = raw.http_response.json()
    assert tuple(body) == VIDEO_FIELDS  # no prompt, no quality
    assert body["usage"] == {"duration_seconds": 4.0}
    assert raw.headers["x-litellm-version"] == "1.108.7"
    assert raw.headers["x-litellm-model-group"] == "sora-2"
    provider, model, upstream = route_of(body["id"])
    assert (provider, model) == ("openai", "sora-2")
    assert server.emulator.state.videos.get(upstream) is not None  # the upstream's own id

    done = client.videos.poll(body["id"])  # the id goes back exactly as received
    assert done.status == "completed" and done.id == body["id"]
    assert done.model_extra == {"usage": None}  # retrieve adds no usage
    for variant in ("video", "thumbnail", "spritesheet"):
        content = client.videos.with_raw_response.download_content(body["id"], variant=variant)
        assert content.headers["content-type"] == "video/mp4"  # the proxy drops `variant`
        assert content.headers["content-disposition"] == (
            f"attachment; filename=video_{body['id']}.mp4"
        )
        decodes(content.content, tmp_path / f"{variant}.mp4", 1280, 720, 4.0)
    bare = http(server, "sk-proxy").get(
        str(server.base_url).removesuffix("/v1") + f"/videos/{body['id']}"
    )
    assert bare.json()["status"] == "completed"  # routes answer without /v1 too
    unkeyed = http(server).get(str(server.base_url).removesuffix("/v1") + "/models")
    assert unkeyed.status_code == 500  # and need the key there as well


def test_list_and_delete_are_refused(server: EmulatorServer, client: openai.OpenAI) -> None:
    api = http(server, "sk-proxy")
    listed = api.get("/videos", params={"limit": 100, "order": "desc"})
    assert listed.status_code == 400
    error = listed.json()["error"]
    assert (error["code"], error["type"], error["param"]) == ("400", "invalid_request_error", None)
    assert error["message"].startswith(
        "litellm.BadRequestError: LLM Provider NOT provided. Pass in the LLM provider you are "
        "trying to call. You passed model=\n"
    )
    named = api.get("/videos", params={"custom_llm_provider": "openai"})
    assert named.status_code == 500 and named.json()["error"]["type"] == "internal_server_error"
    with pytest.raises(openai.BadRequestError):
        client.videos.list()

    video = client.videos.create(prompt="kept", seconds="4")
    deleted = api.delete(f"/videos/{video.id}")
    assert (deleted.status_code, deleted.json()) == (405, {"detail": "Method Not Allowed"})
    assert deleted.headers["allow"] == "GET"


def test_remix_edit_and_extend_work_but_characters_do_not(
    server: EmulatorServer, client: openai.OpenAI
) -> None:
    source = client.videos.create_and_poll(prompt="a red kite", seconds="4", size="720x1280")
    remix = client.videos.remix(source.id, prompt="a blue kite")
    assert remix.model_extra == {"usage": {"duration_seconds": 4.0}}
    assert remix.remixed_from_video_id == route_of(source.id)[2]  # the upstream's own id
    edit = client.post(
        "/videos/edits",
        body={"prompt": "at night", "video": {"id": source.id}},
        cast_to=openai.types.Video,
    )
    extension = client.post(
        "/videos/extensions",
        body={"prompt": "and then", "seconds": "4", "video": {"id": source.id}},
        cast_to=openai.types.Video,
    )
    assert edit.model_extra == extension.model_extra == {"usage": None}
    for video in (remix, edit, extension):
        assert route_of(video.id)[:2] == ("openai", "sora-2")
        assert client.videos.poll(video.id).status == "completed"
    assert client.videos.retrieve(extension.id).seconds == "8"
    clip = client.videos.download_content(source.id).content
    # Characters name no routed model: the proxy calls the public OpenAI host instead.
    with pytest.raises(openai.InternalServerError) as info:
        client.videos.create_character(name="Kite", video=("kite.mp4", clip))
    assert info.value.body["type"] == "internal_server_error"  # type: ignore[index]
    with pytest.raises(openai.InternalServerError):
        client.videos.get_character("char_123")


def test_ids_are_opaque_and_errors_wrap_the_upstream(
    server: EmulatorServer, client: openai.OpenAI
) -> None:
    api = http(server, "sk-proxy")
    video = client.videos.create(prompt="opaque", seconds="4")
    unpadded = video.id.rstrip("=")  # the proxy restores base64 padding
    assert api.get(f"/videos/{unpadded}").json()["status"] in ("queued", "in_progress", "completed")
    forged = (
        "video_"
        + base64.b64encode(
            b"litellm:custom_llm_provider:openai;model_id:sora-2;video_id:video_nope;deployment_id:x"
        ).decode()
    )
    missing = api.get(f"/videos/{forged}")
    assert missing.status_code == 404  # still "BadRequestError" in the message, as 1.108.7 says
    assert missing.json()["error"]["message"].startswith(
        'litellm.BadRequestError: OpenAIException - {"error":{"message":"No video found'
    )
    assert missing.json()["error"]["message"].endswith(
        "LiteLLM: model group 'sora-2' failed with the error above. No fallback was attempted."
    )
    foreign = api.get("/videos/video_0123abcd")  # not the proxy's: sent to the public host
    assert foreign.status_code == 500
    bad = api.post("/videos", json={"prompt": "x", "model": "sora-2", "size": "999x1"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "400"
    assert '"param":"size"' in bad.json()["error"]["message"]
    unknown = api.post("/videos", json={"prompt": "x", "model": "gpt-video"}).json()["error"]
    assert unknown["message"] == (
        "/videos: Invalid model name passed in model=gpt-video. Call `/v1/models` to view "
        "available models for your key."
    )
    assert unknown["provider_specific_fields"] == {"error": unknown["message"]}
    no_key = http(server).get(f"/videos/{video.id}")
    assert (no_key.status_code, no_key.text) == (500, "Internal Server Error")


def test_upstream_faults_are_retried_by_the_proxy(
    server: EmulatorServer, client: openai.OpenAI
) -> None:
    settings = server.emulator.settings
    settings.update({"rate_limit_burst": 1, "rate_limit_retry_after_ms": 50})
    try:  # one 429 upstream: the router retries and the client never sees it
        assert client.videos.create(prompt="retried", seconds="4").status == "queued"
        settings.update({"rate_limit_burst": 0, "error_rate": 1.0})
        with pytest.raises(openai.InternalServerError) as info:  # three 500s: it gives up
            client.videos.create(prompt="broken upstream", seconds="4")
        error = info.value.body
        assert error["type"] == "internal_server_error"  # type: ignore[index]
        assert "model group 'sora-2' failed" in error["message"]  # type: ignore[index]
    finally:
        settings.update({"rate_limit_burst": 0, "error_rate": 0.0})


def test_models_list_and_a_veo_route(server: EmulatorServer, tmp_path: Path) -> None:
    api = http(server, "sk-proxy")
    models = api.get("/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == ["sora-2", "sora-2-pro", "veo-3.1", "veo-3.1-fast"]
    assert {m["mode"] for m in models["data"]} == {"video_generation"}
    veo = api.post("/videos", json={"prompt": "a lighthouse", "model": "veo-3.1", "seconds": "4"})
    assert veo.status_code == 200, veo.text
    assert route_of(veo.json()["id"])[:2] == ("gemini", "veo-3.1")
    done, _ = poll(
        lambda: api.get(f"/videos/{veo.json()['id']}").json(),
        lambda v: v["status"] in ("completed", "failed"),
    )
    assert done["status"] == "completed" and done["model"] == "veo-3.1"
    content = api.get(f"/videos/{done['id']}/content")
    decodes(content.content, tmp_path / "veo.mp4", 1280, 720, 4.0)
    too_long = api.post("/videos", json={"prompt": "x", "model": "veo-3.1", "seconds": "12"})
    assert too_long.status_code == 400


def test_jobs_survive_a_restart_of_the_proxy_and_upstream(tmp_path: Path) -> None:
    first = start(tmp_path / "emu", "litellm")
    try:
        created = http(first, "k").post("/videos", json={"prompt": "stays", "seconds": "4"}).json()
        port = first.port
    finally:
        first.stop()
    second = start(tmp_path / "emu", "litellm", port=port)
    try:
        again = http(second, "k").get(f"/videos/{created['id']}")
        assert again.status_code == 200 and again.json()["id"] == created["id"]
    finally:
        second.stop()
