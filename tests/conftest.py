"""Test-wide set-up: Qt offscreen before Qt loads, isolated data folders, no dangling threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)

import pytest

if TYPE_CHECKING:
    from sora_studio.emulator.server import EmulatorServer


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own data folder so no test touches the user's library."""
    monkeypatch.setenv("SORA_STUDIO_DATA_DIR", str(tmp_path / "studio-data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield


@pytest.fixture(autouse=True)
def _no_dangling_threads() -> Iterator[None]:
    """Fail a test that leaves a Python thread running (QThreads are checked in tests/ui)."""
    before = set(threading.enumerate())
    yield
    leftover = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.daemon and t is not threading.main_thread()
    ]
    for thread in leftover:
        thread.join(timeout=5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"test left threads running: {still}"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    """A running emulator on an ephemeral loopback port: fast polls, no delays, seeded faults.

    Point the SDK at ``emulator.base_url``; change ``emulator.settings`` to inject faults.
    """
    from sora_studio.emulator.faults import EmulatorSettings
    from sora_studio.emulator.server import EmulatorServer

    settings = EmulatorSettings(min_job_seconds=0.0, poll_after_ms=20, seed=1234)
    with EmulatorServer(tmp_path / "emulator-data", settings) as server:
        yield server
