"""What a person changes at the desk, as frozen commands for the desk's one writer thread.

The write half of the desk's service facade (the read half is
:mod:`sora_studio.services.library_view`). Each command is a frozen dataclass whose
``apply(writes)`` does one short transaction on the writer's connection and returns a frozen
result: :class:`RecordVerdicts` and :class:`UndoVerdicts` (verdicts with undo), :class:`AddNote`
and :class:`ResolveNote` (notes), :class:`ChangeTags` (tags), :class:`SaveTemplate` and
:class:`AddRecentBrief` (the builder's briefs), :class:`SaveSettings` (Settings' Save: profiles and
settings in one go). The rules are the CLI's (:mod:`sora_studio.services.review`): only finished
clips are judged, a note stays inside the clip, an undo appends a record that takes the verdict
back.

Threads and writers: the desk's GUI thread never writes the library. It queues these commands to
one writer thread (``ui.workers.desk_writer``), which owns a :class:`DeskWrites` connection; the
job engine writes renders from its own thread, and an import writes its clips from the pool
thread doing the file work. Each writer's transactions are short, so whoever waits on the lock
(up to ``storage.db.BUSY_TIMEOUT_MS``) is a background thread, never the GUI. The CLI can apply
the same commands on its own thread: ``command.apply(DeskWrites.open(path))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sora_studio.core.errors import UserError
from sora_studio.core.models import Brief, Job, Note, ReviewStatus
from sora_studio.core.team_events import normal_tag
from sora_studio.services.review import (
    REVIEWABLE_STATUSES,
    add_note,
    record_verdict,
    resolve_note,
    undo_last_verdict,
)
from sora_studio.services.tags import add_tag, remove_tag
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository

R_co = TypeVar("R_co", covariant=True)


class DeskWrites:
    """The writer thread's connection, handed to each command (one thread owns it)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    @classmethod
    def open(cls, database: Path) -> DeskWrites:
        """A writing connection for the calling thread."""
        return cls(Repository(open_db(Path(database))))

    def close(self) -> None:
        self.repo.close()


class WriteCommand(Protocol[R_co]):
    """One change, applied on the writer thread; its result goes back to the GUI thread."""

    def apply(self, writes: DeskWrites) -> R_co: ...


def _unique(ids: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(i) for i in ids))


def _stored(repo: Repository, ids: tuple[int, ...]) -> tuple[Job, ...]:
    return tuple(job for job in map(repo.get_job, ids) if job is not None)


# --- verdicts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerdictsRecorded:
    """What a batch of verdicts did: who was judged, who was left out, every clip as stored."""

    judged: tuple[int, ...]
    skipped: tuple[int, ...]  # not finished clips (or gone): left out, counted
    jobs: tuple[Job, ...]  # every requested clip that still exists, as now stored


@dataclass(frozen=True, slots=True)
class RecordVerdicts:
    """Append ``status`` for every finished clip of ``job_ids``, all in one transaction."""

    job_ids: tuple[int, ...]
    status: ReviewStatus
    reviewer: str
    reason: str = ""

    def apply(self, writes: DeskWrites) -> VerdictsRecorded:
        repo = writes.repo
        ids = _unique(self.job_ids)
        judged = tuple(
            job.id
            for job in map(repo.get_job, ids)
            if job is not None and job.status in REVIEWABLE_STATUSES
        )
        if judged:
            record_verdict(repo, judged, ReviewStatus(self.status), self.reviewer, self.reason)
        skipped = tuple(i for i in ids if i not in judged)
        return VerdictsRecorded(judged, skipped, _stored(repo, ids))


@dataclass(frozen=True, slots=True)
class UndoVerdicts:
    """Take back the latest verdict in force on each clip (one undo step of the desk)."""

    job_ids: tuple[int, ...]
    reviewer: str

    def apply(self, writes: DeskWrites) -> tuple[Job, ...]:
        repo = writes.repo
        ids = _unique(self.job_ids)
        with repo.db.atomic():
            for job_id in ids:
                undo_last_verdict(repo, job_id, self.reviewer)
        return _stored(repo, ids)


# --- notes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddNote:
    """Pin a note to ``start_ms`` (or ``start_ms``..``end_ms``) of a clip, inside its length."""

    job_id: int
    start_ms: int
    text: str
    author: str
    end_ms: int | None = None

    def apply(self, writes: DeskWrites) -> Note:
        return add_note(
            writes.repo, self.job_id, self.start_ms, self.text, self.author, self.end_ms
        )


@dataclass(frozen=True, slots=True)
class ResolveNote:
    """Mark a note resolved (or open again)."""

    note_id: int
    resolved: bool = True

    def apply(self, writes: DeskWrites) -> Note:
        return resolve_note(writes.repo, self.note_id, self.resolved)


# --- tags ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagsChanged:
    """The clips' tags as stored after a :class:`ChangeTags` (every requested clip there is)."""

    tags: tuple[tuple[int, tuple[str, ...]], ...]  # (job id, its tags in the order put on)
    changed: int  # tags put on or taken off (already so: not counted)


@dataclass(frozen=True, slots=True)
class ChangeTags:
    """Put ``add`` on and take ``remove`` off every clip of ``job_ids``, in one transaction.

    Every tag is checked first: one that is no word refuses the whole change, nothing written.
    """

    job_ids: tuple[int, ...]
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    author: str = ""

    def apply(self, writes: DeskWrites) -> TagsChanged:
        repo = writes.repo
        for text in (*self.add, *self.remove):
            if not normal_tag(text):
                raise UserError(f"{text!r} is not a tag: a tag needs a word, like 'hero'")
        ids = tuple(job.id for job in _stored(repo, _unique(self.job_ids)))
        changed = 0
        with repo.db.atomic():
            for job_id in ids:
                changed += sum(remove_tag(repo, job_id, t, self.author) for t in self.remove)
                changed += sum(add_tag(repo, job_id, t, self.author) for t in self.add)
        by_job = repo.tags_by_job(ids)
        return TagsChanged(tuple((i, tuple(by_job.get(i, ()))) for i in ids), changed)


# --- the builder's briefs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveTemplate:
    """Save a brief under a name (replacing a template of that name)."""

    name: str
    brief: Brief

    def apply(self, writes: DeskWrites) -> None:
        writes.repo.save_template(self.name, self.brief)


@dataclass(frozen=True, slots=True)
class AddRecentBrief:
    """Remember a brief as just rendered (the builder's Recent list)."""

    brief: Brief

    def apply(self, writes: DeskWrites) -> None:
        writes.repo.add_recent_brief(self.brief)


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveSettings:
    """Settings' Save: profiles removed and saved, settings set (None: removed), at once.

    ``profiles`` are ``ProviderProfile.to_dict()`` mappings, checked by the dialog before it
    closes (``services.provider_settings.check_profile``), so a refusal here is rare: a
    profile another process removed meanwhile, a full disk.
    """

    profiles: tuple[Mapping[str, Any], ...] = ()
    removed: tuple[str, ...] = ()
    settings: tuple[tuple[str, Any], ...] = ()

    def apply(self, writes: DeskWrites) -> None:
        repo = writes.repo
        with repo.db.atomic():
            saved = {record.name for record in repo.list_providers()}
            for name in self.removed:
                if name in saved:
                    repo.delete_provider(name)
            for data in self.profiles:
                repo.upsert_provider_dict(data)
            for key, value in self.settings:
                if value is None:
                    repo.delete_setting(key)
                else:
                    repo.set_setting(key, value)
