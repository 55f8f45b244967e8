"""Request bodies per server dialect, through the real SDK to loopback servers that accept only
what the real servers accept: vLLM-Omni (multipart only), NVIDIA Dynamo (JSON only, blocking
create), SGLang (either, ``reference_url``) and servers that take either encoding."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.videos import VideosClient
from sora_studio.core.capabilities import BodyFormat
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import (
    AssetVariant,
    CharacterRef,
    ErrorClass,
    Operation,
    RenderRequest,
)
from tests.api.conftest import Canned, Seen, client_for, dynamo_answer, render_request

VIDEO: dict[str, Any] = {
    "id": "video_gen_1",
    "object": "video",
    "model": "wan-2.2-ti2v-5b",
    "status": "queued",
    "progress": 0,
    "created_at": 1700000000,
    "size": "1280x720",
    "seconds": "4",
}
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 64
EXTRAS = (("guidance_scale", 4.5), ("negative_prompt", "blurry, text"), ("seed", 42))
MISSING_PROMPT = {
    "detail": [{"type": "missing", "loc": ["body", "prompt"], "msg": "Field required"}]
}


def kite(**changes: Any) -> RenderRequest:
    return render_request(**{"model": "wan-2.2-ti2v-5b", "seconds": 4, "extras": EXTRAS, **changes})


def is_multipart(seen: Seen) -> bool:
    return seen.headers.get("content-type", "").startswith("multipart/form-data")


def form_field(seen: Seen, name: str) -> str | None:
    """The value of one text part of a multipart body (None when absent)."""
    marker = f'name="{name}"\r\n\r\n'.encode()
    start = seen.body.find(marker)
    if start < 0:
        return None
    start += len(marker)
    return seen.body[start : seen.body.index(b"\r\n--", start)].decode()


def multipart_only(seen: Seen) -> Canned:
    """vLLM-Omni: FastAPI Form fields; a JSON body has no form field called prompt."""
    if seen.method == "POST" and not is_multipart(seen):
        return Canned(422, MISSING_PROMPT)
    return Canned(200, VIDEO)


def json_only(seen: Seen) -> Canned:
    """A pydantic JSON body: multipart is not an object."""
    if seen.method == "POST" and not seen.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return Canned(415, {"detail": "Unsupported Media Type: send application/json"})
    return Canned(200, VIDEO)


def test_multipart_only_server_gets_multipart_with_extras_and_image_reference(
    canned: Any, tmp_path: Path
) -> None:
    canned.route = multipart_only
    ref = tmp_path / "first.png"
    ref.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    with client_for(canned, "vllm-omni") as client:
        video, _ = client.create(kite(), reference_image_url="https://img.example/first.png")
        client.create(kite(), reference_path=ref)
    assert video.id == "video_gen_1"
    by_url, by_file = canned.seen
    assert is_multipart(by_url) and is_multipart(by_file)
    assert form_field(by_url, "prompt") == "a red kite"
    assert form_field(by_url, "seconds") == "4"
    assert form_field(by_url, "seed") == "42"
    assert form_field(by_url, "guidance_scale") == "4.5"
    assert form_field(by_url, "negative_prompt") == "blurry, text"
    # vLLM-Omni reads image_reference as a JSON-encoded object in one form field.
    assert json.loads(form_field(by_url, "image_reference") or "") == {
        "image_url": "https://img.example/first.png"
    }
    assert b'name="input_reference"; filename="first.png"' in by_file.body
    assert form_field(by_file, "image_reference") is None


def test_multipart_only_server_gets_edits_as_form_fields(canned: Any) -> None:
    canned.route = multipart_only
    with client_for(canned, "vllm-omni") as client:
        client.extend("video_src", "keep going", 4, extras=(("seed", 7),))
    (seen,) = canned.seen
    assert seen.path == "/v1/videos/extensions" and is_multipart(seen)
    assert form_field(seen, "video[id]") == "video_src"
    assert form_field(seen, "seed") == "7"


def test_json_only_server_gets_json_with_integer_seconds_and_inline_reference(
    canned: Any, tmp_path: Path
) -> None:
    canned.route = json_only
    ref = tmp_path / "first.webp"
    ref.write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 ")
    with client_for(canned, "generic", capability_overrides={"body_format": "json"}) as client:
        client.create(kite(), reference_path=ref)
    with client_for(canned, "dynamo") as client:
        client.create(kite())
    generic, dynamo = canned.seen
    body = json.loads(generic.body)
    assert body["seconds"] == "4"
    assert body["seed"] == 42 and body["guidance_scale"] == 4.5
    assert body["negative_prompt"] == "blurry, text"
    assert body["input_reference"]["image_url"].startswith("data:image/webp;base64,")
    assert json.loads(dynamo.body)["seconds"] == 4  # Dynamo takes an integer


def test_sglang_sends_reference_urls_as_reference_url(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=VIDEO)
    ref = tmp_path / "first.jpg"
    ref.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 32)
    with client_for(canned, "sglang") as client:
        client.create(kite(), reference_image_url="https://img.example/a.jpg")
        client.create(kite(), reference_path=ref)
        with pytest.raises(ProviderError) as info:
            client.create(kite(), reference_file_id="file-1")
    by_url, by_file = canned.seen
    assert json.loads(by_url.body)["reference_url"] == "https://img.example/a.jpg"
    assert "input_reference" not in json.loads(by_url.body)
    assert is_multipart(by_file) and b'name="input_reference"; filename="first.jpg"' in by_file.body
    assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert "file or a URL" in info.value.message


def test_either_format_retries_once_and_remembers(canned: Any) -> None:
    canned.route = multipart_only
    with client_for(canned, "generic") as client:
        client.create(kite(characters=(CharacterRef("char_1", "Kiwi"),)))
        assert client.learned_body_format is BodyFormat.MULTIPART
        client.create(kite(characters=(CharacterRef("char_1", "Kiwi"),)))
        client.edit("video_src", "bluer")
    first_json, retried, second, edit = canned.seen
    assert not is_multipart(first_json) and is_multipart(retried)
    assert form_field(retried, "characters[][id]") == "char_1"
    assert is_multipart(second)  # remembered: no refused attempt this time
    assert is_multipart(edit) and form_field(edit, "video[id]") == "video_src"


def test_either_format_retry_the_other_way(canned: Any) -> None:
    canned.route = json_only
    with client_for(canned, "generic") as client:
        client.create(kite())
        client.create(kite())
        assert client.learned_body_format is BodyFormat.JSON
    refused, retried, second = canned.seen
    assert is_multipart(refused)
    assert json.loads(retried.body)["prompt"] == "a red kite"
    assert json.loads(second.body)["seed"] == 42


def test_no_retry_for_a_real_validation_error_or_a_fixed_format(canned: Any) -> None:
    canned.queue(400, {"detail": "seconds must be one of 4, 8, 12"})
    with client_for(canned, "generic") as client, pytest.raises(ProviderError) as info:
        client.create(kite())
    assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert len(canned.seen) == 1
    canned.seen.clear()
    canned.route = json_only
    with client_for(canned, "vllm-omni") as client, pytest.raises(ProviderError):
        client.create(kite())  # multipart only: never tries JSON
    assert len(canned.seen) == 1


def test_a_server_that_refuses_both_formats_is_asked_twice_only(canned: Any) -> None:
    canned.queue(415, {"detail": "Unsupported Media Type"})
    with client_for(canned, "generic") as client, pytest.raises(ProviderError) as info:
        client.create(kite())
    assert len(canned.seen) == 2
    assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert client.learned_body_format is None


def test_remix_sends_extras_and_encodes_opaque_ids(canned: Any) -> None:
    canned.queue(body=VIDEO)
    route_id = "video_bGl0ZWxsbTpjdXN0b20/+=="
    with client_for(canned, "litellm") as client:
        client.create(
            kite(operation=Operation.REMIX, source_remote_id=route_id, extras=(("seed", 3),))
        )
    (seen,) = canned.seen
    assert seen.path == "/v1/videos/video_bGl0ZWxsbTpjdXN0b20%2F+==/remix"
    assert json.loads(seen.body) == {"prompt": "a red kite", "seed": 3}


def test_bad_extras_and_missing_model_are_refused_before_sending(canned: Any) -> None:
    canned.queue(body=VIDEO)
    with client_for(canned, "dynamo") as client:
        for request in (
            kite(extras=(("prompt", "other"),)),
            kite(extras=(("bad name", 1),)),
            kite(model=" "),
        ):
            with pytest.raises(ProviderError) as info:
                client.create(request)
            assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert canned.seen == []


# -- synchronous servers (NVIDIA Dynamo) ------------------------------------------------------


def sync_client(canned: Any) -> VideosClient:
    return client_for(canned, "dynamo", synchronous_timeout_s=120.0, max_retries=2)


def test_synchronous_create_returns_the_finished_video_with_its_url(
    canned: Any, tmp_path: Path
) -> None:
    def route(seen: Seen) -> Canned:
        if seen.method == "POST":
            return Canned(200, dynamo_answer(url=f"{canned.base_url}/files/video-8c2f.mp4"))
        return Canned(200, MP4, {"content-type": "video/mp4"})

    canned.route = route
    with sync_client(canned) as client:
        video, _ = client.create(kite())
        assert video.is_finished and video.status == "completed"
        assert video.created_at == 1700000300 and video.inference_time_s == 41.5
        assert video.result_url == f"{canned.base_url}/files/video-8c2f.mp4"
        dest = tmp_path / "v.part"
        size = client.download(video.id, AssetVariant.VIDEO, dest, source_url=video.result_url)
    post, get = canned.seen
    assert post.headers["content-type"] == "application/json"
    assert post.headers["x-stainless-read-timeout"] == "120.0"  # the long render timeout
    assert get.path == "/v1/files/video-8c2f.mp4"
    assert get.headers["authorization"] == "Bearer emulator"  # the provider's own host
    assert size == len(MP4) and dest.read_bytes() == MP4


def test_synchronous_create_with_file_and_base64_results(canned: Any, tmp_path: Path) -> None:
    on_disk = tmp_path / "server-out" / "video-8c2f.mp4"
    on_disk.parent.mkdir()
    on_disk.write_bytes(MP4)
    canned.queue(body=dynamo_answer(url=on_disk.as_uri()))
    canned.queue(body=dynamo_answer(b64_json=base64.b64encode(MP4).decode()))
    with sync_client(canned) as client:
        by_file, _ = client.create(kite())
        by_b64, _ = client.create(kite())
        assert by_file.result_url == on_disk.as_uri()
        assert (by_b64.result_url or "").startswith("data:video/mp4;base64,")
        for video, name in ((by_file, "f.part"), (by_b64, "b.part")):
            dest = tmp_path / name
            client.download(video.id, AssetVariant.VIDEO, dest, source_url=video.result_url)
            assert dest.read_bytes() == MP4


def test_synchronous_failure_inside_http_200_and_no_sdk_retries(canned: Any) -> None:
    failed = {**dynamo_answer(), "status": "failed", "data": [], "error": "CUDA out of memory"}
    canned.queue(body=failed)
    with sync_client(canned) as client:
        video, _ = client.create(kite())
    assert video.status == "failed" and video.is_finished
    assert video.error_message == "CUDA out of memory" and video.result_url is None
    canned.seen.clear()
    canned.answers.clear()
    canned.queue(500, {"message": "worker died", "type": "InternalError", "code": 500})
    with sync_client(canned) as client, pytest.raises(ProviderError) as info:
        client.create(kite())
    assert info.value.error_class is ErrorClass.TRANSIENT
    assert len(canned.seen) == 1  # a retried blocking render would be paid twice


def test_official_contract_requests_are_unchanged(canned: Any, tmp_path: Path) -> None:
    """The emulator preset sends exactly what the SDK sends: no extras, no retries, no learning."""
    canned.queue(body=VIDEO)
    plain = kite(extras=())
    with client_for(canned, "emulator") as client:
        client.create(plain)
        client.create(plain, reference_image_url="https://img.example/a.png")
        client.remix("video_src", "at night")
        client.edit("video_src", "bluer")
        assert client.learned_body_format is None
    create, by_url, remix, edit = canned.seen
    assert is_multipart(create)
    names = {part.split(b'"')[0] for part in create.body.split(b'name="')[1:]}
    assert names == {b"prompt", b"model", b"size", b"seconds"}
    assert json.loads(by_url.body) == {
        "prompt": "a red kite",
        "model": "wan-2.2-ti2v-5b",
        "size": "1280x720",
        "seconds": "4",
        "input_reference": {"image_url": "https://img.example/a.png"},
    }
    assert json.loads(remix.body) == {"prompt": "at night"}
    assert json.loads(edit.body) == {"prompt": "bluer", "video": {"id": "video_src"}}
