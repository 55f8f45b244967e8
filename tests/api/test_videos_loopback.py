"""``VideosClient`` through the real SDK against a tiny loopback server with canned answers.

These cover wire details and transport faults directly: headers, retries, JSON vs multipart
bodies, cut downloads, missing endpoints. The full behaviour is tested against the emulator.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.errors import RETIRED_MESSAGE
from sora_studio.api.provider import ProviderProfile, builtin_profiles
from sora_studio.api.videos import DownloadCancelledError, VideosClient
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import (
    AssetVariant,
    CharacterRef,
    ErrorClass,
    ImageInfo,
    Operation,
)
from tests.api.conftest import client_for, render_request

VIDEO: dict[str, Any] = {
    "id": "video_1",
    "object": "video",
    "model": "sora-2",
    "status": "queued",
    "progress": 0,
    "created_at": 1700000000,
    "completed_at": None,
    "expires_at": None,
    "prompt": "a red kite",
    "size": "1280x720",
    "seconds": "8",
    "remixed_from_video_id": None,
    "error": None,
}


def test_client_uses_explicit_timeout_and_retry_budget(canned: Any) -> None:
    canned.queue(body=VIDEO)
    with client_for(canned, max_retries=1) as client:
        assert client.sdk.timeout.read == 3.0  # type: ignore[union-attr]
        assert client.sdk.timeout.connect == 3.0  # type: ignore[union-attr]
        assert client.sdk.max_retries == 1


def test_retrieve_returns_video_and_poll_hints(canned: Any) -> None:
    headers = {
        "openai-poll-after-ms": "75",
        "x-ratelimit-remaining-requests": "9",
        "x-ratelimit-limit-requests": "10",
        "x-ratelimit-reset-requests": "120ms",
        "x-request-id": "req_abc",
    }
    canned.queue(body={**VIDEO, "status": "in_progress", "progress": 30}, headers=headers)
    with client_for(canned) as client:
        video, hints = client.retrieve("video_1")
    assert (video.status, video.progress, video.seconds) == ("in_progress", 30, 8)
    assert hints.poll_after_ms == 75
    assert hints.ratelimit_remaining == 9
    assert hints.ratelimit_reset_s == pytest.approx(0.12)
    assert hints.request_id == "req_abc"
    assert canned.seen[0].path == "/v1/videos/video_1"
    assert canned.seen[0].headers["authorization"] == "Bearer emulator"


def test_429_without_retries_is_rate_limited(canned: Any) -> None:
    error = {"error": {"message": "Too many", "type": "rate_limit", "param": None, "code": None}}
    canned.queue(429, error, {"retry-after-ms": "1200"})
    with client_for(canned, max_retries=0) as client, pytest.raises(ProviderError) as info:
        client.retrieve("video_1")
    assert info.value.error_class is ErrorClass.RATE_LIMITED
    assert info.value.retry_after_s == 1.2
    assert len(canned.seen) == 1


def test_sdk_retries_a_429_within_its_budget(canned: Any) -> None:
    error = {"error": {"message": "Too many", "type": "rate_limit", "param": None, "code": None}}
    canned.queue(429, error, {"retry-after-ms": "20"})
    canned.queue(body=VIDEO)
    with client_for(canned, max_retries=2) as client:
        video, _ = client.retrieve("video_1")
    assert video.id == "video_1"
    assert len(canned.seen) == 2


def test_401_is_auth(canned: Any) -> None:
    error = {
        "error": {
            "message": "bad key",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    canned.queue(401, error)
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.list_page()
    assert info.value.error_class is ErrorClass.AUTH


def test_unreachable_provider_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = ProviderProfile(
        "gone", "gateway", f"http://127.0.0.1:{port}/v1", "none", max_retries=0
    )
    with VideosClient(profile) as client, pytest.raises(ProviderError) as info:
        client.retrieve("video_1")
    assert info.value.error_class is ErrorClass.TRANSIENT
    assert "could not reach 127.0.0.1" in info.value.message


def test_missing_key_is_reported_before_any_call() -> None:
    profile = ProviderProfile("gw", "gateway", "http://127.0.0.1:9/v1", "env:SORA_TEST_NO_SUCH_KEY")
    with pytest.raises(ProviderError) as info:
        VideosClient(profile)
    assert info.value.error_class is ErrorClass.AUTH
    assert "SORA_TEST_NO_SUCH_KEY" in info.value.message


def test_list_page_makes_one_call_even_when_more_pages_exist(canned: Any) -> None:
    page = {
        "object": "list",
        "data": [VIDEO, {**VIDEO, "id": "video_2"}],
        "first_id": "video_1",
        "last_id": "video_2",
        "has_more": True,
    }
    canned.queue(body=page)
    with client_for(canned) as client:
        result = client.list_page(after="video_0", limit=2, order="asc")
    assert [v.id for v in result.videos] == ["video_1", "video_2"]
    assert result.has_more and result.last_id == "video_2"
    assert len(canned.seen) == 1
    assert canned.seen[0].path == "/v1/videos?after=video_0&limit=2&order=asc"


def test_list_page_without_has_more_treats_short_page_as_last(canned: Any) -> None:
    canned.queue(body={"object": "list", "data": [VIDEO]})
    with client_for(canned) as client:
        result = client.list_page(limit=10)
    assert not result.has_more
    assert result.last_id == "video_1"


def test_create_plain_and_with_reference_file_go_multipart(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=VIDEO, headers={"openai-poll-after-ms": "40"})
    ref = tmp_path / "ref.png"
    ref.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    with client_for(canned) as client:
        video, hints = client.create(render_request())
        client.create(render_request(), reference_path=ref)
    assert video.id == "video_1" and hints.poll_after_ms == 40
    plain, with_ref = canned.seen
    assert plain.headers["content-type"].startswith("multipart/form-data")
    assert b'name="seconds"' in plain.body and b"\r\n\r\n8\r\n" in plain.body
    assert b'name="input_reference"; filename="ref.png"' in with_ref.body
    assert b"Content-Type: image/png" in with_ref.body


def test_create_with_characters_goes_json_with_inline_reference(
    canned: Any, tmp_path: Path
) -> None:
    canned.queue(body=VIDEO)
    ref = tmp_path / "first.webp"
    ref.write_bytes(b"RIFFxxxxWEBP")
    req = render_request(
        characters=(CharacterRef("char_1", "Kiwi"),),
        reference=ImageInfo("webp", 1280, 720, path=str(ref)),
    )
    with client_for(canned) as client:
        client.create(req)
    seen = canned.seen[0]
    assert seen.headers["content-type"] == "application/json"
    body = json.loads(seen.body)
    assert body["characters"] == [{"id": "char_1"}]
    assert body["seconds"] == "8"
    assert body["input_reference"]["image_url"].startswith("data:image/webp;base64,")


def test_create_by_file_id_goes_json(canned: Any) -> None:
    canned.queue(body=VIDEO)
    with client_for(canned) as client:
        client.create(render_request(), reference_file_id="file-abc")
    assert json.loads(canned.seen[0].body)["input_reference"] == {"file_id": "file-abc"}


def test_edit_extend_remix_routes(canned: Any) -> None:
    canned.queue(body={**VIDEO, "id": "video_new"})
    with client_for(canned) as client:
        client.create(
            render_request(operation=Operation.EDIT, source_remote_id="video_src", prompt="bluer")
        )
        client.extend("video_src", "keep going", 4)
        client.remix("video_src", "at night")
        with pytest.raises(ProviderError, match="source video"):
            client.create(render_request(operation=Operation.REMIX))
    edit, extend, remix = canned.seen
    assert edit.path == "/v1/videos/edits"
    assert json.loads(edit.body) == {"prompt": "bluer", "video": {"id": "video_src"}}
    assert extend.path == "/v1/videos/extensions"
    assert json.loads(extend.body) == {
        "prompt": "keep going",
        "seconds": "4",
        "video": {"id": "video_src"},
    }
    assert remix.path == "/v1/videos/video_src/remix"
    assert json.loads(remix.body) == {"prompt": "at night"}


def test_missing_reference_file_is_invalid_request(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=VIDEO)
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.create(render_request(), reference_path=tmp_path / "nope.png")
    assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert info.value.param == "input_reference"
    assert canned.seen == []


def test_download_streams_with_progress(canned: Any, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB: several chunks
    canned.queue(body=payload)
    progress: list[tuple[int, int | None]] = []
    dest = tmp_path / "clip.part"
    with client_for(canned) as client:
        written = client.download(
            "video_1", AssetVariant.VIDEO, dest, on_progress=lambda d, t: progress.append((d, t))
        )
    assert written == len(payload) == dest.stat().st_size
    assert dest.read_bytes() == payload
    assert progress[0] == (0, len(payload)) and progress[-1] == (len(payload), len(payload))
    assert len(progress) > 2
    assert canned.seen[0].path == "/v1/videos/video_1/content?variant=video"


def test_cut_download_raises_transient(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=b"x" * 100_000, cut_at=40_000)
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.download("video_1", AssetVariant.THUMBNAIL, tmp_path / "t.part")
    assert info.value.error_class in (ErrorClass.TRANSIENT, ErrorClass.DOWNLOAD_FAILED)


def test_download_can_be_cancelled_between_chunks(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=b"y" * 2_000_000)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    with client_for(canned) as client, pytest.raises(DownloadCancelledError):
        client.download("video_1", AssetVariant.VIDEO, tmp_path / "v.part", should_cancel=cancel)


def test_download_into_unwritable_place_is_download_failed(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=b"z" * 10)
    with client_for(canned) as client, pytest.raises(ProviderError) as info:
        client.download("video_1", AssetVariant.VIDEO, tmp_path / "missing-dir" / "v.part")
    assert info.value.error_class is ErrorClass.DOWNLOAD_FAILED


def test_moderation_missing_endpoint_returns_none(canned: Any) -> None:
    canned.queue(
        404,
        {
            "error": {
                "message": "no route",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
    )
    with client_for(canned) as client:
        assert client.moderate("a kite") is None


def test_moderation_reports_flagged_categories(canned: Any) -> None:
    result = {
        "id": "modr_1",
        "model": "omni-moderation-latest",
        "results": [{"flagged": True, "categories": {"violence": True, "hate": False}}],
    }
    canned.queue(body=result)
    with client_for(canned) as client:
        assert client.moderate("fight") == (True, ["violence"])


def test_empty_ids_are_refused_before_sending(canned: Any) -> None:
    canned.queue(body=VIDEO)
    with client_for(canned) as client:
        for call in (
            lambda: client.retrieve(""),
            lambda: client.delete(" "),
            lambda: client.get_character(""),
        ):
            with pytest.raises(ProviderError) as info:
                call()
            assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert canned.seen == []


def test_retired_openai_profile_explains_instead_of_sending() -> None:
    openai_profile = next(p for p in builtin_profiles({}) if p.name == "openai")
    with VideosClient(openai_profile, api_key="sk-test-000000") as client:
        for call in (
            lambda: client.create(render_request()),
            lambda: client.remix("video_1", "again"),
            lambda: client.edit("video_1", "bluer"),
            lambda: client.extend("video_1", "more", 4),
        ):
            with pytest.raises(ProviderError) as info:
                call()
            assert info.value.error_class is ErrorClass.MODEL_UNAVAILABLE
            assert info.value.message == RETIRED_MESSAGE
