"""The render job engine: turns orders into paid renders and verified files, and never loses one.

Thread model: a :class:`JobEngine` lives on ONE thread (the poll worker's QThread in the desk, the
main thread in the CLI) and is the only writer of renders (jobs, their files, their events).
Every public method is called on that thread. Downloads run on a thread pool that writes files
only and hands results back through a queue that :meth:`JobEngine.poll_once` drains and commits
(:mod:`sora_studio.services.downloads`). In the desk two other threads write, each its own
rows in short transactions: the desk's writer thread records what a person decides (verdicts,
notes, templates, settings: :mod:`sora_studio.services.desk_writes`) and an import's pool
thread records the clips it imports. The GUI thread never writes; it reads through a
``query_only`` view (:mod:`sora_studio.services.library_view`), which WAL never blocks.

``poll_once`` is one bounded step, never a loop: apply finished downloads, send queued jobs (up
to each provider's concurrency limit), confirm sends that failed ambiguously, poll the providers
that are due (one list call per page for two or more jobs), track batches, start downloads,
warn about expiring assets. It returns when to call it next.

``JobEngine`` is a facade; the work is done by one part per purpose, all sharing an
:class:`~sora_studio.services.engine_core.EngineCore`:

* :mod:`~sora_studio.services.intake`: preflight and submit (orders -> queued jobs);
* :mod:`~sora_studio.services.queue_control`: pause, resume, reorder, cancel, delete;
* :mod:`~sora_studio.services.operations`: retry, regenerate, remix, edit, extend, promote;
* :mod:`~sora_studio.services.dispatch`: sending the queue and confirming unsure sends;
* :mod:`~sora_studio.services.remote_tracking`: polling providers and batches;
* :mod:`~sora_studio.services.download_results`: starting downloads, committing results, expiry;
* :mod:`~sora_studio.services.recovery`: start-up reconciliation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sora_studio.core.lifecycle import PollPolicy
from sora_studio.core.models import TERMINAL_STATUSES, Character, Job, JobStatus
from sora_studio.media.probe import verify_image, verify_video
from sora_studio.services.batch import BatchService
from sora_studio.services.characters import upload_character
from sora_studio.services.dispatch import CONFIRM_DELAY_S, MAX_CONFIRM_ATTEMPTS, Dispatcher
from sora_studio.services.download_results import (
    DOWNLOAD_RETRY_S,
    MAX_DOWNLOAD_ROUNDS,
    DownloadFlow,
)
from sora_studio.services.downloads import DownloadManager
from sora_studio.services.engine_core import (
    ACTIVE_REMOTE,
    EVENT_DELETE_PENDING,
    EVENT_DELETED,
    IDLE_DELAY_S,
    EngineCore,
)
from sora_studio.services.intake import Intake
from sora_studio.services.operations import PRO_MODEL, Operations
from sora_studio.services.orders import (
    JobUpdate,
    PollReport,
    Preflight,
    ReconcileReport,
    RenderOrder,
)
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.queue_control import QueueControl
from sora_studio.services.recovery import Recovery
from sora_studio.services.remote_tracking import RemoteTracker
from sora_studio.services.submitter import Submitter
from sora_studio.storage.repository import Repository

__all__ = [
    "ACTIVE_REMOTE",
    "BUSY_DELAY_S",
    "CONFIRM_DELAY_S",
    "DOWNLOAD_RETRY_S",
    "EVENT_DELETED",
    "EVENT_DELETE_PENDING",
    "IDLE_DELAY_S",
    "MAX_CONFIRM_ATTEMPTS",
    "MAX_DOWNLOAD_ROUNDS",
    "MAX_SUBMITS_PER_TICK",
    "PRO_MODEL",
    "SUBMIT_GRACE_S",
    "JobEngine",
]

MAX_SUBMITS_PER_TICK = 8
NON_TERMINAL = tuple(
    s for s in JobStatus if s not in TERMINAL_STATUSES and s is not JobStatus.DRAFT
)
# A "submitting" row younger than this may belong to another engine mid-call (the CLI next to
# the desk); start-up reconciliation leaves it alone until then. Longer than a create timeout.
SUBMIT_GRACE_S = 30.0
BUSY_DELAY_S = 0.25  # downloads or sends pending: come back soon to commit their results


def _default_verify_video(path: Path, width: int, height: int, seconds: float) -> None:
    # 0 x 0 means "any size": servers that do not render exactly the size asked for.
    if width <= 0 or height <= 0:
        verify_video(path, width=None, height=None, duration_s=seconds)
    else:
        verify_video(path, width=width, height=height, duration_s=seconds)


def _default_verify_image(path: Path) -> None:
    verify_image(path)


class JobEngine:
    """Submit, poll, download, reconcile. Qt-free; one thread; the only writer of renders."""

    def __init__(
        self,
        repo: Repository,
        registry: ProviderRegistry,
        library_root: Path,
        *,
        clock: Callable[[], float] = time.time,
        policy: PollPolicy | None = None,
        download_workers: int = 3,
        stall_threshold_s: float = 600.0,
        expiry_warning_s: float = 3600.0,
        max_submits_per_tick: int = MAX_SUBMITS_PER_TICK,
        submit_grace_s: float = SUBMIT_GRACE_S,
        verify_video_file: Callable[[Path, int, int, float], None] = _default_verify_video,
        verify_image_file: Callable[[Path], None] = _default_verify_image,
    ) -> None:
        core = EngineCore(repo, registry, library_root, clock=clock, policy=policy or PollPolicy())
        self._core = core
        self._intake = Intake(core)
        self._queue = QueueControl(core)
        manager = DownloadManager(
            library_root,
            verify_video=verify_video_file,
            verify_image=verify_image_file,
            max_workers=download_workers,
        )
        self._downloads = DownloadFlow(core, manager, expiry_warning_s=expiry_warning_s)
        batches = BatchService(repo, registry.batch_client, self._intake.request_for, clock=clock)
        self._tracker = RemoteTracker(
            core, self._downloads, batches, self._queue, stall_threshold_s=stall_threshold_s
        )
        self._dispatcher = Dispatcher(
            core,
            Submitter(repo, registry.submit_client, clock=clock),
            batches,
            self._tracker,
            max_submits_per_tick=max_submits_per_tick,
        )
        self._recovery = Recovery(
            core, batches, self._tracker, self._dispatcher, submit_grace_s=submit_grace_s
        )
        self._operations = Operations(core, self._intake, self._downloads)
        self._shut_down = False

    # -- listeners and state -----------------------------------------------------------------

    def add_listener(self, callback: Callable[[JobUpdate], None]) -> None:
        """``callback`` is called on the engine's thread for every job change."""
        self._core.listeners.append(callback)

    @property
    def repository(self) -> Repository:
        return self._core.repo

    @property
    def registry(self) -> ProviderRegistry:
        return self._core.registry

    @property
    def connection(self) -> tuple[bool, str]:
        """(reachable, message) as of the last provider call."""
        return self._core.connection

    # -- preflight and submit ----------------------------------------------------------------

    def preflight(self, order: RenderOrder) -> Preflight:
        """Validation, policy flags, cost and budget for ``order``; no network, no writes."""
        return self._intake.preflight(order)

    def submit(self, order: RenderOrder) -> list[Job]:
        """Commit one ``queued_local`` job per variant (nothing is sent here).

        Raises ``UserError`` naming every problem, or ``BudgetExceeded`` with the numbers.
        """
        return self._intake.submit(order)

    # -- queue control -----------------------------------------------------------------------

    @property
    def is_paused(self) -> bool:
        return self._queue.is_paused

    def pause(self) -> None:
        """Stop sending queued jobs (running renders are still polled and downloaded)."""
        self._queue.pause()

    def resume(self) -> None:
        self._queue.resume()

    def reorder(self, job_id: int, position: int) -> None:
        """Move a locally queued job to ``position`` (0 = next to send)."""
        self._queue.reorder(job_id, position)

    def cancel(self, job_id: int) -> Job:
        """Drop a local job; stop tracking a remote one and delete it remotely when it ends."""
        return self._queue.cancel(job_id)

    def delete(self, job_id: int, *, remote: bool) -> str:
        """Remove a job's files and mark it deleted; with ``remote`` also the provider's copy.

        Returns a note when the provider keeps its copy (it cannot delete), else "".
        """
        return self._queue.delete(job_id, remote=remote)

    # -- derived renders ---------------------------------------------------------------------

    def retry(self, job_id: int) -> Job:
        """Download again when only the download failed; otherwise queue a new render."""
        return self._operations.retry(job_id)

    # ``note_id``: the reviewer's note this was asked from; the new job's row and the note's
    # link to it are committed together (see ``RenderOrder.note_id``).

    def remix(self, job_id: int, prompt: str, *, note_id: int | None = None) -> Job:
        return self._operations.remix(job_id, prompt, note_id=note_id)

    def edit(self, job_id: int, prompt: str, *, note_id: int | None = None) -> Job:
        return self._operations.edit(job_id, prompt, note_id=note_id)

    def extend(self, job_id: int, prompt: str, seconds: int, *, note_id: int | None = None) -> Job:
        """Add a ``seconds`` segment; the new job's length is the stitched total."""
        return self._operations.extend(job_id, prompt, seconds, note_id=note_id)

    def promote(self, job_id: int, size: str) -> Job:
        """The same recipe on the model's better sibling at ``size`` (quote it first)."""
        return self._operations.promote(job_id, size)

    def promotion_model(self, job_id: int) -> str:
        """The model a promotion of ``job_id`` renders on; ``UserError`` when there is none."""
        return self._operations.promotion_model(self._core.repo.require_job(job_id))

    def promotion_quote(self, job_id: int, size: str) -> tuple[Decimal, Decimal]:
        """(what the job cost or will cost, what the pro render would cost), in cents."""
        return self._operations.promotion_quote(job_id, size)

    def regenerate(self, job_id: int) -> Job:
        """Another take of the same recipe."""
        return self._operations.regenerate(job_id)

    def upload_character(self, provider: str, name: str, path: Path) -> Character:
        """Check a 2-4 s clip locally, upload it as a reusable character, and record it."""
        return upload_character(
            self._core.repo, self._core.registry, provider=provider, name=name, path=Path(path)
        )

    # -- the poll step -----------------------------------------------------------------------

    def poll_once(self) -> PollReport:
        """One bounded step of work; see the module docstring."""
        core = self._core
        with core.collecting():
            requests = 0
            if not self._recovery.done:
                requests += self._recovery.reconcile().requests_made
            now = core.clock()
            self._downloads.apply_results(now)
            self._dispatcher.sync.apply_results(now)
            if not core.paused:
                requests += self._dispatcher.dispatch(now)
            requests += self._dispatcher.confirm_unconfirmed(now)
            requests += self._tracker.poll_due(now)
            requests += self._tracker.poll_batches(now)
            self._downloads.start_due(now)
            self._downloads.check_expiry(now)
            return PollReport(
                updated=tuple(core.updated.values()),
                next_delay_s=self._next_delay(core.clock()),
                requests_made=requests,
                connection_ok=core.connection[0],
                connection_message=core.connection[1],
                stalled=tuple(core.stalled_now),
            )

    def _next_delay(self, now: float) -> float:
        core = self._core
        candidates = [IDLE_DELAY_S]
        if self._downloads.busy() or self._dispatcher.sync.busy():
            candidates.append(BUSY_DELAY_S)
        candidates += [at - now for at in core.next_poll_at.values()]
        candidates += [at - now for at in core.job_poll_at.values()]
        candidates += [at - now for _, at, _ in core.unconfirmed.values()]
        candidates += [at - now for at in core.download_due.values()]
        if not core.paused and core.repo.count_jobs(JobStatus.QUEUED_LOCAL):
            candidates.append(BUSY_DELAY_S)
        policy = core.policy
        return min(max(min(candidates), policy.min_interval_s), policy.max_interval_s)

    # -- reconcile and shutdown --------------------------------------------------------------

    def reconcile(self) -> ReconcileReport:
        """Resolve what an earlier process left unfinished (also run by the first poll)."""
        with self._core.collecting():
            return self._recovery.reconcile()

    def unfinished_jobs(self) -> list[Job]:
        """Every job not yet in a final state (what ``sora-studio sync`` drives to an end)."""
        return self._core.repo.jobs_in_status(*NON_TERMINAL)

    def wait_for_downloads(self, timeout_s: float) -> bool:
        """Block until running downloads finish (for the CLI's ``--wait``); True when idle."""
        return self._downloads.wait_idle(timeout_s)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop downloads (they resume next start) and close the provider clients."""
        if self._shut_down:
            return
        self._shut_down = True
        self._downloads.shutdown(timeout_s)
        self._core.registry.close()
