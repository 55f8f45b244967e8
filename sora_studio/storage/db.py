"""Opening the library database: version check first, then pragmas, then migrations.

A database written by a newer Sora Studio is refused without being modified: its version is read
from the file header (or through a read-only connection when a log file may hold a newer header)
before anything opens it for writing. The returned connection
belongs to the thread that opened it (sqlite3's ``check_same_thread``); other threads open their
own with :func:`open_db`, and WAL mode lets those readers run while the writer writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from sora_studio.core.errors import UserError
from sora_studio.storage.migrations import MIGRATIONS, SCHEMA_VERSION, migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
BUSY_TIMEOUT_MS = 5000

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "DatabaseTooNewError",
    "DatabaseUnavailableError",
    "LibraryDatabase",
    "NotADatabaseError",
    "open_db",
    "read_schema_version",
]


class DatabaseTooNewError(UserError):
    """The file was written by a newer Sora Studio; it is left exactly as it was."""

    def __init__(self, path: Path, file_version: int, supported_version: int) -> None:
        self.path = path
        self.file_version = file_version
        self.supported_version = supported_version
        super().__init__(
            f"The library database {path} has schema version {file_version}, but this Sora "
            f"Studio supports only up to version {supported_version}. It was written by a newer "
            "Sora Studio; upgrade Sora Studio to open it. The file has not been changed."
        )


class DatabaseUnavailableError(UserError):
    """The database exists but cannot be opened or written (permissions, locks, a full disk)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(
            f"Cannot use the library database {path}: {detail}. Check that the folder is "
            "writable, the disk is not full, and no other program holds the file locked."
        )


class NotADatabaseError(UserError):
    """The path holds something that is not an SQLite database."""

    def __init__(self, path: Path, detail: str = "") -> None:
        self.path = path
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"{path} is not a Sora Studio library database: it is not an SQLite file{why}. "
            "Move it aside or choose another data folder (--data-dir)."
        )


class LibraryDatabase(sqlite_utils.Database):
    """sqlite-utils' ``Database`` whose transactions take the write lock when they begin.

    Several connections write the library: the engine's, the desk's writer thread's, an
    import's, a CLI command's next to the desk. A transaction opened with a plain (deferred)
    ``BEGIN`` that reads and then writes cannot wait for another writer: when one committed
    since its read, SQLite refuses the upgrade at once ("database is locked", SQLITE_BUSY_SNAPSHOT)
    and the busy timeout never applies. ``BEGIN IMMEDIATE`` waits for the lock first (up to
    ``BUSY_TIMEOUT_MS``), so a transaction that starts always finishes. Every ``atomic()`` in
    the app writes; nested ones stay savepoints.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            with super().atomic() as db:
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


def _header_version(path: Path, header: bytes) -> int:
    """``user_version`` from the 100-byte file header, after checking it is really SQLite's.

    Layout from https://www.sqlite.org/fileformat.html: magic string, page size at 16 (a power
    of two from 512 to 32768, or 1 for 65536), payload fractions 64/32/32 at 21..23, and the
    user version as a big-endian integer at 60.
    """
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        raise NotADatabaseError(path, "its first bytes are not the SQLite header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size_ok = page_size == 1 or (
        512 <= page_size <= 32768 and page_size & (page_size - 1) == 0
    )
    if not page_size_ok or header[21:24] != b"\x40\x20\x20":
        raise NotADatabaseError(path, "its SQLite header is damaged")
    return int.from_bytes(header[60:64], "big")


def _sidecar_has_data(path: Path, suffix: str) -> bool:
    sidecar = path.with_name(path.name + suffix)
    return sidecar.exists() and sidecar.stat().st_size > 0


def read_schema_version(path: Path) -> int:
    """The file's ``PRAGMA user_version``, read without writing anything; 0 for a new file.

    With no write-ahead log or rollback journal beside it, the main file's header is the whole
    truth and is read directly, so not even ``-shm``/``-wal`` files appear. Otherwise a newer
    page 1 may sit in the log, and the version is read through a read-only connection.
    """
    if path.is_dir():
        raise NotADatabaseError(path, "it is a folder")
    if not path.exists() or path.stat().st_size == 0:
        return 0
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except OSError as exc:
        raise DatabaseUnavailableError(path, f"cannot read it ({exc.strerror})") from exc
    version = _header_version(path, header)
    if not (_sidecar_has_data(path, "-wal") or _sidecar_has_data(path, "-journal")):
        return version
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute("PRAGMA user_version").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        raise DatabaseUnavailableError(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise NotADatabaseError(path, str(exc)) from exc
    return int(row[0])


def open_db(path: Path, *, query_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the library at ``path`` and bring its schema up to date.

    With ``query_only`` the connection refuses every write once the schema is up to date: the
    desk's GUI thread reads through one, so a write that strays onto that thread fails at once
    instead of waiting on the write lock behind the engine (``PRAGMA query_only``).

    Raises :class:`DatabaseTooNewError` for a file from a newer app and
    :class:`NotADatabaseError` for a file that is not SQLite (neither case modifies the file),
    and :class:`DatabaseUnavailableError` when the file cannot be opened or written.
    """
    path = Path(path)
    version = read_schema_version(path)
    if version > SCHEMA_VERSION:
        raise DatabaseTooNewError(path, version, SCHEMA_VERSION)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailableError(path, f"cannot create its folder ({exc.strerror})") from exc
    try:
        # execute_plugins=False: the library's own plugins hook is no business of ours, and
        # skipping it keeps opening a connection cheap for reader threads.
        db = LibraryDatabase(path, execute_plugins=False)
    except sqlite3.OperationalError as exc:
        raise DatabaseUnavailableError(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise NotADatabaseError(path, str(exc)) from exc
    try:
        db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Checked again under this connection, before anything is written: another (newer) app
        # may have migrated the file between the read-only look and now.
        version = int(db.conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise DatabaseTooNewError(path, version, SCHEMA_VERSION)
        db.enable_wal()
        db.conn.execute("PRAGMA synchronous = NORMAL")
        db.conn.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        if query_only:
            db.conn.execute("PRAGMA query_only = ON")
    except sqlite3.OperationalError as exc:
        db.close()
        raise DatabaseUnavailableError(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        db.close()
        raise NotADatabaseError(path, str(exc)) from exc
    except BaseException:
        db.close()
        raise
    return db
