"""``--compat vllm-omni``: the emulator answers as vLLM-Omni's ``/v1/videos`` does."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from sora_studio.emulator.server import EmulatorServer
from tests.emulator.compat_support import decodes, http, png_data_url, poll, start

SERVED = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
RESPONSE_FIELDS = [
    "model",
    "prompt",
    "id",
    "object",
    "status",
    "size",
    "progress",
    "seconds",
    "quality",
    "completed_at",
    "created_at",
    "remixed_from_video_id",
    "error",
    "media_type",
    "expires_at",
    "file_name",
    "inference_time_s",
    "stage_durations",
    "peak_memory_mb",
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorServer]:
    emulator = start(tmp_path / "emu", "vllm-omni")
    try:
        yield emulator
    finally:
        emulator.stop()


def form(**fields: str) -> dict[str, tuple[None, str]]:
    """Multipart text fields (what the SDK and vLLM-Omni's Form parameters use)."""
    return {name: (None, value) for name, value in fields.items()}


def test_sdk_render_echoes_prompt_and_ignores_variant(
    server: EmulatorServer, tmp_path: Path
) -> None:
    server.settings.min_job_seconds = 0.6
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    raw = client.videos.with_raw_response.create(prompt="a paper boat", size="640x360", seconds="2")
    body = raw.http_response.json()
    assert list(body) == RESPONSE_FIELDS
    assert re.fullmatch(r"video_gen_[0-9a-f]{32}", body["id"])
    assert body["prompt"] == "a paper boat" and body["model"] == SERVED
    assert (body["status"], body["progress"], body["seconds"]) == ("queued", 0, "2")
    assert body["quality"] == "default" and body["media_type"] == "video/mp4"

    final, seen = poll(
        lambda: http(server).get(f"/videos/{body['id']}").json(),
        lambda v: v["status"] == "completed",
    )
    assert "in_progress" in {v["status"] for v in seen}  # the four official statuses
    assert {v["progress"] for v in seen} <= {0, 100}  # but no steps in between
    assert final["file_name"] == f"{body['id']}.mp4" and final["expires_at"] is None
    for variant in ("video", "thumbnail", "spritesheet"):
        content = client.videos.with_raw_response.download_content(body["id"], variant=variant)
        assert content.headers["content-type"] == "video/mp4"
        decodes(content.content, tmp_path / f"{variant}.mp4", 640, 360, 2.0)


def test_create_is_multipart_only(server: EmulatorServer) -> None:
    api = http(server)
    answer = api.post("/videos", json={"prompt": "json body", "size": "640x360"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert list(error) == ["message", "type", "param", "code"]
    assert (error["type"], error["param"], error["code"]) == ("Bad Request", None, 400)
    assert "'loc': ('body', 'prompt')" in error["message"] and "missing" in error["message"]
    urlencoded = api.post("/videos", data={"prompt": "form fields", "size": "320x180"})
    assert urlencoded.status_code == 200 and urlencoded.json()["prompt"] == "form fields"
    bad_seconds = api.post("/videos", files=form(prompt="x", seconds="4.5"))
    assert "string_pattern_mismatch" in bad_seconds.json()["error"]["message"]
    wrong_model = api.post("/videos", files=form(prompt="x", model="sora-2"))
    assert wrong_model.status_code == 400
    assert wrong_model.json()["error"]["message"] == (
        f"Model mismatch: request specifies 'sora-2' but server is running '{SERVED}'."
    )
    assert api.post("/videos", files=form(prompt="x", model=SERVED)).status_code == 200


def test_image_reference_is_a_json_form_field(server: EmulatorServer) -> None:
    api = http(server)
    reference = json.dumps({"image_url": png_data_url(640, 360)})
    accepted = api.post(
        "/videos", files=form(prompt="from a still", size="640x360", image_reference=reference)
    )
    assert accepted.status_code == 200, accepted.text
    done, _ = poll(lambda: api.get(f"/videos/{accepted.json()['id']}").json(), _finished)
    assert done["status"] == "completed"
    file_id = api.post(
        "/videos", files=form(prompt="x", image_reference=json.dumps({"file_id": "file-1"}))
    )
    assert file_id.json()["error"]["message"] == (
        "Invalid image_reference: file_id is not supported yet."
    )
    both = api.post(
        "/videos",
        files={
            **form(prompt="x", image_reference=reference),
            "input_reference": ("still.png", b"png", "image/png"),
        },
    )
    assert both.json()["error"]["message"] == (
        "Provide either input_reference or image_reference, not both."
    )
    not_json = api.post("/videos", files=form(prompt="x", image_reference="{"))
    assert not_json.json()["error"]["message"] == "Invalid JSON in form field."


def test_sync_returns_mp4_bytes_and_stores_nothing(server: EmulatorServer, tmp_path: Path) -> None:
    api = http(server)
    answer = api.post("/videos/sync", files=form(prompt="right now", size="320x180", seconds="1"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    assert re.fullmatch(r"video_sync-[0-9a-f]{32}", answer.headers["x-request-id"])
    assert answer.headers["x-model"] == SERVED
    assert float(answer.headers["x-inference-time-s"]) > 0
    decodes(answer.content, tmp_path / "sync.mp4", 320, 180, 1.0)
    assert api.get("/videos").json()["data"] == []


def test_list_cursor_fields_and_validation(server: EmulatorServer) -> None:
    api = http(server)
    ids = [
        api.post("/videos", files=form(prompt=f"clip {i}", size="320x180", seconds="1")).json()[
            "id"
        ]
        for i in range(3)
    ]
    page = api.get("/videos", params={"limit": 2, "order": "asc"}).json()
    assert list(page) == ["first_id", "last_id", "has_more", "data", "object"]
    assert [v["id"] for v in page["data"]] == ids[:2] and page["has_more"] is True
    assert (page["first_id"], page["last_id"]) == (ids[0], ids[1])
    assert api.get("/videos").json()["has_more"] is False  # has_more only with a limit
    assert api.get("/videos", params={"after": "video_gen_unknown"}).json()["data"] == []
    bad = api.get("/videos", params={"order": "newest"})
    assert bad.status_code == 400 and "literal_error" in bad.json()["error"]["message"]


def test_delete_cancels_and_times_out_with_409(server: EmulatorServer) -> None:
    api = http(server)
    server.settings.min_job_seconds = 30
    running = api.post("/videos", files=form(prompt="slow", size="320x180", seconds="1")).json()
    poll(lambda: api.get(f"/videos/{running['id']}").json(), lambda v: v["status"] != "queued")
    started = time.monotonic()
    deleted = api.delete(f"/videos/{running['id']}")
    assert time.monotonic() - started < 2
    assert deleted.json() == {"id": running["id"], "deleted": True, "object": "video.deleted"}
    assert api.get(f"/videos/{running['id']}").status_code == 404
    assert server.emulator.runner.is_rendering(running["id"]) is False  # really cancelled

    server.settings.cancel_delay_s = 2.4  # cancelling outlasts delete_video's 2 s wait
    stuck = api.post("/videos", files=form(prompt="stuck", size="320x180", seconds="1")).json()
    conflict = api.delete(f"/videos/{stuck['id']}")
    assert conflict.status_code == 409
    assert conflict.json()["error"] == {
        "message": "Cancellation in progress. Please try again later.",
        "type": "Conflict",
        "param": None,
        "code": 409,
    }
    assert api.get(f"/videos/{stuck['id']}").status_code == 200  # still there for now
    poll(
        lambda: {"code": api.get(f"/videos/{stuck['id']}").status_code}, lambda r: r["code"] == 404
    )


def test_failed_job_answers_500_and_content_422(server: EmulatorServer) -> None:
    api = http(server)
    server.settings.failure_rate = 1.0
    video = api.post("/videos", files=form(prompt="doomed", size="320x180", seconds="1")).json()
    answer, _ = poll(
        lambda: {"response": api.get(f"/videos/{video['id']}")},
        lambda r: r["response"].json()["status"] == "failed",
    )
    failed = answer["response"]
    assert failed.status_code == 500  # the job itself is the body
    assert failed.json()["error"]["code"] == 500 and failed.json()["id"] == video["id"]
    content = api.get(f"/videos/{video['id']}/content")
    assert content.status_code == 422
    assert content.json()["error"]["message"] == (
        "Video generation failed. Check job status for error details."
    )
    deleted = api.delete(f"/videos/{video['id']}")
    assert deleted.json()["object"] == "video.deleted"


def test_ttl_sweeper_removes_finished_files(server: EmulatorServer) -> None:
    api = http(server)
    server.settings.file_ttl_s = 0.5
    video = api.post("/videos", files=form(prompt="short lived", size="320x180", seconds="1"))
    done, _ = poll(lambda: api.get(f"/videos/{video.json()['id']}").json(), _finished)
    assert done["status"] == "completed"
    gone, _ = poll(
        lambda: {"response": api.get(f"/videos/{done['id']}/content")},
        lambda r: r["response"].status_code == 404,
        timeout=10,
    )
    assert gone["response"].json()["error"]["message"] == "Generated video file not found on disk"
    assert api.get(f"/videos/{done['id']}").json()["status"] == "completed"  # the record stays


def test_missing_operations_models_and_restart(tmp_path: Path) -> None:
    first = start(tmp_path / "emu", "vllm-omni", served_model="Lightricks/LTX-2")
    try:
        api = http(first)
        remix = api.post("/videos/video_gen_x/remix", json={"prompt": "again"})
        assert (remix.status_code, remix.json()) == (404, {"detail": "Not Found"})
        edits = api.post("/videos/edits", json={"prompt": "x"})
        assert (edits.status_code, edits.json()) == (405, {"detail": "Method Not Allowed"})
        models = api.get("/models").json()["data"]
        assert [m["id"] for m in models] == ["Lightricks/LTX-2"]
        assert models[0]["owned_by"] == "vllm" and models[0]["permission"][0]["allow_view"]
        video = api.post("/videos", files=form(prompt="lost", size="320x180", seconds="1")).json()
        port = first.port
    finally:
        first.stop()
    second = start(tmp_path / "emu", "vllm-omni", port=port)
    try:  # the default in-memory store: nothing survives a restart
        assert http(second).get(f"/videos/{video['id']}").status_code == 404
    finally:
        second.stop()


def _finished(video: dict[str, object]) -> bool:
    return video["status"] in ("completed", "failed")


def test_a_file_deleted_after_the_answer_starts_still_streams_whole(
    server: EmulatorServer, tmp_path: Path
) -> None:
    """The sweeper may delete a file between the headers and the body: the open handle serves
    it whole (it used to die half-way with a 500 and a truncated body)."""
    path = tmp_path / "clip.bin"
    payload = bytes(range(256)) * 1024
    path.write_bytes(payload)
    response = server.emulator.stream_file(path, "video/mp4")
    path.unlink()

    async def drain() -> bytes:
        return b"".join([bytes(chunk) async for chunk in response.body_iterator])

    assert asyncio.run(drain()) == payload
    assert response.headers["content-length"] == str(len(payload))
    with pytest.raises(FileNotFoundError):
        server.emulator.stream_file(path, "video/mp4")  # already gone: the caller answers 404
