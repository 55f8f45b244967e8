"""Shared set-up for the headless command tests: a library with a provider pointing at a real
emulator on a loopback port, and ways to run ``sora-studio`` in-process or as a real process.

Every provider call goes through the real ``openai`` SDK to the built-in emulator; nothing is faked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.provider import ProviderProfile
from sora_studio.cli import main
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository

# Offered to the tests in this folder: a key store that lives in memory.
from tests.memory_keyring import memory_keyring as memory_keyring

PROMPT = "a lighthouse beam sweeping over a night sea"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``sora-studio ARGV`` in this process: (exit status, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code, out, err = run_cli(capsys, *argv)
    assert out.strip(), f"no JSON on stdout (exit {code}): {err}"
    return code, json.loads(out), err


def command() -> list[str]:
    """The installed ``sora-studio`` script beside this Python, else ``python -m sora_studio``."""
    script = Path(sys.executable).with_name("sora-studio")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sora_studio"]


def process_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}


def run_process(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=process_env(),
        check=False,
    )


def save_provider(
    lib: Path, name: str, base_url: str, *, default: bool = False, **fields: Any
) -> None:
    """Save a provider profile straight into the library (as Settings > Providers would)."""
    fields.setdefault("preset", "emulator")
    profile = ProviderProfile(
        name=name,
        kind=fields.pop("kind", "gateway"),
        base_url=base_url,
        key_source="none",
        **fields,
    )
    repo = Repository(open_db(lib / "studio.sqlite3"))
    try:
        repo.upsert_provider_dict(profile.to_dict())
        if default:
            repo.set_setting("default_provider", name)
    finally:
        repo.close()


def open_library(lib: Path) -> Repository:
    return Repository(open_db(lib / "studio.sqlite3"))


def emulator_videos(server: EmulatorServer) -> int:
    """How many videos the emulator holds: each paid render the provider ever received."""
    return sum(server.stats()["videos"].values())


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    return tmp_path / "lib"


@pytest.fixture
def slow_emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    """An emulator whose renders take at least 4 s, so a command can be stopped mid-job."""
    settings = EmulatorSettings(min_job_seconds=4.0, poll_after_ms=50, seed=7)
    with EmulatorServer(tmp_path / "slow-emulator", settings) as server:
        yield server
