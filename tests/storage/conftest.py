"""Fixtures for storage tests: a fresh library database and a repository with a steady clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_studio.core.models import Job, JobStatus
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job

START = 1_767_268_800.0  # 2026-01-01 12:00:00 UTC


class StepClock:
    """A clock that moves one second per reading, so every row gets a distinct, known time."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "library" / "studio.sqlite3"


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def repo(db_path: Path, clock: StepClock) -> Iterator[Repository]:
    repository = Repository(open_db(db_path), clock=clock)
    yield repository
    repository.close()


MakeJob = Callable[..., Job]


@pytest.fixture
def make_job(repo: Repository) -> MakeJob:
    """A job factory with sensible defaults; tests override only what they are about."""

    def make(**overrides: Any) -> Job:
        values: dict[str, Any] = {
            "fingerprint": "fp-1",
            "prompt": "a red kite over a grey sea",
            "status": JobStatus.DRAFT,
        }
        return add_job(repo, **{**values, **overrides})

    return make
