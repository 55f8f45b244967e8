"""The one door to the library database: every query the app runs lives behind ``Repository``.

``Repository`` is composed of one part per subject, each in its own module: jobs and assets,
reviews and notes, characters/batches/events, provider profiles, settings/templates/recent briefs,
and spend. It takes and returns the frozen dataclasses of ``core.models``; money is ``Decimal``
cents, stored exactly.

Threading: a ``Repository`` wraps one connection, and a connection belongs to the thread that
opened it (sqlite3 refuses use from another thread). In the desk the engine's thread writes
renders, the desk's writer thread writes what a person decides (``services.desk_writes``) and an
import's pool thread writes its clips, each in short transactions on its own connection; the GUI
thread only reads, on a ``query_only`` connection (``open_db(path, query_only=True)``). WAL mode
lets readers read while a writer writes.
"""

from __future__ import annotations

from sora_studio.storage.repo_jobs import JOB_ORDERS, UPDATABLE_JOB_FIELDS, JobsRepo
from sora_studio.storage.repo_library import LibraryRepo
from sora_studio.storage.repo_providers import ProviderRecord, ProvidersRepo
from sora_studio.storage.repo_reviews import ReviewsRepo
from sora_studio.storage.repo_settings import RECENT_BRIEFS_KEPT, SettingsRepo
from sora_studio.storage.repo_spend import (
    IN_FLIGHT_STATUSES,
    RENDERED_STATUSES,
    SpendRepo,
    SpendSummary,
)
from sora_studio.storage.repo_tags import TagsRepo

__all__ = [
    "IN_FLIGHT_STATUSES",
    "JOB_ORDERS",
    "RECENT_BRIEFS_KEPT",
    "RENDERED_STATUSES",
    "UPDATABLE_JOB_FIELDS",
    "ProviderRecord",
    "Repository",
    "SpendSummary",
]


class Repository(
    JobsRepo, ReviewsRepo, LibraryRepo, ProvidersRepo, SettingsRepo, SpendRepo, TagsRepo
):
    """All reads and writes of the library. Construct with ``Repository(open_db(path))``.

    Writes commit as soon as the method returns (the crash-safe submit depends on it); group
    several into one transaction with ``with repo.db.atomic(): ...``.
    """

    def close(self) -> None:
        """Close the underlying connection (from the thread that opened it)."""
        self.db.close()
