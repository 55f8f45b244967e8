"""The /v1/videos contract, driven through the official openai SDK (sync and async)."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from pathlib import Path

import openai
import pytest
from PIL import Image

from sora_studio.emulator.server import EmulatorServer
from sora_studio.media.probe import probe_video

VIDEO_FIELDS = {
    "id",
    "object",
    "model",
    "status",
    "progress",
    "created_at",
    "completed_at",
    "expires_at",
    "prompt",
    "size",
    "seconds",
    "remixed_from_video_id",
    "error",
    "quality",
}


def client_for(server: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=30)


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_create_poll_download_and_decode(emulator: EmulatorServer, tmp_path: Path) -> None:
    client = client_for(emulator)
    raw = client.videos.with_raw_response.create(
        prompt="a paper boat drifting on a pond", size="1280x720", seconds="4"
    )
    created = raw.parse()
    assert raw.http_request.headers["content-type"].startswith("multipart/form-data")
    assert raw.status_code == 200
    assert re.fullmatch(r"video_[0-9a-f]{48}", created.id)
    body = json.loads(raw.text)
    assert set(body) == VIDEO_FIELDS  # field for field, nullable ones present as null
    assert body["status"] == "queued" and body["progress"] == 0
    assert body["completed_at"] is None and body["expires_at"] is None
    assert body["error"] is None and body["remixed_from_video_id"] is None
    assert body["seconds"] == "4" and body["quality"] == "standard"
    for header in (
        "x-request-id",
        "openai-processing-ms",
        "openai-version",
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
    ):
        assert header in raw.headers, header
    assert created._request_id == raw.headers["x-request-id"]

    done = client.videos.poll(created.id)
    assert done.status == "completed" and done.progress == 100
    assert done.completed_at is not None
    assert done.expires_at == done.completed_at + emulator.settings.expiry_seconds

    target = tmp_path / "out.mp4"
    client.videos.download_content(done.id).write_to_file(target)
    info = probe_video(target)
    assert (info.width, info.height) == (1280, 720)
    assert info.duration_s == pytest.approx(4.0, abs=0.2)
    assert info.has_audio

    thumb = client.videos.with_raw_response.download_content(done.id, variant="thumbnail")
    assert thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).format == "WEBP"
    sheet = client.videos.with_raw_response.download_content(done.id, variant="spritesheet")
    assert sheet.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(sheet.content)).format == "JPEG"
    video = client.videos.with_raw_response.download_content(done.id, variant="video")
    assert video.headers["content-type"] == "video/mp4"

    deleted = client.videos.delete(done.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (done.id, "video.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(done.id)


def test_retrieve_sends_poll_hint_while_active(emulator: EmulatorServer) -> None:
    emulator.settings.min_job_seconds = 30
    client = client_for(emulator)
    video = client.videos.create(prompt="a slow sunrise over dunes")
    raw = client.videos.with_raw_response.retrieve(video.id)
    assert raw.headers["openai-poll-after-ms"] == "20"
    assert raw.parse().status in ("queued", "in_progress")
    assert raw.parse().size == "720x1280" and raw.parse().model == "sora-2"


def test_json_create_with_data_url_reference(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(720, 1280)).decode()
    video = client.post(
        "/videos",
        body={"prompt": "a lighthouse at dusk", "input_reference": {"image_url": data_url}},
        cast_to=openai.types.Video,
    )
    assert video.status == "queued" and video.size == "720x1280"
    # The multipart route with bracket keys reaches the same code.
    second = client.videos.create(
        prompt="a lighthouse at dawn", extra_body={"input_reference": {"image_url": data_url}}
    )
    assert second.status == "queued"


def test_file_reference_by_part_and_by_file_id(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    video = client.videos.create(
        prompt="a kite over a beach",
        size="1280x720",
        input_reference=("ref.png", png_bytes(1280, 720), "image/png"),
    )
    assert video.status == "queued"
    uploaded = client.files.create(file=("ref.png", png_bytes(1280, 720)), purpose="vision")
    by_id = client.post(
        "/videos",
        body={
            "prompt": "a kite over a lake",
            "size": "1280x720",
            "input_reference": {"file_id": uploaded.id},
        },
        cast_to=openai.types.Video,
    )
    assert by_id.status == "queued"


def test_list_pagination(emulator: EmulatorServer) -> None:
    emulator.settings.min_job_seconds = 30  # keep them queued: listing needs no renders
    client = client_for(emulator)
    ids = [client.videos.create(prompt=f"scene number {n}").id for n in range(5)]
    page = client.videos.list(limit=2, order="asc")
    assert [v.id for v in page.data] == ids[:2]
    assert page.has_more is True and page.last_id == ids[1]
    raw = json.loads(client.videos.with_raw_response.list(limit=2, order="asc", after=ids[3]).text)
    assert raw["object"] == "list" and raw["has_more"] is False
    assert raw["first_id"] == ids[4] == raw["last_id"]
    assert [v.id for v in client.videos.list(limit=2, order="asc")] == ids  # auto-pagination
    assert [v.id for v in client.videos.list()] == ids[::-1]  # default order is newest first
    empty = json.loads(client.videos.with_raw_response.list(limit=0).text)
    assert empty["data"] == [] and empty["first_id"] is None and empty["has_more"] is True


def test_remix_edit_extend_and_characters(emulator: EmulatorServer, tmp_path: Path) -> None:
    client = client_for(emulator)
    source = client.videos.create_and_poll(
        prompt="a robot waters a plant", size="1280x720", seconds="4"
    )
    assert source.status == "completed"
    clip = client.videos.download_content(source.id).content

    remix = client.videos.remix(source.id, prompt="the same robot, in the rain")
    assert remix.remixed_from_video_id == source.id
    assert (remix.size, remix.seconds, remix.model) == ("1280x720", "4", "sora-2")

    edit = client.post(
        "/videos/edits",
        body={"prompt": "make the plant blue", "video": {"id": source.id}},
        cast_to=openai.types.Video,
    )
    assert edit.status == "queued" and edit.size == "1280x720"
    uploaded_edit = client.videos.edit(prompt="add snow", video=("clip.mp4", clip, "video/mp4"))
    assert (uploaded_edit.size, uploaded_edit.seconds) == ("1280x720", "4")

    extension = client.post(
        "/videos/extensions",
        body={"prompt": "the robot walks away", "seconds": "4", "video": {"id": source.id}},
        cast_to=openai.types.Video,
    )
    assert extension.seconds == "8"  # the stitched total, not the segment
    extension = client.videos.poll(extension.id)
    assert extension.status == "completed"
    target = tmp_path / "extended.mp4"
    client.videos.download_content(extension.id).write_to_file(target)
    assert probe_video(target).duration_s == pytest.approx(8.0, abs=0.3)

    character = client.videos.create_character(name="Bolt", video=("bolt.mp4", clip))
    assert re.fullmatch(r"char_[0-9a-f]+", character.id or "")
    assert character.name == "Bolt"
    fetched = client.videos.get_character(character.id or "")
    assert fetched.id == character.id and fetched.created_at == character.created_at
    with_character = client.post(
        "/videos",
        body={
            "prompt": "Bolt juggles three oranges",
            "size": "1280x720",
            "characters": [{"id": character.id}],
        },
        cast_to=openai.types.Video,
    )
    assert with_character.status == "queued"
    # Multipart bracket keys for characters: repeated characters[][id] and characters[0][id].
    multipart = client.videos.create(
        prompt="Bolt naps in the sun",
        size="1280x720",
        extra_body={"characters": [{"id": character.id}]},
    )
    assert multipart.status == "queued"
    for made in (with_character, multipart):
        stored = emulator.emulator.state.videos.get(made.id)
        assert stored is not None and stored.characters == (character.id,)


def test_async_client_round_trip(emulator: EmulatorServer) -> None:
    async def scenario() -> None:
        client = openai.AsyncOpenAI(base_url=emulator.base_url, api_key="test", max_retries=0)
        async with client:
            video = await client.videos.create_and_poll(
                prompt="a snail crossing a leaf", size="720x1280", seconds="4"
            )
            assert video.status == "completed"
            content = await client.videos.download_content(video.id, variant="thumbnail")
            assert Image.open(io.BytesIO(content.content)).format == "WEBP"
            page = await client.videos.list(limit=10)
            assert [v.id for v in page.data] == [video.id]
            with pytest.raises(openai.BadRequestError):
                await client.videos.create(prompt="x", size="640x480")
            deleted = await client.videos.delete(video.id)
            assert deleted.deleted is True

    asyncio.run(scenario())
