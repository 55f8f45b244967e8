"""Start-up reconciliation: resolve what an earlier process left unfinished.

Partial download files are swept; pending remote deletions are remembered again; jobs caught
between "send" and "commit the remote id" are looked for on the provider (attached when found,
failed for an explicit retry when not); interrupted downloads are queued again. A ``submitting``
row younger than the grace period may belong to another engine mid-call (the CLI next to the
desk), so it is only looked at once the grace period is over.
"""

from __future__ import annotations

import json
import os
import sys

from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass, JobStatus
from sora_studio.services import library
from sora_studio.services.batch import BatchService
from sora_studio.services.dispatch import Dispatcher
from sora_studio.services.engine_core import EVENT_DELETE_PENDING, EVENT_DELETED, EngineCore
from sora_studio.services.orders import ReconcileReport
from sora_studio.services.reconcile import find_unconfirmed
from sora_studio.services.remote_tracking import RemoteTracker
from sora_studio.services.sync_renders import EVENT_SYNC_STARTED


class Recovery:
    """Runs the start-up reconciliation once per engine (the first poll does it if nobody did)."""

    def __init__(
        self,
        core: EngineCore,
        batches: BatchService,
        tracker: RemoteTracker,
        dispatcher: Dispatcher,
        *,
        submit_grace_s: float,
    ) -> None:
        self._core = core
        self._batches = batches
        self._tracker = tracker
        self._dispatcher = dispatcher
        self._submit_grace_s = submit_grace_s
        self.done = False

    def reconcile(self) -> ReconcileReport:
        self.done = True
        core = self._core
        repo = core.repo
        now = core.clock()
        removed = library.sweep_partials(core.root)
        for event in repo.events(kind=EVENT_DELETE_PENDING):
            if event.job_id is not None:
                core.pending_delete.add(event.job_id)
        for event in repo.events(kind=EVENT_DELETED):
            if event.job_id is not None:
                core.pending_delete.discard(event.job_id)
        submitting = repo.jobs_in_status(JobStatus.SUBMITTING)
        attached: list[int] = []
        unconfirmed: list[int] = []
        requests = 0
        for job in submitting:
            if job.remote_id:  # crashed between the two commits after create returned
                core.set(job, "reconciled", status=JobStatus.QUEUED)
                core.next_poll_at.setdefault(job.provider, now)
                attached.append(job.id)
        batch_jobs = [j for j in submitting if not j.remote_id and j.batch_id is not None]
        for job in self._batches.reconcile(batch_jobs):
            unconfirmed.append(job.id)
            core.emit(job, "unconfirmed")
        plain = []
        for job in submitting:
            if job.remote_id or job.batch_id is not None:
                continue
            if now - job.updated_at < self._submit_grace_s:
                # Maybe another engine on this library is sending it right now: look later.
                core.unconfirmed[job.id] = (0, job.updated_at + self._submit_grace_s, True)
            else:
                plain.append(job)
        for provider in sorted({j.provider for j in plain}):
            group = [j for j in plain if j.provider == provider]
            if core.polls_by_id(provider):
                # It cannot list: whether it received these cannot be checked.
                for job in group:
                    self._dispatcher.fail_unconfirmed(job, listable=False)
                    unconfirmed.append(job.id)
                continue
            try:
                client = core.registry.client(provider)
            except ProviderError as exc:
                core.note_connection(exc)
                for job in group:
                    core.unconfirmed[job.id] = (0, now + 5.0, True)
                continue
            result = find_unconfirmed(
                client,
                group,
                taken=lambda rid: repo.find_job_by_remote_id(rid) is not None,
                canonical=core.canonical(provider),
                certain_without_prompt=not core.capabilities(provider).prompt_echoed,
            )
            requests += result.requests
            if result.list_refused:
                core.list_refused.add(provider)
            else:
                core.note_connection(result.error)
            if result.error is not None:
                # Decide nothing while the provider is unreachable; look again shortly (the
                # dispatcher asks a bounded number of times).
                for job in group:
                    core.unconfirmed[job.id] = (0, now + 5.0, True)
                continue
            for job_id, video in result.found.items():
                self._tracker.attach_found(repo.require_job(job_id), video, now)
                attached.append(job_id)
            for job_id in result.not_found:
                self._dispatcher.fail_unconfirmed(
                    repo.require_job(job_id),
                    listable=not result.list_refused,
                    uncertain=job_id in result.uncertain,
                )
                unconfirmed.append(job_id)
        unconfirmed += self._cut_off_sync_renders(now)
        downloading = repo.jobs_in_status(JobStatus.DOWNLOADING)
        for job in downloading:
            core.download_due[job.id] = now
        report = ReconcileReport(
            attached=tuple(attached),
            unconfirmed=tuple(unconfirmed),
            requeued_downloads=tuple(j.id for j in downloading),
            partial_files_removed=removed,
            requests_made=requests,
        )
        if attached or unconfirmed or downloading or removed:
            repo.log_event(
                "reconciled",
                {
                    "attached": list(attached),
                    "unconfirmed": list(unconfirmed),
                    "downloads": [j.id for j in downloading],
                    "partial_files_removed": removed,
                },
            )
        return report

    def _cut_off_sync_renders(self, now: float) -> list[int]:
        """Blocking create calls that an earlier process had open when it stopped.

        Such a job is ``in_progress`` with no remote id. A server that answers only at the end
        keeps nothing to look up, so the render is lost: say so, never resend by itself. A call
        still held by another live process on this library (the CLI beside the desk) is left
        to that process; the process that opened it is named in the job's ``sync_started``
        event.
        """
        core = self._core
        lost: list[int] = []
        for job in core.repo.jobs_in_status(JobStatus.IN_PROGRESS):
            if job.remote_id or job.batch_id is not None:
                continue
            started = core.repo.events(job_id=job.id, kind=EVENT_SYNC_STARTED, limit=1)
            owner = json.loads(started[0].detail).get("pid") if started else None
            if isinstance(owner, int) and owner != os.getpid() and process_alive(owner):
                continue
            core.set(
                job,
                "lost",
                status=JobStatus.FAILED,
                error_class=ErrorClass.LOST,
                error_message=(
                    "Sora Studio stopped while this provider was rendering it. The provider "
                    "answers only when a video is done and keeps no jobs to look up afterwards, "
                    "so this render cannot be fetched. Re-render it."
                ),
                completed_at=now,
            )
            lost.append(job.id)
        return lost


def process_alive(pid: int) -> bool:
    """True when a process with ``pid`` runs on this machine (POSIX; elsewhere: assume so)."""
    if sys.platform == "win32":  # os.kill would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True
