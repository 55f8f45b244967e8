"""The team library as the desk reads it, and connect/disconnect for the desk's Settings.

:class:`TeamView` is the desk's read-only window on the library's team state: the connection
(:func:`sora_studio.services.team_sync.team_status`, read locally), every clip's verdicts folded
per reviewer (:func:`sora_studio.core.team_events.fold_verdicts`: who said what, disputed or
not), and which clips changed since a mark, so the grid reloads what a teammate's events
touched. It wraps one ``query_only`` connection and belongs to the thread that opened it (the
GUI thread).

:func:`connect_database` and :func:`disconnect_database` open their own connection: they talk to
the server and write the library's settings, so the desk runs them on a pool thread.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from sora_studio.core.team_events import VerdictState, fold_verdicts
from sora_studio.services.team_media import media_root
from sora_studio.services.team_outbox import team_identity
from sora_studio.services.team_sync import (
    TeamStatus,
    connect_library,
    disconnect_library,
    team_status,
)
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from sora_studio.storage.team_pg import TeamUnavailableError
from sora_studio.storage.team_read import ChangeMark, TeamRead

__all__ = [
    "ChangeMark",
    "TeamStatus",
    "TeamView",
    "connect_database",
    "disconnect_database",
    "is_unreachable",
]


def is_unreachable(error: BaseException) -> bool:
    """True for a team server that cannot be reached now (work goes on; changes wait)."""
    return isinstance(error, TeamUnavailableError)


class TeamView:
    """Reads of the library's team state for one thread (see the module docstring)."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._read = TeamRead(repo.db)

    @classmethod
    def open(cls, database: Path) -> TeamView:
        """A view on its own read-only connection, for the calling thread."""
        return cls(Repository(open_db(Path(database), query_only=True)))

    def close(self) -> None:
        """Close the connection (from the thread that opened it)."""
        self._repo.close()

    def status(self, *, members: bool = False) -> TeamStatus:
        """Connected or not, as whom, changes waiting, the last sequence seen (local reads).

        The people seen (``members``) take a pass over every team verdict and note: only when
        asked for, not each time the status bar is brought up to date.
        """
        if members:
            return team_status(self._repo)
        identity = team_identity(self._repo)
        local = TeamLocal(self._repo.db)
        return TeamStatus(
            connected=identity is not None,
            url=identity.url if identity else None,
            reviewer=identity.reviewer if identity else None,
            lead=identity.lead if identity else False,
            outbox=local.outbox_size(),
            last_seq=local.last_seq(),
            members=(),
            media_root=str(root) if (root := media_root(self._repo)) is not None else None,
        )

    def verdicts(self, job_ids: Collection[int] | None = None) -> dict[int, VerdictState]:
        """Each clip's team verdicts folded, by job id (clips without any are left out).

        ``job_ids`` None: every clip of the library, in one query.
        """
        return {
            job_id: fold_verdicts(events)
            for job_id, events in self._read.team_verdicts(job_ids).items()
        }

    def change_mark(self) -> ChangeMark:
        """Where the library stands now; pass it to :meth:`changed_since` later."""
        return self._read.change_mark()

    def changed_since(self, mark: ChangeMark) -> tuple[list[int], ChangeMark]:
        """Job ids with a verdict, note or update after ``mark``, and the new mark."""
        return self._read.jobs_changed_since(mark)


def connect_database(
    database: Path,
    url: str,
    reviewer: str = "",
    lead: bool = False,
    *,
    media_folder: str | None = None,
) -> TeamStatus:
    """Connect the library at ``database`` to the team library at ``url`` (pool thread).

    ``media_folder``: the team media share as mounted here (None: keep what is set). Makes the
    first exchange (see :func:`~sora_studio.services.team_sync.connect_library`); raises
    ``TeamError`` (a ``UserError``) saying what to do when the server refuses.
    """
    repo = Repository(open_db(Path(database)))
    try:
        connect_library(repo, url, reviewer, lead, media_root=media_folder)
        return team_status(repo)
    finally:
        repo.close()


def disconnect_database(database: Path) -> TeamStatus:
    """Disconnect the library at ``database`` from its team library (pool thread)."""
    repo = Repository(open_db(Path(database)))
    try:
        disconnect_library(repo)
        return team_status(repo)
    finally:
        repo.close()
