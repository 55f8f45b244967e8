"""Every refusal the emulator makes: status, error envelope and a message that says what to do."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

import openai
import pytest
from PIL import Image

from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.server import EmulatorServer


def client_for(server: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=30)


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def refused(call: Any, error: type[openai.APIStatusError] = openai.BadRequestError) -> Any:
    with pytest.raises(error) as info:
        call()
    body = info.value.body
    assert isinstance(body, dict) and set(body) == {"message", "type", "param", "code"}
    assert body["message"]
    return info.value


@pytest.mark.parametrize(
    ("kwargs", "param", "words"),
    [
        ({"model": "sora-9"}, "model", "sora-9"),
        ({"size": "1920x1080"}, "size", "1920x1080"),  # a sora-2-pro size on sora-2
        ({"seconds": "10"}, "seconds", "10"),
        ({"seconds": "ten"}, "seconds", "ten"),
        ({"prompt": ""}, "prompt", "prompt"),
        ({"prompt": "x" * 32001}, "prompt", "32"),
    ],
)
def test_create_validation(
    emulator: EmulatorServer, kwargs: dict[str, str], param: str, words: str
) -> None:
    client = client_for(emulator)
    args = {"prompt": "a calm sea", **kwargs}
    error = refused(lambda: client.videos.create(**args))
    assert error.status_code == 400
    assert error.param == param
    assert words in error.message


def test_long_durations_and_pro_sizes_are_accepted(emulator: EmulatorServer) -> None:
    emulator.settings.min_job_seconds = 30  # accepted is enough; no render needed
    client = client_for(emulator)
    video = client.videos.create(prompt="a calm sea", seconds="20")
    assert video.seconds == "20"
    pro = client.videos.create(prompt="a calm sea", model="sora-2-pro", size="1920x1080")
    assert pro.size == "1920x1080" and pro.model == "sora-2-pro"


def test_reference_problems(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    error = refused(
        lambda: client.videos.create(
            prompt="a calm sea", input_reference=("ref.png", png_bytes(640, 480), "image/png")
        )
    )
    assert error.param == "input_reference" and "640x480" in error.message
    error = refused(
        lambda: client.videos.create(
            prompt="a calm sea", input_reference=("ref.png", b"not an image", "image/png")
        )
    )
    assert error.param == "input_reference"
    error = refused(
        lambda: client.post(
            "/videos",
            body={"prompt": "a sea", "input_reference": {"image_url": "https://x.test/a.png"}},
            cast_to=openai.types.Video,
        )
    )
    assert "network" in error.message and "data:" in error.message
    error = refused(
        lambda: client.post(
            "/videos",
            body={"prompt": "a sea", "input_reference": {"file_id": "file-missing"}},
            cast_to=openai.types.Video,
        )
    )
    assert "file-missing" in error.message
    error = refused(
        lambda: client.post(
            "/videos",
            body={"prompt": "a sea", "input_reference": "ref.png"},
            cast_to=openai.types.Video,
        )
    )
    assert error.code == "invalid_type"


def test_character_problems(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    three = [{"id": f"char_{n}"} for n in range(3)]
    error = refused(
        lambda: client.post(
            "/videos", body={"prompt": "a sea", "characters": three}, cast_to=openai.types.Video
        )
    )
    assert error.param == "characters" and "at most 2" in error.message
    error = refused(
        lambda: client.post(
            "/videos",
            body={"prompt": "a sea", "characters": [{"id": "char_nope"}]},
            cast_to=openai.types.Video,
        )
    )
    assert "char_nope" in error.message
    error = refused(lambda: client.videos.get_character("char_nope"), openai.NotFoundError)
    assert error.status_code == 404
    error = refused(lambda: client.videos.create_character(name="Bolt", video=b"not a video"))
    assert error.param == "video"


def test_unfinished_sources_and_content(emulator: EmulatorServer) -> None:
    emulator.settings.min_job_seconds = 30
    client = client_for(emulator)
    video = client.videos.create(prompt="a calm sea")
    error = refused(lambda: client.videos.remix(video.id, prompt="stormy"))
    assert "completed" in error.message
    error = refused(
        lambda: client.post(
            "/videos/extensions",
            body={"prompt": "more", "seconds": "4", "video": {"id": video.id}},
            cast_to=openai.types.Video,
        )
    )
    assert "completed" in error.message
    error = refused(lambda: client.videos.download_content(video.id))
    assert "not ready" in error.message
    error = refused(lambda: client.videos.delete(video.id))
    assert "Wait until it finishes" in error.message
    refused(lambda: client.videos.retrieve("video_missing"), openai.NotFoundError)
    refused(lambda: client.videos.remix("video_missing", prompt="x"), openai.NotFoundError)
    error = refused(lambda: client.videos.list(limit=101))
    assert error.param == "limit"
    error = refused(lambda: client.videos.list(after="video_unknown"))
    assert error.param == "after"


def test_extension_limits_and_expiry(emulator: EmulatorServer) -> None:
    emulator.settings.expiry_seconds = 0  # assets expire the moment the video completes
    client = client_for(emulator)
    video = client.videos.create_and_poll(prompt="a calm sea", size="1280x720")
    assert video.status == "completed"
    error = refused(lambda: client.videos.download_content(video.id), openai.APIStatusError)
    assert error.status_code == 410 and "expired" in error.message
    refused(lambda: client.videos.remix(video.id, prompt="x"), openai.APIStatusError)

    # Pretend the source already holds six extensions and 112 s, without rendering them all.
    def stretched(record: VideoRecord) -> VideoRecord:
        return replace(record, expires_at=None, seconds="112", extension_count=6)

    emulator.emulator.state.videos.update(video.id, stretched)

    def extend(seconds: str) -> Any:
        return refused(
            lambda: client.post(
                "/videos/extensions",
                body={"prompt": "more", "seconds": seconds, "video": {"id": video.id}},
                cast_to=openai.types.Video,
            )
        )

    error = extend("12")
    assert "6 times" in error.message and "120" in error.message

    def fewer(record: VideoRecord) -> VideoRecord:
        return replace(record, extension_count=2)

    emulator.emulator.state.videos.update(video.id, fewer)
    assert "120" in extend("12").message
    assert "segment" in extend("6").message
    error = refused(
        lambda: client.post(
            "/videos/extensions",
            body={
                "prompt": "more",
                "seconds": "4",
                "video": {"id": video.id},
                "characters": [{"id": "c"}],
            },
            cast_to=openai.types.Video,
        )
    )
    assert error.param == "characters"


def test_missing_auth_is_401(emulator: EmulatorServer) -> None:
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}):
        request = urllib.request.Request(f"{emulator.base_url}/videos", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert info.value.code == 401
        body = json.loads(info.value.read())
        assert "API key" in body["error"]["message"]
        assert info.value.headers["x-request-id"]
        assert info.value.headers["x-ratelimit-limit-requests"]
    request = urllib.request.Request(
        f"{emulator.base_url}/videos", headers={"Authorization": "Bearer anything"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_unknown_route_uses_the_envelope(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    error = refused(
        lambda: client.get("/nothing-here", cast_to=openai.types.Video), openai.NotFoundError
    )
    assert "/v1/nothing-here" in error.message
