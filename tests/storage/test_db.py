"""Opening the database: migrations, pragmas, and refusing files it must not touch."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from sora_studio.core.errors import UserError
from sora_studio.storage import migrations
from sora_studio.storage.db import (
    DatabaseTooNewError,
    DatabaseUnavailableError,
    NotADatabaseError,
    open_db,
    read_schema_version,
)
from sora_studio.storage.migrations import SCHEMA_VERSION

EXPECTED_TABLES = {
    "providers",
    "jobs",
    "assets",
    "reviews",
    "notes",
    "characters",
    "batches",
    "events",
    "settings",
    "templates",
    "recent_briefs",
    # migration 3: the team library's local half (issue 13)
    "team_outbox",
    "team_seen",
    "team_cursor",
    "team_clips",
    "team_notes",
    "team_verdicts",
    "team_parked",
    # migration 4: tags put on clips by hand, characters' team ids (issue 13)
    "clip_tags",
    "team_characters",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folder_state(folder: Path) -> dict[str, str]:
    return {p.name: _digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def test_migrations_build_the_schema_on_a_new_file(db_path: Path) -> None:
    assert not db_path.parent.exists()
    db = open_db(db_path)
    try:
        assert db_path.exists()
        assert set(db.table_names()) == EXPECTED_TABLES
        assert read_schema_version(db_path) == SCHEMA_VERSION == len(migrations.MIGRATIONS)
        indexes = {r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type='index'")}
        for wanted in (
            "jobs_status",
            "jobs_provider_status",
            "jobs_remote_id",
            "jobs_fingerprint",
            "jobs_created_at",
            "jobs_parent_id",
            "reviews_job_created",
            "notes_job_id",
            "assets_sha256",
        ):
            assert wanted in indexes
    finally:
        db.close()


def test_an_empty_file_is_treated_as_a_new_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    db = open_db(db_path)
    try:
        assert "jobs" in db.table_names()
    finally:
        db.close()


def test_reopening_is_a_no_op(db_path: Path) -> None:
    db = open_db(db_path)
    db.execute("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')")
    schema_before = db.schema
    db.close()

    db = open_db(db_path)
    try:
        assert db.schema == schema_before
        assert read_schema_version(db_path) == SCHEMA_VERSION
        assert [r["value"] for r in db.query("SELECT value FROM settings")] == ['"dark"']
    finally:
        db.close()


def test_pragmas_wal_foreign_keys_busy_timeout_synchronous(db_path: Path) -> None:
    db = open_db(db_path)
    try:
        assert db.journal_mode == "wal"
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO assets (job_id, variant, path, bytes, sha256, created_at)"
                " VALUES (999, 'video', 'x.mp4', 1, 'ab', 0)"
            )
    finally:
        db.close()


def _make_too_new(path: Path) -> None:
    """A database as a future Sora Studio would leave it: a newer version and an unknown table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute("INSERT INTO from_the_future VALUES (42)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()


def test_a_newer_database_is_refused_and_left_untouched(db_path: Path) -> None:
    _make_too_new(db_path)
    before = _folder_state(db_path.parent)

    with pytest.raises(DatabaseTooNewError) as caught:
        open_db(db_path)

    assert isinstance(caught.value, UserError)
    message = str(caught.value)
    assert f"version {SCHEMA_VERSION + 5}" in message
    assert f"up to version {SCHEMA_VERSION}" in message
    assert "upgrade Sora Studio" in message
    # Byte for byte the same, and no -wal/-shm files left behind.
    assert _folder_state(db_path.parent) == before


def test_a_newer_wal_database_is_refused_and_left_untouched(db_path: Path) -> None:
    """A cleanly closed WAL file: read from the header alone, so not even -shm appears."""
    _make_too_new(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=wal")
    conn.close()
    before = _folder_state(db_path.parent)

    with pytest.raises(DatabaseTooNewError):
        open_db(db_path)

    assert _folder_state(db_path.parent) == before
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT x FROM from_the_future").fetchall() == [(42,)]
    conn.close()


def test_a_newer_version_still_in_the_wal_is_seen(db_path: Path, tmp_path: Path) -> None:
    """After a crash the new version may live only in the -wal file; the header is stale."""
    open_db(db_path).close()
    writer = sqlite3.connect(db_path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")  # keep the change in the log
    writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    writer.commit()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal"):  # what a crash would leave behind
        source = db_path.with_name(db_path.name + suffix)
        (crashed / source.name).write_bytes(source.read_bytes())
    writer.close()
    copy = crashed / db_path.name
    main_before = _digest(copy)

    with pytest.raises(DatabaseTooNewError, match=f"version {SCHEMA_VERSION + 1}"):
        open_db(copy)
    assert _digest(copy) == main_before


@pytest.mark.parametrize(
    "write",
    [
        lambda p: p.write_text("these are my notes, not a database\n" * 10),
        lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500),
        lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 84),
        lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x10\x00" + b"\x00" * 4082),
        lambda p: p.write_bytes(b"SQLite"),
    ],
    ids=["text", "mp4", "corrupt-header", "bad-fractions", "truncated"],
)
def test_a_file_that_is_not_sqlite_is_refused_clearly(
    db_path: Path, write: Callable[[Path], object]
) -> None:
    db_path.parent.mkdir(parents=True)
    write(db_path)
    before = _digest(db_path)
    with pytest.raises(NotADatabaseError) as caught:
        open_db(db_path)
    assert isinstance(caught.value, UserError)
    assert "not an SQLite file" in str(caught.value)
    assert "--data-dir" in str(caught.value)
    assert _digest(db_path) == before


def test_a_folder_in_place_of_the_file_is_refused(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(NotADatabaseError, match="folder"):
        open_db(db_path)


def test_a_failing_migration_leaves_the_previous_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_db(db_path).close()

    def m_broken(db: Database) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("step failed")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m_broken])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="step failed"):
        open_db(db_path)

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half_done" not in names
    finally:
        conn.close()


def test_each_migration_sets_user_version_to_its_position(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db = Database(db_path)
    try:
        seen: list[int] = []
        for index, step in enumerate(migrations.MIGRATIONS):
            with db.atomic():
                step(db)
                db.conn.execute(f"PRAGMA user_version = {index + 1}")
            seen.append(migrations.schema_version(db))
        assert seen == list(range(1, SCHEMA_VERSION + 1))
        # migrate() on an up-to-date file runs nothing and reports the version.
        assert migrations.migrate(db) == SCHEMA_VERSION
    finally:
        db.close()


def test_a_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DatabaseUnavailableError, match="cannot create its folder") as caught:
        open_db(blocker / "studio.sqlite3")
    assert isinstance(caught.value, UserError)
    assert "writable" in str(caught.value)


def test_many_openers_of_a_new_library_at_once_all_succeed(tmp_path: Path) -> None:
    """The desk and a command (or a test watching one) may create the library together: each
    migration step runs once, under the write lock, and every opener gets the same schema."""
    import threading

    path = tmp_path / "race" / "studio.sqlite3"
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def open_it() -> None:
        barrier.wait()
        try:
            open_db(path).close()
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert read_schema_version(path) == SCHEMA_VERSION
