"""State the job engine's parts share: the repository, listeners, schedules and the connection.

The engine (:mod:`sora_studio.services.engine`) is one facade over small parts (intake, queue
control, dispatch, remote tracking, downloads, recovery, lineage operations). They all run on the
engine's one thread and meet here: :meth:`EngineCore.set` is the single place a job changes
(checking the lifecycle and telling listeners), and the schedules below are what
:meth:`JobEngine.poll_once <sora_studio.services.engine.JobEngine.poll_once>` consults to decide
what is due.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sora_studio.core.capabilities import ProviderCapabilities
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.lifecycle import JobPacing, PollPolicy, can_transition
from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.services.orders import JobUpdate, RenderOrder
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.render_requests import source_of
from sora_studio.services.render_times import RenderTimes
from sora_studio.services.setting_keys import queue_paused
from sora_studio.storage.repository import Repository

log = logging.getLogger("sora_studio.services.engine")

ACTIVE_REMOTE = (JobStatus.QUEUED, JobStatus.IN_PROGRESS)
EVENT_DELETE_PENDING = "remote_delete_pending"
EVENT_DELETED = "remote_deleted"
IDLE_DELAY_S = 1.0


class EngineCore:
    """The repository, provider registry and clock, plus the schedules every part reads."""

    def __init__(
        self,
        repo: Repository,
        registry: ProviderRegistry,
        library_root: Path,
        *,
        clock: Callable[[], float],
        policy: PollPolicy,
        pacing: JobPacing | None = None,
    ) -> None:
        self.repo = repo
        self.registry = registry
        self.root = library_root
        self.clock = clock
        self.policy = policy
        self.pacing = pacing or JobPacing.within(policy)
        self.render_times = RenderTimes(repo.recent_render_rates, registry.catalog)
        self.listeners: list[Callable[[JobUpdate], None]] = []
        self.paused = queue_paused(repo)
        self.connection: tuple[bool, str] = (True, "")
        self.next_poll_at: dict[str, float] = {}
        self.not_before: dict[str, float] = {}  # provider asked us to wait (429)
        # Sends that may or may not have reached the provider: job id -> (attempts, next check,
        # left by a crash). A crashed one not found is failed for an explicit retry; one that
        # failed in this process is resent (up to MAX_CONFIRM_ATTEMPTS sends in all).
        self.unconfirmed: dict[int, tuple[int, float, bool]] = {}
        self.download_due: dict[int, float] = {}
        self.pending_delete: set[int] = set()
        # Providers polled job by job: when each job is next due, and the progress last seen
        # (absent: not polled since it was sent). Also providers whose list call was refused
        # in this process (LiteLLM answers 400), which are then polled job by job too.
        self.job_poll_at: dict[int, float] = {}
        self.seen_progress: dict[int, tuple[float, int]] = {}  # (seconds since sent, percent)
        self.list_refused: set[str] = set()
        # Collected during one public call, returned in its report.
        self.updated: dict[int, Job] = {}
        self.stalled_now: list[tuple[int, str]] = []

    @contextlib.contextmanager
    def collecting(self) -> Iterator[None]:
        """Start a fresh record of the jobs changed (and stalls found) by one public call."""
        self.updated = {}
        self.stalled_now = []
        yield

    def emit(self, job: Job, reason: str) -> Job:
        """Record ``job`` as changed and tell every listener."""
        self.updated[job.id] = job
        for callback in list(self.listeners):
            try:
                callback(JobUpdate(job=job, reason=reason))
            except Exception:  # a broken listener must not stop the engine
                log.exception("job listener failed")
        return job

    def set(self, job: Job, reason: str, **changes: Any) -> Job:
        """Update a job (checking the lifecycle) and tell listeners."""
        target = changes.get("status")
        if target is not None and not can_transition(job.status, JobStatus(target)):
            log.warning("ignored %s -> %s for job %s", job.status, target, job.id)
            changes.pop("status")
        return self.emit(self.repo.update_job(job.id, **changes), reason)

    def note_connection(self, error: ProviderError | None) -> None:
        """Remember whether the provider was reachable on the last call."""
        if error is None:
            self.connection = (True, "")
        elif error.error_class in (ErrorClass.TRANSIENT, ErrorClass.AUTH):
            self.connection = (False, error.message)

    def source_job(self, order_or_job: RenderOrder | Job) -> Job | None:
        """The job a remix, edit or extension starts from (None for a new video)."""
        return source_of(self.repo, order_or_job)

    def capabilities(self, provider: str) -> ProviderCapabilities:
        """What ``provider``'s server can do (the official contract for an unknown name)."""
        try:
            return self.registry.profile(provider).capabilities
        except UserError:
            return ProviderCapabilities()

    def polls_by_id(self, provider: str) -> bool:
        """True when ``provider``'s jobs are polled one by one instead of by listing."""
        return provider in self.list_refused or not self.capabilities(provider).list_videos

    def canonical(self, provider: str) -> Callable[[str], str]:
        """Maps a model name the provider reports to the catalog's name for it."""
        catalog = self.registry.catalog(provider)
        return lambda model: catalog.canonical_model(model) or model
