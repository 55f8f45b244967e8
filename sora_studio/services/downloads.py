"""Downloads of a finished job's video, thumbnail and spritesheet, on a thread pool.

Threading decision: pool threads never touch the database. Each job's download runs on a
``concurrent.futures.ThreadPoolExecutor`` thread, writes files only, and hands a frozen
:class:`DownloadResult` back through a ``queue.Queue``. The engine's thread (the one writer)
drains that queue in ``poll_once`` and commits assets and status changes. So a large download
never delays status polling, and no sqlite connection is shared between threads.

Each file streams to a temp file beside its final name, is fsynced, verified (the MP4 must decode
at the requested size and duration; images must decode), hashed and renamed atomically
(:mod:`sora_studio.services.library`). A cut or corrupt download is retried a few times with a
short back-off; a download refused because the assets expired is reported as ``EXPIRED``.

Only the video is required. The thumbnail and spritesheet are fetched only from servers that
serve them, and are made here from the MP4 (same documented layout) whenever a server does not
serve them or sends something that is not the image asked for (LiteLLM answers both with the MP4).
A server that hands the finished video over directly (a URL, ``file://`` or base64 on the video
object) is downloaded from there instead of ``/content``.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import AssetVariant, ErrorClass, Job, Size
from sora_studio.media.frames import make_spritesheet, make_thumbnail
from sora_studio.media.probe import probe_video
from sora_studio.services import library
from sora_studio.services.job_results import drain_results
from sora_studio.services.orders import DownloadedFile, DownloadResult

log = logging.getLogger(__name__)

VARIANTS = (AssetVariant.VIDEO, AssetVariant.THUMBNAIL, AssetVariant.SPRITESHEET)
PREVIEWS = (AssetVariant.THUMBNAIL, AssetVariant.SPRITESHEET)
PREVIEW_ATTEMPTS = 2  # a served preview that keeps failing is made locally instead
DEFAULT_ATTEMPTS = 3
RETRY_BACKOFF_S = (0.2, 1.0, 3.0)
# Errors worth another try: the connection was cut, the server hiccupped, or the bytes we got
# did not decode (a truncated body the server claimed was complete).
_RETRYABLE = frozenset({ErrorClass.TRANSIENT, ErrorClass.DOWNLOAD_FAILED, ErrorClass.RATE_LIMITED})
# ProviderError.code for bytes of the wrong kind (an MP4 answered for a thumbnail).
WRONG_CONTENT = "wrong_content"


class Downloader(Protocol):
    """The one client call downloads need (``api.videos.VideosClient.download``)."""

    def download(
        self,
        video_id: str,
        variant: AssetVariant,
        dest: Path,
        *,
        source_url: str | None = None,
        on_progress: Callable[[int, int | None], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> int: ...


class DownloadCancelled(Exception):
    """The engine is shutting down; the job stays DOWNLOADING and restarts next time."""


@dataclass(frozen=True, slots=True)
class DownloadTask:
    """Everything a pool thread needs; a snapshot, so the thread never reads the database."""

    job: Job
    remote_id: str
    recipe: dict[str, object]
    video_seconds: float
    client: Downloader  # resolved on the engine's thread; the SDK client is thread-safe
    # What the provider serves: previews it does not are made from the MP4.
    served_previews: frozenset[AssetVariant] = frozenset(PREVIEWS)
    source_url: str | None = None  # the video handed over directly, instead of /content
    exact_size: bool = True  # False: accept the size the server made (and record it)


VerifyVideo = Callable[[Path, int, int, float], None]
VerifyImage = Callable[[Path], None]


class DownloadManager:
    """Runs downloads on a pool and queues their results for the engine's thread.

    Thread use: ``start``, ``drain``, ``active_job_ids`` and ``shutdown`` are called from the
    engine's thread; ``_run`` runs on pool threads and only touches files and the result queue.
    """

    def __init__(
        self,
        library_root: Path,
        *,
        verify_video: VerifyVideo,
        verify_image: VerifyImage,
        max_workers: int = 3,
        attempts: int = DEFAULT_ATTEMPTS,
    ) -> None:
        self._root = library_root
        self._verify_video = verify_video
        self._verify_image = verify_image
        self._attempts = max(1, attempts)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="download")
        self._results: queue.Queue[DownloadResult] = queue.Queue()
        self._running: dict[int, Future[None]] = {}
        self._stop = threading.Event()

    def start(self, task: DownloadTask) -> bool:
        """Queue a job's download unless one is already running for it; True when queued."""
        if self._stop.is_set():
            return False
        if task.job.id in self._running:  # running, or finished with a result not drained yet
            return False
        self._running[task.job.id] = self._pool.submit(self._run, task)
        return True

    def active_job_ids(self) -> frozenset[int]:
        """Jobs whose download runs or whose result waits to be drained.

        A finished download counts until the engine has committed its result; otherwise a job
        still marked DOWNLOADING in the database would look idle and be fetched a second time.
        """
        return frozenset(self._running)

    def drain(self) -> list[DownloadResult]:
        """Every result finished since the last call (engine thread only)."""
        return drain_results(self._results, self._running)

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until no download is running (CLI ``--wait`` and tests); True if idle."""
        futures = [f for f in self._running.values() if not f.done()]
        for fut in futures:
            # The result queue carries the outcome; only the waiting matters here.
            with contextlib.suppress(Exception):
                fut.result(timeout=timeout_s)
        return all(f.done() for f in futures)

    def shutdown(self, timeout_s: float) -> None:
        """Ask running downloads to stop (felt within a chunk) and join the pool."""
        self._stop.set()
        for fut in self._running.values():
            fut.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        del timeout_s  # the pool joins its threads; cancellation makes that quick

    # -- pool threads ------------------------------------------------------------------------

    def _run(self, task: DownloadTask) -> None:
        try:
            result = self._download_job(task)
        except DownloadCancelled:
            return  # the job stays DOWNLOADING; reconcile restarts it next time
        except Exception as exc:  # never let a pool thread die silently
            log.exception("download of job %s failed unexpectedly", task.job.id)
            result = DownloadResult(
                job_id=task.job.id,
                error_class=ErrorClass.INTERNAL,
                error_message=f"The download failed unexpectedly ({exc}); retry the job.",
            )
        self._results.put(result)

    def _download_job(self, task: DownloadTask) -> DownloadResult:
        folder = library.job_folder(self._root, task.job)
        folder.mkdir(parents=True, exist_ok=True)
        video = self._download_variant(task, AssetVariant.VIDEO, folder)
        if isinstance(video, DownloadResult):
            return video
        files: list[DownloadedFile] = [video]
        for variant in PREVIEWS:
            preview = self._preview(task, variant, folder, Path(video.path))
            if preview is not None:
                files.append(preview)
        recipe = dict(task.recipe)
        recipe["files"] = {
            f.variant.value: {
                "name": Path(f.path).name,
                "sha256": f.sha256,
                "bytes": f.bytes,
                **({"made_locally": True} if f.made_locally else {}),
            }
            for f in files
        }
        actual_size = None if task.exact_size else _actual_size(Path(video.path))
        if actual_size is not None and actual_size != task.job.size:
            recipe["rendered_size"] = actual_size
        recipe_path = library.write_recipe(folder, recipe)
        return DownloadResult(
            job_id=task.job.id,
            files=tuple(files),
            recipe_path=str(recipe_path),
            actual_size=actual_size if actual_size != task.job.size else None,
        )

    def _preview(
        self, task: DownloadTask, variant: AssetVariant, folder: Path, video: Path
    ) -> DownloadedFile | None:
        """The thumbnail or spritesheet: downloaded where served and sound, else made locally."""
        reason = "the provider does not serve it"
        if variant in task.served_previews:
            fetched = self._download_variant(task, variant, folder, attempts=PREVIEW_ATTEMPTS)
            if isinstance(fetched, DownloadedFile):
                return fetched
            reason = fetched.error_message or "the download failed"
        if self._stop.is_set():
            raise DownloadCancelled
        dest = folder / f"{variant.value}{variant.file_extension}"
        temp = library.temp_path_for(dest)
        make = make_thumbnail if variant is AssetVariant.THUMBNAIL else make_spritesheet
        try:
            make(video, temp)
            digest = library.commit_file(temp, dest, self._verify_image)
        except (UserError, OSError, ValueError) as exc:
            temp.unlink(missing_ok=True)
            # The video is what matters; the desk makes previews on demand when they are missing.
            log.warning("job %s: could not make the %s locally: %s", task.job.id, variant, exc)
            return None
        log.info("job %s: %s made locally (%s)", task.job.id, variant.value, reason)
        return DownloadedFile(
            variant=variant,
            path=str(dest),
            bytes=dest.stat().st_size,
            sha256=digest,
            made_locally=True,
        )

    def _download_variant(
        self,
        task: DownloadTask,
        variant: AssetVariant,
        folder: Path,
        *,
        attempts: int | None = None,
    ) -> DownloadedFile | DownloadResult:
        dest = folder / f"{variant.value}{variant.file_extension}"
        client = task.client
        attempts = self._attempts if attempts is None else attempts
        source_url = task.source_url if variant is AssetVariant.VIDEO else None
        last_error: tuple[ErrorClass, str] = (ErrorClass.DOWNLOAD_FAILED, "no attempt made")
        for attempt in range(attempts):
            if self._stop.is_set():
                raise DownloadCancelled
            temp = library.temp_path_for(dest)
            try:
                if source_url is not None:
                    client.download(
                        task.remote_id,
                        variant,
                        temp,
                        source_url=source_url,
                        should_cancel=self._stop.is_set,
                    )
                else:
                    client.download(task.remote_id, variant, temp, should_cancel=self._stop.is_set)
                digest = library.commit_file(temp, dest, self._verifier(task, variant))
                return DownloadedFile(
                    variant=variant, path=str(dest), bytes=dest.stat().st_size, sha256=digest
                )
            except DownloadCancelled:
                raise
            except ProviderError as exc:
                temp.unlink(missing_ok=True)
                if self._stop.is_set():
                    raise DownloadCancelled from exc
                if exc.error_class in (ErrorClass.EXPIRED, ErrorClass.NOT_FOUND):
                    return DownloadResult(
                        job_id=task.job.id,
                        error_class=ErrorClass.EXPIRED,
                        error_message=(
                            f"The {variant.value} can no longer be downloaded: the provider's "
                            f"copy has expired or was deleted ({exc.message}). Render it again."
                        ),
                    )
                last_error = (exc.error_class, exc.message)
                if exc.error_class not in _RETRYABLE or exc.code == WRONG_CONTENT:
                    break  # the same request would bring the same wrong bytes again
            except (UserError, OSError) as exc:  # MediaError is a UserError: bytes did not verify
                temp.unlink(missing_ok=True)
                last_error = (ErrorClass.DOWNLOAD_FAILED, str(exc))
            if attempt + 1 < attempts:
                delay = RETRY_BACKOFF_S[min(attempt, len(RETRY_BACKOFF_S) - 1)]
                if self._stop.wait(delay):
                    raise DownloadCancelled
        error_class, message = last_error
        if error_class in _RETRYABLE:
            error_class = ErrorClass.DOWNLOAD_FAILED
        return DownloadResult(
            job_id=task.job.id,
            error_class=error_class,
            error_message=(
                f"Downloading the {variant.value} failed after {attempts} attempts: "
                f"{message}. Retry the download before the provider's copy expires."
            ),
        )

    def _verifier(self, task: DownloadTask, variant: AssetVariant) -> Callable[[Path], None]:
        if variant is AssetVariant.VIDEO:
            # 0 x 0: any size the server made (it is recorded); else exactly the size asked for.
            size = Size.parse(task.job.size) if task.exact_size else Size(0, 0)

            def check_video(path: Path) -> None:
                self._verify_video(path, size.width, size.height, task.video_seconds)

            return check_video
        return self._verify_image


def _actual_size(video: Path) -> str | None:
    """The frame size of a verified video, as ``WxH``."""
    try:
        info = probe_video(video)
    except UserError:
        return None
    return f"{info.width}x{info.height}"
