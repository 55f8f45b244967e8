"""The library as the desk reads it: the read half of the desk's service facade (DESIGN §8).

The desk's widgets never touch ``storage`` (``tests/architecture`` and the import-linter layers
contract hold them to it); what they show comes through a :class:`LibraryView`: the first page of
clips and the rest of a large library, a clip's files, notes, lineage, reviews and tags, the
settings and provider profiles, templates and recent briefs, committed spend. The method names are
the repository's, so a view stands in wherever a reader was expected.

A view reads only. :meth:`LibraryView.open` makes its connection ``query_only``: a write that
strays onto the GUI thread fails at once instead of waiting on the write lock behind the engine.
What a person changes at the desk goes through :mod:`sora_studio.services.desk_writes` on the
desk's writer thread instead.

Threads: a view wraps one connection and belongs to the thread that opened it. The GUI thread
opens one at start-up; a pool thread that reads a large library opens (and closes) its own.
WAL mode lets every view read while the writers write.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Any

from sora_studio.core.models import Asset, AssetVariant, Brief, Character, Job, Note, Review
from sora_studio.services.setting_keys import budget_cap, queue_paused
from sora_studio.services.team_media import NOT_REACHABLE, media_state
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import ProviderRecord, Repository

__all__ = ["LibraryView", "ProviderRecord"]


class LibraryView:
    """Reads of the library for one thread (see the module docstring)."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    @classmethod
    def open(cls, database: Path) -> LibraryView:
        """A view on its own read-only connection, for the calling thread."""
        return cls(Repository(open_db(Path(database), query_only=True)))

    def close(self) -> None:
        """Close the connection (from the thread that opened it)."""
        self._repo.close()

    # --- clips ----------------------------------------------------------------------------

    def get_job(self, job_id: int) -> Job | None:
        return self._repo.get_job(job_id)

    def list_jobs(self, *, limit: int | None = None, order: str = "created_at DESC") -> list[Job]:
        """The newest ``limit`` jobs (all of them without a limit), newest first by default."""
        return self._repo.list_jobs(limit=limit, order=order)

    def jobs_except(self, skip: Collection[int]) -> list[Job]:
        """Every job not in ``skip`` (the rest of a large library after its first page)."""
        return [job for job in self._repo.list_jobs() if job.id not in skip]

    def assets_for(self, job_id: int) -> dict[AssetVariant, Asset]:
        """The files recorded for a clip, by variant (empty while it renders)."""
        return self._repo.assets_for(job_id)

    def media_unreachable(self, job_id: int) -> str | None:
        """For a teammate's clip whose video is on a team share this desk cannot reach, what
        to say instead of playing it ("media on the team share, not reachable here"); None
        otherwise (its video is here, or it is not a team clip)."""
        state = media_state(self._repo, job_id)
        return NOT_REACHABLE if state.message == NOT_REACHABLE else None

    def lineage(self, job_id: int) -> list[Job]:
        """The clip's whole family: its original and every version made from it, oldest first."""
        return self._repo.lineage(job_id)

    def notes_for(self, job_id: int) -> list[Note]:
        """A clip's notes in timeline order."""
        return self._repo.notes_for(job_id)

    def get_note(self, note_id: int) -> Note | None:
        return self._repo.get_note(note_id)

    def reviews_for(self, job_id: int) -> list[Review]:
        """Every verdict record of a clip, oldest first (undo records included)."""
        return self._repo.reviews_for(job_id)

    def tags_by_job(self, job_ids: Collection[int] | None = None) -> dict[int, list[str]]:
        """Tags put on clips by hand, by clip (only clips that have any; None: every clip)."""
        return self._repo.tags_by_job(job_ids)

    def tags_in_use(self) -> list[str]:
        """Every tag put by hand on at least one clip, alphabetically."""
        return self._repo.tags_in_use()

    def asset_sizes(self) -> set[int]:
        """Byte sizes of every file the library holds (a cheap first test for a copy)."""
        return self._repo.asset_sizes()

    def known_sha256(self, digests: Collection[str]) -> set[str]:
        """Which of these content hashes the library already holds a file of."""
        return self._repo.known_sha256(digests)

    # --- settings, profiles, briefs, spend -------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self._repo.get_setting(key, default)

    def list_providers(self) -> list[ProviderRecord]:
        """The saved provider profiles (built-ins are added by ``services.provider_settings``)."""
        return self._repo.list_providers()

    def list_characters(self, provider: str | None = None) -> list[Character]:
        return self._repo.list_characters(provider)

    def list_templates(self) -> dict[str, Brief]:
        return self._repo.list_templates()

    def recent_briefs(self, limit: int = 10) -> list[Brief]:
        return self._repo.recent_briefs(limit)

    def committed_cents(self, *, provider: str | None = None) -> Decimal:
        """Spent plus in flight, in cents (what a budget cap is measured against)."""
        return self._repo.committed_cents(provider=provider)

    def budget_cap(self) -> Decimal | None:
        """The budget cap in cents, or None when there is none."""
        return budget_cap(self._repo)

    def spend(self) -> tuple[Decimal | None, Decimal]:
        """(budget cap, committed spend) in cents; the cap is None when there is none."""
        return budget_cap(self._repo), self._repo.committed_cents()

    def queue_paused(self) -> bool:
        """Whether the engine was told to hold queued renders (it writes the setting)."""
        return queue_paused(self._repo)
