"""A real emulator on a loopback port, a fresh library, an engine wired to both, and real clips.

Everything goes through the real ``openai`` SDK. Polling is quick (0.1 s) so lifecycles finish in
a second or two; tests change the emulator's faults through its own settings object.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.provider import ProviderProfile
from sora_studio.core.lifecycle import PollPolicy
from sora_studio.core.models import Job
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.engine import JobEngine
from sora_studio.services.orders import PollReport, RenderOrder
from sora_studio.services.providers import ProviderRegistry
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.media_factory import ClipMaker, write_clip

FAST_POLICY = PollPolicy(base_interval_s=0.1, min_interval_s=0.02, max_interval_s=2.0)
PROMPT = "a paper boat drifting across a calm pond at dawn"


def order(**changes: Any) -> RenderOrder:
    values: dict[str, Any] = {
        "prompt": PROMPT,
        "model": "sora-2",
        "size": "1280x720",
        "seconds": 4,
        "provider": "emulator",
    }
    values.update(changes)
    return RenderOrder(**values)


@dataclass
class Studio:
    """One library + engine against one emulator."""

    root: Path
    emulator: EmulatorServer
    repo: Repository
    registry: ProviderRegistry
    engine: JobEngine
    reports: list[PollReport] = field(default_factory=list)

    @property
    def library(self) -> Path:
        return self.root / "library"

    def faults(self, **changes: Any) -> None:
        self.emulator.emulator.update_settings(changes)

    def step(self) -> PollReport:
        report = self.engine.poll_once()
        self.reports.append(report)
        return report

    def run_until(self, done: Callable[[], bool], timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                jobs = self.repo.list_jobs()
                raise AssertionError(
                    "timed out; jobs: "
                    + "; ".join(
                        f"{j.id} {j.status} {j.error_class} {j.error_message}" for j in jobs
                    )
                )
            report = self.step()
            time.sleep(min(report.next_delay_s, 0.05))

    def job(self, job_id: int) -> Job:
        return self.repo.require_job(job_id)

    def settle(self, *job_ids: int, timeout_s: float = 20.0) -> list[Job]:
        """Run until every job is terminal; returns them."""
        self.run_until(lambda: all(self.job(j).status.is_terminal for j in job_ids), timeout_s)
        return [self.job(j) for j in job_ids]

    def remote_videos(self) -> list[dict[str, Any]]:
        import httpx

        response = httpx.get(
            f"{self.emulator.base_url}/videos",
            params={"limit": 100},
            headers={"Authorization": "Bearer emulator"},
        )
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()["data"]
        return data


def save_gateway(repo: Repository, name: str, base_url: str, preset: str, **fields: Any) -> None:
    """Save a keyless gateway profile at ``base_url`` (as Settings > Providers would)."""
    profile = ProviderProfile(
        name=name, kind="gateway", base_url=base_url, key_source="none", preset=preset, **fields
    )
    repo.upsert_provider_dict(profile.to_dict())


def make_engine(root: Path, base_url: str, **kwargs: Any) -> tuple[Repository, JobEngine]:
    repo = Repository(open_db(root / "studio.sqlite3"))
    registry = ProviderRegistry(repo, env={}, emulator_base_url=base_url)
    engine = JobEngine(repo, registry, root / "library", policy=FAST_POLICY, **kwargs)
    return repo, engine


@pytest.fixture(scope="session")
def make_clip() -> ClipMaker:
    """Writes a real 2 s MP4 (``tests/media_factory.write_clip``); any fixture scope may use it."""
    return write_clip


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    settings = EmulatorSettings(poll_after_ms=50, seed=7)
    with EmulatorServer(tmp_path / "emulator", settings) as server:
        yield server


@pytest.fixture
def studio(tmp_path: Path, emulator: EmulatorServer) -> Iterator[Studio]:
    root = tmp_path / "studio"
    repo, engine = make_engine(root, emulator.base_url)
    yield Studio(root, emulator, repo, engine.registry, engine)
    engine.shutdown(5.0)
    repo.close()
