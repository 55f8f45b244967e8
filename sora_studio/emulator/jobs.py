"""The render job runner: a small pool of worker threads that turns queued videos into files.

Each worker thread hands its renders to a render process of its own (``emulator.render_workers``)
and waits on it, so the pixel work never competes for the GIL with the process serving the API
(usually the desk). With ``render_in_processes`` off, the thread renders itself.

Jobs move ``queued -> in_progress -> completed | failed``. Progress comes from the renderer's own
progress callback; with ``min_job_seconds`` set, progress is also held back by the clock so a job
takes at least that long. Stopping cancels renders cooperatively; those jobs go back to ``queued``
on disk and are rendered again when the emulator next starts (resume, never lost).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sora_studio.emulator.faults import FaultInjector
from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.state import EmulatorState, now_s

if TYPE_CHECKING:
    from sora_studio.emulator.render_workers import RenderProcess

log = logging.getLogger(__name__)

ACTIVE = ("queued", "in_progress")
# Renders give way to everything else on the machine: the emulator usually runs inside the desk,
# whose GUI thread must win the CPU when both want it (a real render farm is elsewhere).
RENDER_NICENESS = 5
ASSET_NAMES = {
    "video": "video.mp4",
    "thumbnail": "thumbnail.webp",
    "spritesheet": "spritesheet.jpg",
}


class _Stopped(Exception):
    """The runner is stopping; the job goes back to the queue."""


def asset_path(state: EmulatorState, video_id: str, variant: str) -> Path:
    return state.media_dir(video_id) / ASSET_NAMES[variant]


class JobRunner:
    """Owns the render worker threads; ``submit`` is safe from any thread."""

    def __init__(
        self,
        state: EmulatorState,
        faults: FaultInjector,
        on_finished: Callable[[VideoRecord], None],
    ) -> None:
        self.state = state
        self.faults = faults
        self.on_finished = on_finished
        self._queue: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.active = 0
        self.renders_started = 0
        # Jobs withdrawn one by one (a compatibility mode's DELETE cancels a running render).
        self._cancelled: set[str] = set()
        self._rendering: set[str] = set()
        self._processes: list[RenderProcess] = []  # one per worker thread, for stats and tests

    def start(self) -> int:
        """Start the workers and re-queue every job left unfinished; returns how many resumed."""
        self._stop.clear()
        resumed = 0
        for video in self.state.videos.all():
            if video.active:
                self.state.videos.update(video.id, _requeue)
                self._queue.put(video.id)
                resumed += 1
        in_processes = bool(self.faults.settings.render_in_processes)
        for index in range(max(1, int(self.faults.settings.concurrency))):
            worker = threading.Thread(
                target=self._work,
                args=(index, in_processes),
                name=f"emulator-render-{index}",
                daemon=True,
            )
            worker.start()
            self._workers.append(worker)
        return resumed

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        self._workers = []

    def submit(self, video_id: str) -> None:
        self._queue.put(video_id)

    def cancel(self, video_id: str) -> None:
        """Stop rendering ``video_id`` soon, without re-queueing it; safe from any thread.

        The caller removes the job's record; a job still waiting in the queue is skipped because
        its record is gone.
        """
        with self._lock:
            self._cancelled.add(video_id)

    def is_rendering(self, video_id: str) -> bool:
        """True while a worker is rendering (or holding) ``video_id``."""
        with self._lock:
            return video_id in self._rendering

    def _withdrawn(self, video_id: str) -> bool:
        return self._stop.is_set() or video_id in self._cancelled

    @property
    def render_process_ids(self) -> list[int]:
        """The process ids of the live render workers (empty when rendering on threads)."""
        return [p.pid for p in list(self._processes) if p.is_alive() and p.pid is not None]

    def _work(self, index: int, in_processes: bool) -> None:
        # Also the priority of the processes this thread starts (a forkserver inherits it).
        _lower_this_threads_priority(RENDER_NICENESS)
        # Import the renderer (numpy, PyAV, Pillow: ~150 ms, much of it holding the GIL) now, while
        # the emulator starts, rather than when the first job arrives and the desk is busy.
        import sora_studio.emulator.renderer  # noqa: F401

        process: RenderProcess | None = None
        if in_processes:
            from sora_studio.emulator.render_workers import RenderProcess

            process = RenderProcess(f"sora-studio-render-{index}", niceness=RENDER_NICENESS)
            try:
                process.start()  # warm it now: the first job should not wait for the imports
            except Exception as exc:  # e.g. a host script without a __main__ guard
                log.warning(
                    "render worker %d could not start (%s); rendering on a thread instead",
                    index,
                    exc,
                )
                process.close()
                process = None
            else:
                self._processes.append(process)
        try:
            self._serve_queue(process)
        finally:
            if process is not None:
                process.close()
                self._processes.remove(process)

    def _serve_queue(self, process: RenderProcess | None) -> None:
        while not self._stop.is_set():
            try:
                video_id = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            with self._lock:
                self.active += 1
                self.renders_started += 1
                self._rendering.add(video_id)
            try:
                self._run(video_id, process)
            except _Stopped:
                if video_id not in self._cancelled:
                    self.state.videos.update(video_id, _requeue)
            except Exception as exc:  # one broken job must never kill a worker
                log.exception("render of %s failed", video_id)
                self._fail(video_id, "internal_error", f"The render failed: {exc}. Retry.")
            finally:
                with self._lock:
                    self.active -= 1
                    self._rendering.discard(video_id)
                    self._cancelled.discard(video_id)

    def _run(self, video_id: str, process: RenderProcess | None) -> None:
        video = self.state.videos.get(video_id)
        if video is None or not video.active:
            return
        started = time.monotonic()
        self.state.videos.update(video_id, _mark("in_progress"))

        def show(render_fraction: float) -> None:
            # Read the setting live, so lowering it through the admin route speeds jobs up.
            min_seconds = float(self.faults.settings.min_job_seconds)
            clock = (time.monotonic() - started) / min_seconds if min_seconds > 0 else 1.0
            percent = int(min(render_fraction, clock, 1.0) * 99)
            self.state.videos.update(video_id, _progress(percent), save=False)

        refusal = _policy_refusal(video.prompt or "")
        if refusal is None and self.faults.job_blocked():
            refusal = (
                "This request was blocked by the emulator's simulated moderation (block_rate). "
                "Rewrite the prompt or try again."
            )
        if refusal is not None:
            self._hold(video_id, started, show)
            self._fail(video_id, "moderation_blocked", refusal)
            return
        if self.faults.job_fails():
            self._hold(video_id, started, show)
            self._fail(
                video_id,
                "internal_error",
                "The render failed (the emulator's simulated failure_rate). Retry the request.",
            )
            return

        rendered = self._render(video, show, process)
        self._hold(video_id, started, show)
        expiry = int(self.faults.settings.expiry_seconds)

        def complete(record: VideoRecord) -> VideoRecord:
            done = now_s()
            return replace(
                record,
                status="completed",
                progress=100,
                completed_at=done,
                expires_at=done + expiry,
                duration_s=rendered,
                finished=time.time(),  # sub-second, for servers that report inference time
            )

        finished = self.state.videos.update(video_id, complete)
        if finished is not None:
            self.on_finished(finished)

    def _render(
        self,
        video: VideoRecord,
        show: Callable[[float], None],
        process: RenderProcess | None,
    ) -> float:
        """Render ``video`` in ``process``, or on this thread when it is None."""
        from sora_studio.emulator.renderer import RenderCancelled, RenderSpec, render_video

        video_id = video.id
        final_dir = self.state.media_dir(video_id)
        work_dir = final_dir.with_name(f".{video_id}.render")
        shutil.rmtree(work_dir, ignore_errors=True)
        work_dir.mkdir(parents=True)
        width, height = (int(n) for n in video.size.split("x"))
        found = (self.state.characters.get(c) for c in video.characters)
        characters = [c for c in found if c is not None]
        source = video.source_video
        if source and not Path(source).exists():
            raise RuntimeError("the source video's files were deleted before the render started")
        spec = RenderSpec(
            video_id=video_id,
            prompt=video.prompt or "",
            width=width,
            height=height,
            seconds=video.segment_seconds,
            mode=video.mode,
            reference_image=Path(video.reference) if video.reference else None,
            character_names=tuple(c.name for c in characters),
            character_clips=tuple(Path(c.clip) for c in characters),
            source_video=Path(source) if source else None,
        )

        def progress(value: float) -> None:
            show(value / 100.0 if value > 1.0 else value)

        def should_cancel() -> bool:
            return self._withdrawn(video_id)

        try:
            if process is not None:
                files = process.render(
                    spec, work_dir, progress=progress, should_cancel=should_cancel
                )
            else:
                files = render_video(spec, work_dir, progress=progress, should_cancel=should_cancel)
        except RenderCancelled as exc:
            shutil.rmtree(work_dir, ignore_errors=True)
            raise _Stopped() from exc
        final_dir.mkdir(parents=True, exist_ok=True)
        for variant, produced in (
            ("video", files.video),
            ("thumbnail", files.thumbnail),
            ("spritesheet", files.spritesheet),
        ):
            Path(produced).replace(asset_path(self.state, video_id, variant))
        shutil.rmtree(work_dir, ignore_errors=True)
        return float(files.duration_s)

    def _hold(self, video_id: str, started: float, show: Callable[[float], None]) -> None:
        """Keep the job running until ``min_job_seconds`` have passed, progress rising with time."""
        while time.monotonic() - started < float(self.faults.settings.min_job_seconds):
            show(1.0)
            if self._stop.wait(0.05) or video_id in self._cancelled:
                raise _Stopped()
        if self._withdrawn(video_id):
            raise _Stopped()

    def _fail(self, video_id: str, code: str, message: str) -> None:
        def failed(record: VideoRecord) -> VideoRecord:
            error = {"code": code, "message": message}
            return replace(
                record, status="failed", completed_at=now_s(), error=error, finished=time.time()
            )

        finished = self.state.videos.update(video_id, failed)
        if finished is not None:
            self.on_finished(finished)


def _lower_this_threads_priority(niceness: int) -> None:
    """Raise the calling thread's nice value by ``niceness`` where the OS allows (Linux).

    On Linux a thread's native id names just that thread for ``setpriority``; elsewhere (or if
    refused) renders simply run at normal priority.
    """
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + niceness))


def _policy_refusal(prompt: str) -> str | None:
    """The moderation message for a prompt ``core.policy`` blocks, else None."""
    from sora_studio.core import policy

    if not policy.is_blocked(prompt):
        return None
    # Only what the policy refuses: a "may be refused" warning is not why this job failed.
    flags = [f for f in policy.precheck(prompt) if f.block]
    reasons = "; ".join(f"{f.message} ({f.phrase!r})" for f in flags) or "content policy"
    return f"This request was blocked by the content policy: {reasons}. Rewrite the prompt."


def _requeue(record: VideoRecord) -> VideoRecord:
    return replace(record, status="queued", progress=0)


def _mark(status: str) -> Callable[[VideoRecord], VideoRecord]:
    def change(record: VideoRecord) -> VideoRecord:
        return replace(record, status=status, progress=0)

    return change


def _progress(percent: int) -> Callable[[VideoRecord], VideoRecord]:
    def change(record: VideoRecord) -> VideoRecord:
        if record.status != "in_progress":
            return record
        return replace(record, progress=max(record.progress, percent))

    return change


def remove_media(state: EmulatorState, video_id: str) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(state.media_dir(video_id))
