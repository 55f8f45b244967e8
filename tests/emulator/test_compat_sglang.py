"""``--compat sglang``: the emulator answers as SGLang Diffusion's ``/v1/videos`` does."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from sora_studio.emulator.server import EmulatorServer
from tests.emulator.compat_support import decodes, http, png_data_url, poll, start

SERVED = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"  # no model default size known: 832x480
RESPONSE_FIELDS = [
    "id",
    "object",
    "model",
    "status",
    "progress",
    "created_at",
    "size",
    "seconds",
    "quality",
    "url",
    "remixed_from_video_id",
    "completed_at",
    "expires_at",
    "error",
    "file_path",
    "file_paths",
    "num_outputs",
    "peak_memory_mb",
    "inference_time_s",
    "action",
]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    emulator = start(tmp_path / "emu", "sglang", served_model=SERVED)
    try:
        yield emulator
    finally:
        emulator.stop()


def test_sdk_render_queued_then_completed_and_real_mp4(
    server: EmulatorServer, tmp_path: Path
) -> None:
    server.settings.min_job_seconds = 0.6
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    raw = client.videos.with_raw_response.create(
        prompt="a paper boat on a pond", model="wan-2.2", size="640x360", seconds="2"
    )
    assert raw.http_request.headers["content-type"].startswith("multipart/form-data")
    body = raw.http_response.json()
    assert list(body) == RESPONSE_FIELDS  # no prompt echoed, SGLang's own extra fields
    assert UUID.fullmatch(body["id"])
    assert body["model"] == "wan-2.2"  # the request's model, not the served one
    assert (body["status"], body["progress"], body["seconds"]) == ("queued", 0, "2")
    assert body["expires_at"] is None and body["size"] == "640x360"
    assert "openai-version" not in raw.headers  # not OpenAI's server

    final, seen = poll(
        lambda: http(server).get(f"/videos/{body['id']}").json(),
        lambda v: v["status"] != "queued",
    )
    assert {v["status"] for v in seen} <= {"queued", "completed"}  # never in_progress
    assert {v["progress"] for v in seen} <= {0, 100}
    assert final["status"] == "completed" and final["progress"] == 100
    assert final["num_outputs"] == 1 and final["file_paths"] == [final["file_path"]]
    assert Path(final["file_path"]).is_file()  # a path on the server's disk
    assert final["expires_at"] is None and final["completed_at"] is not None

    video = client.videos.retrieve(body["id"])
    assert video.status == "completed"
    content = client.videos.with_raw_response.download_content(body["id"])
    assert content.headers["content-type"] == "video/mp4"
    decodes(content.content, tmp_path / "out.mp4", 640, 360, 2.0)


def test_json_extras_frames_and_any_size(server: EmulatorServer, tmp_path: Path) -> None:
    api = http(server)
    created = api.post(
        "/videos",
        json={
            "prompt": "a red kite over dunes",
            "size": "not-a-size",  # silently ignored: the model's default size
            "num_frames": 72,
            "fps": 24,
            "seconds": 9,  # num_frames wins
            "negative_prompt": "blurry",
            "seed": 42,
            "num_inference_steps": 8,
            "guidance_scale": 5.0,
            "extra_body": {"n": 2},
            "reference_url": png_data_url(),
        },
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["seconds"] == "3" and body["size"] == "832x480"
    assert body["model"] == "sora-2"  # SGLang's default when the request names none
    done, _ = poll(lambda: api.get(f"/videos/{body['id']}").json(), _finished)
    assert done["num_outputs"] == 2 and len(done["file_paths"]) == 2
    second = api.get(f"/videos/{body['id']}/content", params={"output_index": 1})
    decodes(second.content, tmp_path / "second.mp4", 832, 480, 3.0)
    missing = api.get(f"/videos/{body['id']}/content", params={"output_index": 2})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Video output not found"})

    odd = api.post("/videos", json={"prompt": "odd size", "size": "322x178", "seconds": 1}).json()
    assert odd["size"] == "322x178"  # any WxH is taken as given
    assert poll(lambda: api.get(f"/videos/{odd['id']}").json(), _finished)[0]["status"] == (
        "completed"
    )


def test_content_is_only_mp4_and_errors_are_fastapi_detail(server: EmulatorServer) -> None:
    api = http(server)
    server.settings.min_job_seconds = 30
    running = api.post("/videos", json={"prompt": "slow", "size": "320x180", "seconds": 1}).json()
    early = api.get(f"/videos/{running['id']}/content")
    assert (early.status_code, early.json()) == (404, {"detail": "Generation is still in-progress"})
    for variant in ("thumbnail", "spritesheet"):
        answer = api.get(f"/videos/{running['id']}/content", params={"variant": variant})
        assert answer.status_code == 400
        assert answer.json() == {"detail": f"Unsupported video content variant: '{variant}'"}
    unknown = api.get("/videos/3f2b8c1e-0000-4000-8000-000000000000")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Video not found"})

    no_prompt = api.post("/videos", json={"size": "640x360"})
    assert no_prompt.status_code == 400
    assert no_prompt.json()["detail"].startswith(
        "Invalid request body: 1 validation error for VideoGenerationsRequest\nprompt\n"
    )
    assert api.post("/videos", files={"model": (None, "m")}).json() == {
        "detail": "prompt is required"
    }
    bad_int = api.post("/videos", files={"prompt": (None, "p"), "seconds": (None, "four")})
    assert bad_int.status_code == 422
    assert bad_int.json()["detail"][0]["loc"] == ["body", "seconds"]
    assert api.post(
        "/videos", content=b"{oops", headers={"content-type": "application/json"}
    ).json() == {"detail": "request body is not valid JSON"}
    bad_limit = api.get("/videos", params={"limit": 0})
    assert bad_limit.status_code == 422 and bad_limit.json()["detail"][0]["type"] == (
        "greater_than_equal"
    )


def test_list_has_no_cursor_fields(server: EmulatorServer) -> None:
    api = http(server)
    ids = [
        api.post("/videos", json={"prompt": f"clip {i}", "size": "320x180", "seconds": 1}).json()[
            "id"
        ]
        for i in range(3)
    ]
    page = api.get("/videos", params={"limit": 2, "order": "asc"}).json()
    assert list(page) == ["data", "object"]  # no has_more, first_id or last_id
    assert page["object"] == "list" and [v["id"] for v in page["data"]] == ids[:2]
    rest = api.get("/videos", params={"after": ids[1], "order": "asc"}).json()
    assert [v["id"] for v in rest["data"]] == ids[2:]


def test_operations_it_lacks_answer_like_fastapi(server: EmulatorServer) -> None:
    api = http(server)
    video = api.post("/videos", json={"prompt": "base", "size": "320x180", "seconds": 1}).json()
    remix = api.post(f"/videos/{video['id']}/remix", json={"prompt": "again"})
    assert (remix.status_code, remix.json()) == (404, {"detail": "Not Found"})
    for path in ("/videos/edits", "/videos/extensions", "/videos/characters"):
        answer = api.post(path, json={"prompt": "x"})  # the path of GET /videos/{video_id}
        assert (answer.status_code, answer.json()) == (405, {"detail": "Method Not Allowed"})
        assert answer.headers["allow"] == "GET"  # the first route on that path, as FastAPI says
    assert api.get("/videos/characters/char_1").status_code == 404
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.videos.remix(video["id"], prompt="again")


def test_delete_neither_cancels_nor_removes_the_file(server: EmulatorServer) -> None:
    api = http(server)
    server.settings.min_job_seconds = 0.8
    video = api.post("/videos", json={"prompt": "keep going", "size": "320x180", "seconds": 1})
    body = video.json()
    deleted = api.delete(f"/videos/{body['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["status"] == "deleted" and deleted.json()["id"] == body["id"]
    assert api.get(f"/videos/{body['id']}").status_code == 404
    assert api.delete(f"/videos/{body['id']}").json() == {"detail": "Video not found"}
    assert body["id"] not in [v["id"] for v in api.get("/videos").json()["data"]]
    deadline = time.monotonic() + 30
    while not Path(body["file_path"]).exists():  # the render went on and wrote its file
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_restart_forgets_every_job(tmp_path: Path) -> None:
    first = start(tmp_path / "emu", "sglang", served_model=SERVED)
    try:
        api = http(first)
        video = api.post("/videos", json={"prompt": "lost", "size": "320x180", "seconds": 1})
        body, _ = poll(lambda: api.get(f"/videos/{video.json()['id']}").json(), _finished)
        port = first.port
    finally:
        first.stop()
    second = start(tmp_path / "emu", "sglang", port=port, served_model=SERVED)
    try:
        api = http(second)
        assert second.port == port
        assert api.get(f"/videos/{body['id']}").json() == {"detail": "Video not found"}
        assert api.get(f"/videos/{body['id']}/content").status_code == 404
        assert api.get("/videos").json() == {"data": [], "object": "list"}
        assert Path(body["file_path"]).exists()  # the file stays on disk, the job is gone
        assert second.stats()["resumed_on_start"] == 0
    finally:
        second.stop()


def test_models_health_faults_and_stats(server: EmulatorServer) -> None:
    api = http(server)  # no API key: SGLang serves without one
    models = api.get("/models").json()
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == [SERVED]
    assert models["data"][0]["owned_by"] == "sglang"
    assert api.get(f"/models/{SERVED}").json()["id"] == SERVED
    assert api.get("/models/other").json()["error"]["code"] == "model_not_found"
    root = str(server.base_url).removesuffix("/v1")
    assert http(server).get(f"{root}/models").json()["model_path"] == SERVED
    assert http(server).get(f"{root}/health").json() == {"status": "ok"}

    server.settings.failure_rate = 1.0
    failed = api.post("/videos", json={"prompt": "doomed", "size": "320x180", "seconds": 1})
    done, _ = poll(lambda: api.get(f"/videos/{failed.json()['id']}").json(), _finished)
    assert done["status"] == "failed" and set(done["error"]) == {"message"}
    assert api.get(f"/videos/{done['id']}/content").json() == {"detail": "Video output not found"}
    server.settings.error_rate = 1.0
    broken = api.get("/videos")
    assert broken.status_code == 500 and set(broken.json()) == {"detail"}
    server.settings.error_rate = 0.0
    assert server.stats()["compat"] == {"mode": "sglang", "served_model": SERVED}


def _finished(video: dict[str, object]) -> bool:
    return video["status"] in ("completed", "failed")
