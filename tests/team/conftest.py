"""Fixtures for the team-library tests: a real PostgreSQL cluster and connected libraries.

The cluster is started once per session on a free loopback port and removed after; each test
gets its own database on it. The tests are skipped only when PostgreSQL's programs are absent
(``scripts/bootstrap.sh`` installs Debian's ``postgresql`` package, so CI has them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.team.pg_cluster import PgCluster, find_pg_bin


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL's server programs (initdb, pg_ctl, postgres) are not installed: "
            "run scripts/bootstrap.sh (Debian package 'postgresql')"
        )
    cluster = PgCluster(bin_dir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def team_url(pg_cluster: PgCluster) -> str:
    """The URL of a fresh, empty database on the test cluster."""
    return pg_cluster.new_database()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Callable[[str], Repository]]:
    """``library("alice")``: a new library of its own (one desk), closed after the test."""
    opened: list[Repository] = []

    def make(name: str) -> Repository:
        repo = Repository(open_db(tmp_path / name / "library.db"))
        opened.append(repo)
        return repo

    yield make
    for repo in opened:
        repo.close()
