"""``VideosClient`` and ``BatchClient`` end to end: the real SDK against the built-in emulator on
a loopback port, with the emulator's own fault injection (429 bursts, 5xx, failed and blocked
renders, cut downloads, expiry)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.batch_client import BatchClient, build_batch_jsonl, parse_batch_output
from sora_studio.api.errors import classify_video_failure
from sora_studio.api.provider import ProviderProfile, builtin_profiles
from sora_studio.api.remote import RemoteVideo
from sora_studio.api.videos import VideosClient
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import (
    AssetVariant,
    CharacterRef,
    ErrorClass,
    Operation,
    RenderRequest,
)
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from tests.api.conftest import render_request

DEFAULTS = EmulatorSettings(poll_after_ms=20).to_dict()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        tmp_path_factory.mktemp("emulator"), settings=EmulatorSettings(**DEFAULTS)
    ) as server:
        yield server


@pytest.fixture
def faults(emulator: EmulatorServer) -> Iterator[Any]:
    """Set emulator faults for one test; everything goes back to the defaults afterwards."""
    yield emulator.emulator.update_settings
    emulator.emulator.update_settings(dict(DEFAULTS))


def profile_for(emulator: EmulatorServer, **changes: Any) -> ProviderProfile:
    emulator_profile = builtin_profiles({})[0].with_base_url(emulator.base_url)
    if not changes:
        return emulator_profile
    data = emulator_profile.to_dict()
    data.update(changes)
    return ProviderProfile(**data)


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[VideosClient]:
    with VideosClient(profile_for(emulator)) as videos:
        yield videos


def kite(**changes: Any) -> RenderRequest:
    return render_request(**{"prompt": "a red kite over a windy beach", "seconds": 4, **changes})


def wait_finished(client: VideosClient, video: RemoteVideo, timeout: float = 30.0) -> RemoteVideo:
    deadline = time.monotonic() + timeout
    progress = [video.progress]
    while not video.is_finished:
        assert time.monotonic() < deadline, f"{video.id} still {video.status} after {timeout} s"
        video, hints = client.retrieve(video.id)
        progress.append(video.progress)
        time.sleep((hints.poll_after_ms or 50) / 1000)
    assert progress == sorted(progress), "progress must never go backwards"
    return video


def test_create_poll_download_all_variants(client: VideosClient, tmp_path: Path) -> None:
    video, hints = client.create(kite())
    assert video.status == "queued" and video.progress == 0
    assert hints.request_id and hints.ratelimit_limit
    done = wait_finished(client, video)
    assert done.status == "completed" and done.progress == 100
    assert done.completed_at is not None and done.expires_at is not None
    assert (done.model, done.size, done.seconds) == ("sora-2", "1280x720", 4)

    magic = {
        AssetVariant.VIDEO: lambda b: b[4:8] == b"ftyp",
        AssetVariant.THUMBNAIL: lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
        AssetVariant.SPRITESHEET: lambda b: b[:3] == b"\xff\xd8\xff",
    }
    for variant, looks_right in magic.items():
        seen: list[tuple[int, int | None]] = []
        dest = tmp_path / f"asset{variant.file_extension}.part"
        size = client.download(
            done.id, variant, dest, on_progress=lambda d, t, seen=seen: seen.append((d, t))
        )
        data = dest.read_bytes()
        assert size == len(data) > 0
        assert looks_right(data), variant
        assert seen[-1] == (size, size)


def test_list_pages_with_cursor(client: VideosClient) -> None:
    created = [client.create(kite(prompt=f"kite number {n}"))[0].id for n in range(3)]
    first = client.list_page(limit=2, order="desc")
    assert len(first.videos) == 2 and first.has_more and first.last_id == first.videos[-1].id
    seen = [v.id for v in first.videos]
    page = first
    while page.has_more:
        page = client.list_page(after=page.last_id, limit=2, order="desc")
        seen.extend(v.id for v in page.videos)
    assert set(created) <= set(seen)
    assert len(seen) == len(set(seen))
    for video_id in created:
        wait_finished(client, client.retrieve(video_id)[0])


def test_failed_and_blocked_renders_are_classified(client: VideosClient, faults: Any) -> None:
    faults({"failure_rate": 1.0})
    failed = wait_finished(client, client.create(kite())[0])
    assert failed.status == "failed" and failed.error_code
    assert (
        classify_video_failure(failed.error_code, failed.error_message)[0] is ErrorClass.TRANSIENT
    )

    faults({"failure_rate": 0.0, "block_rate": 1.0})
    blocked = wait_finished(client, client.create(kite())[0])
    assert blocked.error_code == "moderation_blocked"
    error_class, message = classify_video_failure(blocked.error_code, blocked.error_message)
    assert error_class is ErrorClass.POLICY_BLOCKED
    assert "content policy" in message


def test_429_burst_is_rate_limited_with_retry_after(emulator: EmulatorServer, faults: Any) -> None:
    faults({"rate_limit_burst": 3, "rate_limit_retry_after_ms": 150})
    with (
        VideosClient(profile_for(emulator, max_retries=0)) as impatient,
        pytest.raises(ProviderError) as info,
    ):
        impatient.list_page()
    assert info.value.error_class is ErrorClass.RATE_LIMITED
    assert info.value.retry_after_s == pytest.approx(0.15)
    assert "rate limited by the provider" in info.value.message


def test_sdk_retries_through_a_short_429_burst(emulator: EmulatorServer, faults: Any) -> None:
    faults({"rate_limit_burst": 2, "rate_limit_retry_after_ms": 30})
    with VideosClient(profile_for(emulator, max_retries=2)) as patient:
        page = patient.list_page(limit=1)
    assert page.hints.request_id


def test_server_errors_are_transient(emulator: EmulatorServer, faults: Any) -> None:
    faults({"error_rate": 1.0})
    with (
        VideosClient(profile_for(emulator, max_retries=0)) as client,
        pytest.raises(ProviderError) as info,
    ):
        client.list_page()
    assert info.value.error_class is ErrorClass.TRANSIENT
    assert info.value.status_code is not None and info.value.status_code >= 500


def test_cut_download_raises_and_next_attempt_succeeds(
    client: VideosClient, faults: Any, tmp_path: Path
) -> None:
    done = wait_finished(client, client.create(kite())[0])
    faults({"cut_download_rate": 1.0})
    with pytest.raises(ProviderError) as info:
        client.download(done.id, AssetVariant.VIDEO, tmp_path / "cut.part")
    assert info.value.error_class in (ErrorClass.TRANSIENT, ErrorClass.DOWNLOAD_FAILED)
    faults({"cut_download_rate": 0.0})
    assert client.download(done.id, AssetVariant.VIDEO, tmp_path / "whole.part") > 0


def test_expired_assets_are_classified_expired(
    client: VideosClient, faults: Any, tmp_path: Path
) -> None:
    faults({"expiry_seconds": 0})
    done = wait_finished(client, client.create(kite())[0])
    with pytest.raises(ProviderError) as info:
        client.download(done.id, AssetVariant.VIDEO, tmp_path / "late.part")
    assert info.value.error_class is ErrorClass.EXPIRED


def test_invalid_requests_name_the_parameter(client: VideosClient) -> None:
    with pytest.raises(ProviderError) as info:
        client.create(kite(seconds=10))
    assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert info.value.param == "seconds"
    with pytest.raises(ProviderError) as info:
        client.create(kite(size="1920x1080"))  # sora-2-pro only
    assert info.value.error_class is ErrorClass.INVALID_REQUEST
    assert info.value.param == "size"


def test_unknown_ids_are_not_found_and_delete_works(client: VideosClient) -> None:
    with pytest.raises(ProviderError) as info:
        client.retrieve("video_" + "0" * 48)
    assert info.value.error_class is ErrorClass.NOT_FOUND
    done = wait_finished(client, client.create(kite())[0])
    assert client.delete(done.id) is True
    with pytest.raises(ProviderError) as info:
        client.retrieve(done.id)
    assert info.value.error_class is ErrorClass.NOT_FOUND


def test_remix_edit_extend_through_json_routes(client: VideosClient) -> None:
    source = wait_finished(client, client.create(kite())[0])
    remix, _ = client.remix(source.id, "the same kite at dusk")
    assert remix.remixed_from_video_id == source.id
    edit, _ = client.create(
        kite(prompt="make the kite blue", operation=Operation.EDIT, source_remote_id=source.id)
    )
    extension, _ = client.extend(source.id, "the kite climbs higher", 4)
    assert wait_finished(client, extension).seconds == 8  # stitched total
    assert wait_finished(client, edit).status == "completed"
    assert wait_finished(client, remix).status == "completed"


def test_characters_upload_fetch_and_use(client: VideosClient, tmp_path: Path) -> None:
    source = wait_finished(client, client.create(kite())[0])
    clip = tmp_path / "kiwi.mp4"
    client.download(source.id, AssetVariant.VIDEO, clip)
    character = client.create_character("Kiwi", clip)
    assert character.id and character.name == "Kiwi"
    assert client.get_character(character.id) == character
    with_char, _ = client.create(
        kite(prompt="Kiwi flies a red kite", characters=(CharacterRef(character.id, "Kiwi"),))
    )
    assert wait_finished(client, with_char).status == "completed"


def test_moderation_endpoint(client: VideosClient) -> None:
    assert client.moderate("a red kite over a windy beach") == (False, [])


def test_batch_round_trip(emulator: EmulatorServer, client: VideosClient) -> None:
    jsonl = build_batch_jsonl([("job-a", kite()), ("job-b", kite(prompt="two kites"))])
    with BatchClient(client.profile, base_url=emulator.base_url, sdk=client.sdk) as batches:
        file_id = batches.upload_batch_file(jsonl)
        batch = batches.create_batch(file_id, metadata={"origin": "test"})
        assert batch.input_file_id == file_id and batch.metadata == {"origin": "test"}
        deadline = time.monotonic() + 30
        while not batch.is_finished:
            assert time.monotonic() < deadline, f"batch still {batch.status}"
            time.sleep(0.1)
            batch = batches.retrieve_batch(batch.id)
        assert batch.status == "completed", batch.errors
        assert batch.output_file_id
        results = parse_batch_output(batches.download_file(batch.output_file_id))
    assert sorted(r.custom_id for r in results) == ["job-a", "job-b"]
    for result in results:
        assert result.video is not None
        assert wait_finished(client, client.retrieve(result.video.id)[0]).status == "completed"
