"""Render worker processes: the emulator's pixels are pushed outside the process that serves it.

The emulator usually runs inside the desk. Its renders are CPU-bound Python and numpy work
(procedural pictures, frame conversion, the audio encode) that holds the GIL for stretches, and
the desk's GUI thread needs the GIL to paint. A render in a thread of the desk's process therefore
makes the GUI wait; a render in another process cannot. So the HTTP server, the job state and
the lifecycle stay in the caller's process, and each render thread of ``emulator.jobs`` hands its
render to one long-lived ``RenderProcess`` of its own and blocks on a pipe (which needs no GIL).

Protocol over a ``multiprocessing`` pipe (pickled tuples):
- parent -> worker: ``("render", RenderSpec, out_dir)``, ``("cancel",)``, ``("quit",)``;
- worker -> parent: ``("progress", fraction)`` (up to ~100 per render), then exactly one of
  ``("done", RenderedFiles)``, ``("cancelled",)`` or ``("failed", summary, traceback_text)``.

Workers are never forked from the caller (forking a process that runs Qt and a dozen threads is
unsafe). Where the platform has it they come from a ``forkserver``: one small single-threaded
process that imports the application's main module and the renderer once and forks each worker
from itself, so a worker starts in milliseconds instead of repeating those imports at full CPU
while the desk is starting (as ``spawn`` does). Frozen bundles and Windows use ``spawn``. As with
any ``multiprocessing`` use, a script that starts an emulator must guard its top level with
``if __name__ == "__main__":``; if workers cannot start at all, ``emulator.jobs`` renders on
its threads instead. Workers run at a lower CPU priority so the desk wins the cores, and exit on
their own when the parent goes away: the pipe reports end-of-file and the worker stops.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.context
import os
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sora_studio.emulator.renderer import RenderCancelled, RenderedFiles, RenderSpec

log = logging.getLogger(__name__)

# How often the waiting thread looks at ``should_cancel`` while the worker renders.
_CANCEL_POLL_S = 0.05
_QUIT_TIMEOUT_S = 2.0


class RenderWorkerError(RuntimeError):
    """The render failed inside the worker, or the worker itself died."""


class RenderProcess:
    """One worker process, used by one render thread at a time (not thread-safe by design).

    The process starts on the first ``render`` and is reused afterwards; if it dies it is
    replaced on the next ``render``.
    """

    def __init__(self, name: str, niceness: int = 0) -> None:
        self.name = name
        self.niceness = niceness
        self.renders = 0
        self.starts = 0
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        """Start the worker now (otherwise the first ``render`` does)."""
        if self.is_alive():
            return
        self._discard()
        context = start_context()
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=serve, args=(child_end, self.niceness), name=self.name, daemon=True
        )
        process.start()
        child_end.close()  # only the worker holds it now, so its exit shows up as end-of-file
        self._process, self._conn = process, parent_end
        self.starts += 1

    def render(
        self,
        spec: RenderSpec,
        out_dir: Path,
        *,
        progress: Callable[[float], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> RenderedFiles:
        """Render ``spec`` into ``out_dir`` in the worker; same contract as ``render_video``.

        Raises ``RenderCancelled`` once the worker has stopped after ``should_cancel`` said so,
        and ``RenderWorkerError`` when the render failed or the worker died.
        """
        self.start()
        conn = self._conn
        assert conn is not None
        try:
            conn.send(("render", spec, str(out_dir)))
        except OSError as exc:
            self._discard()
            raise RenderWorkerError(f"the render worker could not take the job ({exc})") from exc
        self.renders += 1
        cancel_sent = False
        next_cancel_check = 0.0
        while True:
            try:
                ready = conn.poll(_CANCEL_POLL_S)
                message: tuple[Any, ...] | None = conn.recv() if ready else None
            except (EOFError, OSError) as exc:
                code = self._exit_code()
                self._discard()
                raise RenderWorkerError(
                    f"the render worker stopped unexpectedly (exit code {code})"
                ) from exc
            # Checked on a clock, not only when the pipe is quiet: progress can arrive steadily.
            if not cancel_sent and should_cancel is not None:
                now = time.monotonic()
                if now >= next_cancel_check:
                    next_cancel_check = now + _CANCEL_POLL_S
                    if should_cancel():
                        with contextlib.suppress(OSError):
                            conn.send(("cancel",))
                        cancel_sent = True
            if message is None:
                continue
            kind = message[0]
            if kind == "progress":
                if progress is not None:
                    progress(float(message[1]))
            elif kind == "done":
                files: RenderedFiles = message[1]
                return files
            elif kind == "cancelled":
                raise RenderCancelled(f"render of {spec.video_id} was cancelled")
            elif kind == "failed":
                log.debug("render worker traceback for %s:\n%s", spec.video_id, message[2])
                raise RenderWorkerError(str(message[1]))
            else:  # a protocol mismatch is a bug; start afresh rather than guess
                self._discard()
                raise RenderWorkerError(f"the render worker sent an unknown message {kind!r}")

    def close(self) -> None:
        """Ask the worker to quit and wait briefly; terminate it if it does not."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(("quit",))
        if self._process is not None:
            self._process.join(_QUIT_TIMEOUT_S)
        self._discard()

    def _exit_code(self) -> int | None:
        if self._process is None:
            return None
        self._process.join(_QUIT_TIMEOUT_S)
        return self._process.exitcode

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(_QUIT_TIMEOUT_S)
            with contextlib.suppress(ValueError):
                self._process.close()
            self._process = None


def start_context() -> (
    multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext
):
    """``forkserver`` (preloading this module and so the renderer) where available and not frozen,
    else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods() and not getattr(
        sys, "frozen", False
    ):
        context = multiprocessing.get_context("forkserver")
        # "__main__" is the forkserver's default preload: workers then skip importing it again.
        context.set_forkserver_preload(["__main__", __name__])
        return context
    return multiprocessing.get_context("spawn")


def lower_priority(niceness: int) -> None:
    """Make this process at least ``niceness`` nice (an inherited nice value is not added to)."""
    if niceness <= 0 or not hasattr(os, "getpriority"):
        return
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, 0) < niceness:
            os.setpriority(os.PRIO_PROCESS, 0, niceness)


def serve(conn: Connection, niceness: int) -> None:
    """The worker's main loop (runs in the child process): one render at a time until told to quit
    or until the parent's end of the pipe closes."""
    lower_priority(niceness)
    from sora_studio.emulator.renderer import render_video

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message[0] == "quit":
            return
        if message[0] != "render":
            continue  # a late "cancel" for a render that already finished
        spec, out_dir = message[1], Path(message[2])
        cancelled = _CancelFlag(conn)
        try:
            files = render_video(
                spec,
                out_dir,
                progress=lambda value: conn.send(("progress", value)),
                should_cancel=cancelled,
            )
        except RenderCancelled:
            if cancelled.parent_gone:
                return
            _send(conn, ("cancelled",))
            if cancelled.quit_requested:
                return
            continue
        except Exception as exc:  # every failure goes back to the parent as a message
            _send(conn, ("failed", f"{exc}", traceback.format_exc()))
            continue
        _send(conn, ("done", files))


class _CancelFlag:
    """``should_cancel`` for ``render_video`` in the worker: true once the parent sent "cancel"
    or "quit", or closed its end of the pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.parent_gone = False
        self.quit_requested = False
        self._set = False

    def __call__(self) -> bool:
        if self._set:
            return True
        try:
            while self.conn.poll():
                kind = self.conn.recv()[0]
                if kind in ("cancel", "quit"):
                    self._set = True
                    self.quit_requested = self.quit_requested or kind == "quit"
        except (EOFError, OSError):
            self._set = self.parent_gone = True
        return self._set


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    with contextlib.suppress(OSError):
        conn.send(message)
