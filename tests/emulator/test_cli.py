"""``sora-studio emulator`` really listens: spawned as a process, driven with the SDK, stopped."""

from __future__ import annotations

from pathlib import Path

import openai

from sora_studio.cli import main
from tests.emulator.process_support import emulator_process


def test_emulator_command_serves_the_api(tmp_path: Path) -> None:
    emulator = ("emulator", "--data-dir", str(tmp_path / "emu"), "--latency-ms", "1", "--seed", "3")
    with emulator_process("sora_studio", *emulator) as (port, banner):
        assert f"http://127.0.0.1:{port}/v1" in banner, banner
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="cli", max_retries=0, timeout=10
        )
        video = client.videos.create(prompt="a windmill turning")
        assert client.videos.retrieve(video.id).id == video.id
    assert (tmp_path / "emu" / "videos" / f"{video.id}.json").exists()


def test_emulator_command_refuses_bad_flags(capsys: object) -> None:
    assert main(["emulator", "--failure-rate", "3"]) == 2
    assert main(["emulator", "--webhook-url", "http://127.0.0.1:9/x"]) == 2
