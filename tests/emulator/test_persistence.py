"""State survives a restart, and renders cut short by a stop resume on the next start."""

from __future__ import annotations

import time
from pathlib import Path

import openai

from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer


def client_for(server: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=30)


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "emu"
    settings = EmulatorSettings(poll_after_ms=20, seed=1)
    with EmulatorServer(data, settings) as first:
        client = client_for(first)
        video = client.videos.create_and_poll(prompt="a red kite", size="1280x720")
        clip = client.videos.download_content(video.id).content
        character = client.videos.create_character(name="Kite", video=("kite.mp4", clip))
        uploaded = client.files.create(file=("in.jsonl", b"{}\n"), purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/videos", completion_window="24h"
        )
    with EmulatorServer(data, EmulatorSettings(poll_after_ms=20)) as second:
        client = client_for(second)
        again = client.videos.retrieve(video.id)
        assert again.model_dump() == video.model_dump()
        assert client.videos.download_content(video.id).content == clip
        assert client.videos.get_character(character.id or "").name == "Kite"
        assert client.files.retrieve(uploaded.id).bytes == 3
        assert client.files.content(uploaded.id).content == b"{}\n"
        assert client.batches.retrieve(batch.id).id == batch.id


def test_interrupted_render_resumes_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "emu"
    slow = EmulatorSettings(poll_after_ms=20, min_job_seconds=60)
    first = EmulatorServer(data, slow)
    first.start()
    client = client_for(first)
    video = client.videos.create(prompt="a red kite", size="720x1280")
    deadline = time.monotonic() + 10
    while client.videos.retrieve(video.id).status != "in_progress":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    first.stop()
    assert time.monotonic() - started < 3  # stop cancels the render instead of waiting for it

    with EmulatorServer(data, EmulatorSettings(poll_after_ms=20)) as second:
        client = client_for(second)
        assert second.stats()["resumed_on_start"] == 1
        done = client.videos.poll(video.id)
        assert done.status == "completed"
        assert client.videos.download_content(done.id, variant="thumbnail").content
