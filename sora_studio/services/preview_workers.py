"""The Assets browser's previews made in helper processes, so decoding never holds the desk's GIL.

Making a preview is Pillow or PyAV work wrapped in Python. Done on a thread of the desk, every
Python step of it holds the GIL, which the GUI thread needs for each Qt call it makes while it
paints; on a busy machine, where the thread holding the GIL can be descheduled mid-step, that
showed as GUI stalls of hundreds of milliseconds while a large folder's previews streamed in
(``tests/benchmarks/bench_asset_browser.py``). So the desk's pool threads hand each file to a
small ``ProcessPoolExecutor`` and wait on the answer, which needs no GIL (the emulator's render
workers do the same, for the same reason).

Processes are never forked from the desk (forking a process that runs Qt and a dozen threads is
unsafe): they come from ``forkserver`` where the platform has it, else ``spawn``. They start on
the first request, run at a lower CPU priority so the desk wins the cores, and are replaced if
one dies (a decoder crashing on a hostile file takes down its process, never the desk; the file
is then reported broken). If no process can be started at all, the work runs on the calling
thread instead. Every method blocks and is meant for a pool thread; any thread may call them.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sora_studio.core.errors import UserError
from sora_studio.services.asset_folders import (
    PREVIEW_MAX_SIDE,
    FolderFile,
    PreviewFacts,
    preview_for,
    sheet_for,
)

log = logging.getLogger(__name__)
DEFAULT_PROCESSES = 2
NICENESS = 10  # previews are background work: the GUI thread should win a busy machine


def _lower_priority() -> None:
    """Worker initializer: a little nicer than the desk, so its GUI thread wins the cores."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICENESS)


def _sheet_or_error(file: FolderFile, cache_dir: Path) -> tuple[str, str | None]:
    """In the worker: the sheet's path, or why it could not be made (exceptions stay here)."""
    try:
        return sheet_for(file, cache_dir), None
    except (UserError, OSError) as exc:
        return "", str(exc)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods() and not getattr(
        sys, "frozen", False
    ):
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class PreviewWorkers:
    """A few helper processes making previews and scrub sheets (any thread; calls block)."""

    def __init__(self, processes: int = DEFAULT_PROCESSES) -> None:
        self.processes = max(1, processes)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._in_thread = False  # no process could be started: work on the caller's thread
        self._closed = False

    def preview(
        self, file: FolderFile, cache_dir: Path, max_side: int = PREVIEW_MAX_SIDE
    ) -> PreviewFacts:
        """``asset_folders.preview_for`` in a helper process."""
        for _attempt in range(2):
            executor = self._executor_or_none()
            if executor is None:
                return preview_for(file, cache_dir, max_side)
            try:
                return executor.submit(preview_for, file, cache_dir, max_side).result()
            except BrokenProcessPool:
                self._replace(executor)  # another file may have killed it: try once more
        return PreviewFacts(None, error="Broken file: the decoder stopped on it.")

    def sheet(self, file: FolderFile, cache_dir: Path) -> str:
        """``asset_folders.sheet_for`` in a helper process; ``UserError`` when it fails."""
        executor = self._executor_or_none()
        if executor is None:
            return sheet_for(file, cache_dir)
        try:
            path, error = executor.submit(_sheet_or_error, file, cache_dir).result()
        except BrokenProcessPool as exc:
            self._replace(executor)
            raise UserError("the decoder stopped on this clip") from exc
        if error is not None:
            raise UserError(error)
        return path

    def close(self) -> None:
        """Stop the processes (queued work is cancelled); final."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _executor_or_none(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._closed:
                raise UserError("the desk is closing")
            if self._in_thread:
                return None
            if self._executor is None:
                try:
                    self._executor = ProcessPoolExecutor(
                        self.processes, mp_context=_context(), initializer=_lower_priority
                    )
                except (OSError, ValueError) as exc:
                    log.warning("preview processes unavailable (%s); using threads", exc)
                    self._in_thread = True
                    return None
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)
