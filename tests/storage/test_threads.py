"""A connection per thread; WAL lets a reader read while the writer holds a write transaction."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job


def _create(repo: Repository, n: int) -> None:
    for i in range(n):
        add_job(repo, fingerprint=f"fp-{i}")


def test_reader_thread_is_not_blocked_by_an_open_write(repo: Repository, db_path: Path) -> None:
    _create(repo, 3)
    results: dict[str, object] = {}
    reader_done = threading.Event()

    def read() -> None:
        reader = Repository(open_db(db_path))
        try:
            started = time.monotonic()
            results["count"] = reader.count_jobs()
            results["seconds"] = time.monotonic() - started
        except BaseException as exc:  # handed to the main thread's asserts
            results["error"] = exc
        finally:
            reader.close()
            reader_done.set()

    with repo.db.atomic():  # the writer holds an open write transaction ...
        _create(repo, 5)
        thread = threading.Thread(target=read, name="reader")
        thread.start()
        # ... and the reader finishes while it is still open (no busy wait, no lock).
        assert reader_done.wait(timeout=4.0)
    thread.join(timeout=5)

    assert "error" not in results
    assert results["count"] == 3  # the committed snapshot, without the pending five
    assert isinstance(results["seconds"], float) and results["seconds"] < 1.0
    assert repo.count_jobs() == 8


def test_reader_sees_writes_as_they_commit(repo: Repository, db_path: Path) -> None:
    counts: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def poll() -> None:
        reader = Repository(open_db(db_path))
        try:
            while not stop.is_set():
                counts.append(reader.count_jobs())
                time.sleep(0.002)
        except BaseException as exc:
            failures.append(exc)
        finally:
            reader.close()

    thread = threading.Thread(target=poll, name="poller")
    thread.start()
    try:
        _create(repo, 40)
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not failures
    assert counts == sorted(counts)  # never goes backwards
    assert counts[-1] == 40


def test_a_connection_refuses_other_threads(repo: Repository) -> None:
    errors: list[BaseException] = []

    def misuse() -> None:
        try:
            repo.count_jobs()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=misuse)
    thread.start()
    thread.join(timeout=5)
    assert len(errors) == 1
    with pytest.raises(sqlite3.ProgrammingError):
        raise errors[0]
