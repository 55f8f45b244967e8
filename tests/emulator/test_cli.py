"""``sora-studio emulator`` really listens: spawned as a process, driven with the SDK, stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import openai

from sora_studio.cli import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_emulator_command_serves_the_api(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sora_studio",
            "emulator",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "emu"),
            "--latency-ms",
            "1",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # printed once the port accepts connections
        assert f"http://127.0.0.1:{port}/v1" in banner, banner
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="cli", max_retries=0, timeout=10
        )
        video = client.videos.create(prompt="a windmill turning")
        assert client.videos.retrieve(video.id).id == video.id
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=10)
    assert process.returncode == 0, errors
    assert (tmp_path / "emu" / "videos" / f"{video.id}.json").exists()


def test_emulator_command_refuses_bad_flags(capsys: object) -> None:
    assert main(["emulator", "--failure-rate", "3"]) == 2
    assert main(["emulator", "--webhook-url", "http://127.0.0.1:9/x"]) == 2
