"""The engine's side of downloads: start them when due, commit their results, warn before expiry.

The files themselves are fetched and verified on a thread pool
(:class:`sora_studio.services.downloads.DownloadManager`); this part runs on the engine's thread,
so it alone writes the outcome: assets and ``ready``, a retry later with back-off, ``failed``
after too many rounds, or ``expired`` when the provider's copy is gone.
"""

from __future__ import annotations

from sora_studio.core.errors import ProviderError
from sora_studio.core.models import Asset, ErrorClass, Job, JobStatus
from sora_studio.services import library
from sora_studio.services.downloads import PREVIEWS, DownloadManager, DownloadTask
from sora_studio.services.engine_core import EngineCore
from sora_studio.services.orders import DownloadResult

DOWNLOAD_RETRY_S = (15.0, 60.0, 300.0)
MAX_DOWNLOAD_ROUNDS = 4


class DownloadFlow:
    """Schedules downloads of rendered jobs and applies what the download pool hands back."""

    def __init__(
        self, core: EngineCore, manager: DownloadManager, *, expiry_warning_s: float
    ) -> None:
        self._core = core
        self._manager = manager
        self._expiry_warning_s = expiry_warning_s
        self._expiry_warned: set[int] = set()

    def busy(self) -> bool:
        """Downloads are running (their results want committing soon)."""
        return bool(self._manager.active_job_ids())

    def retry_now(self, job_id: int) -> None:
        """Forget earlier failed rounds and download again on the next step."""
        self._core.download_due[job_id] = 0.0
        self._core.repo.update_job(job_id, download_attempts=0)

    def due_now(self, job: Job, now: float) -> None:
        """Download ``job`` as soon as possible (it just finished rendering)."""
        self._core.download_due[job.id] = now
        self.start(job)

    def start(self, job: Job) -> None:
        if job.id in self._manager.active_job_ids() or not job.remote_id:
            return
        core = self._core
        try:
            client = core.registry.client(job.provider)
        except ProviderError as exc:
            core.note_connection(exc)
            return
        parent = core.repo.get_job(job.parent_id) if job.parent_id is not None else None
        caps = core.capabilities(job.provider)
        task = DownloadTask(
            job=job,
            remote_id=job.remote_id,
            recipe=library.recipe_for(job, (), parent=parent),
            video_seconds=float(job.seconds),
            client=client,
            served_previews=frozenset(v for v in PREVIEWS if caps.serves_variant(v.value)),
            source_url=job.result_url,
            exact_size=caps.exact_size,
        )
        if self._manager.start(task):
            core.download_due.pop(job.id, None)

    def start_due(self, now: float) -> None:
        active = self._manager.active_job_ids()
        for job in self._core.repo.jobs_in_status(JobStatus.DOWNLOADING):
            if job.id in active:
                continue
            if self._core.download_due.setdefault(job.id, now) <= now and not self._expired(
                job, now
            ):
                self.start(job)

    def apply_results(self, now: float) -> None:
        for result in self._manager.drain():
            job = self._core.repo.get_job(result.job_id)
            if job is None or job.status is not JobStatus.DOWNLOADING:
                continue  # deleted or changed meanwhile; its files are removed with it
            if result.ok:
                self._succeeded(job, result)
            elif result.error_class is ErrorClass.EXPIRED:
                self._core.set(
                    job,
                    "expired",
                    status=JobStatus.EXPIRED,
                    error_class=ErrorClass.EXPIRED,
                    error_message=result.error_message,
                )
            else:
                self._failed(job, result, now)

    def _succeeded(self, job: Job, result: DownloadResult) -> None:
        repo = self._core.repo
        with repo.db.atomic():
            for item in result.files:
                repo.upsert_asset(
                    Asset(
                        job_id=job.id,
                        variant=item.variant,
                        path=item.path,
                        bytes=item.bytes,
                        sha256=item.sha256,
                        verified=True,
                    )
                )
            changes: dict[str, object] = {}
            if result.actual_size is not None:
                # The server made another frame size than asked: the library says what it is.
                changes["size"] = result.actual_size
                repo.log_event(
                    "rendered_size", {"asked": job.size, "made": result.actual_size}, job.id
                )
            job = repo.update_job(
                job.id,
                status=JobStatus.READY,
                error_class=None,
                error_message=None,
                download_attempts=0,
                **changes,
            )
        self._core.download_due.pop(job.id, None)
        local = [f.variant.value for f in result.files if f.made_locally]
        detail: dict[str, object] = {"recipe": result.recipe_path}
        if local:
            detail["made_locally"] = local
        repo.log_event("downloaded", detail, job.id)
        self._core.emit(job, "ready")

    def _failed(self, job: Job, result: DownloadResult, now: float) -> None:
        # Counted on the job row, so a command killed and started again does not start over:
        # every retry loop has an end.
        rounds = job.download_attempts + 1
        if rounds >= MAX_DOWNLOAD_ROUNDS or result.error_class is ErrorClass.INTERNAL:
            self._core.set(
                job,
                "download failed",
                status=JobStatus.FAILED,
                error_class=ErrorClass.DOWNLOAD_FAILED,
                error_message=(
                    f"{result.error_message} Gave up after {rounds} rounds; retry the download "
                    "from the queue before the provider's copy expires."
                ),
                download_attempts=rounds,
            )
            return
        wait = DOWNLOAD_RETRY_S[min(rounds - 1, len(DOWNLOAD_RETRY_S) - 1)]
        self._core.download_due[job.id] = now + wait
        self._core.set(
            job,
            "download failed",
            error_class=ErrorClass.DOWNLOAD_FAILED,
            error_message=f"{result.error_message} Trying again in {wait:.0f} s.",
            download_attempts=rounds,
        )

    def _expired(self, job: Job, now: float) -> bool:
        if job.expires_at is None or now < job.expires_at:
            return False
        self._core.set(
            job,
            "expired",
            status=JobStatus.EXPIRED,
            error_class=ErrorClass.EXPIRED,
            error_message=(
                "The provider's copy expired before it could be downloaded; nothing more can be "
                "fetched. Render it again."
            ),
        )
        return True

    def check_expiry(self, now: float) -> None:
        """Warn once per job whose provider copy expires within the warning window."""
        for job in self._core.repo.jobs_in_status(JobStatus.DOWNLOADING):
            if job.expires_at is None or job.id in self._expiry_warned:
                continue
            left = job.expires_at - now
            if 0 < left <= self._expiry_warning_s:
                self._expiry_warned.add(job.id)
                self._core.repo.log_event("expiry_warning", {"seconds_left": round(left)}, job.id)
                self._core.emit(
                    job,
                    f"its files expire on the provider in {left / 60:.0f} min; "
                    "download before then",
                )

    def wait_idle(self, timeout_s: float) -> bool:
        return self._manager.wait_idle(timeout_s)

    def shutdown(self, timeout_s: float) -> None:
        self._manager.shutdown(timeout_s)
