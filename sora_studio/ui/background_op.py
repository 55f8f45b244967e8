"""One helper for work off the GUI thread: run it, hand back its typed result or its error on the
GUI thread, and drop the results nobody wants any more (Anki's ``QueryOp`` in spirit).

Threads (DESIGN.md §2). :class:`BackgroundOps` is a QObject that lives on the GUI thread. It owns
a private ``QThreadPool`` (one per owner, so a long import never holds up a thumbnail decode) and
a relay QObject, also on the GUI thread, that pool threads emit on: every delivery is therefore a
queued call that runs on the GUI thread. The *work* runs on a pool thread and receives an
:class:`OpContext` (cooperative cancellation, progress). It must capture plain values only, never
a widget: it is released on the pool thread, and a Qt object whose last reference goes there is
destroyed on the wrong thread. It may build a ``QImage``; never a ``QPixmap`` or a widget. The
callbacks never leave the GUI thread: they are kept here and called here.

Usage::

    ops = BackgroundOps(self, max_threads=1)
    ops.submit(
        lambda ctx: read_reference(path),  # pool thread
        self._on_read,  # GUI thread, with read_reference's result (typed: T)
        on_error=self._on_read_failed,  # GUI thread, with the exception it raised
        key="reference",  # a newer submit with this key makes this one stale
    )
    ...
    ops.shutdown(5000)  # the owner is closing: cancel everything and wait

Stale results are dropped by token, never delivered: each ``submit`` gets a fresh token; a newer
``submit`` with the same ``key``, :meth:`BackgroundOps.cancel` (one key) or
:meth:`~BackgroundOps.cancel_all`, and :meth:`~BackgroundOps.shutdown` make older tokens stale;
a callback that is a method of a QObject whose C++ object is gone (or the ``owner`` given) is not
called. Work that has not started when it goes stale is taken off the queue and never runs;
work already running is told through ``OpContext.cancelled()``, which it checks when it can
(cancellation is cooperative: Python cannot stop a thread).

Order: first come, first served by default; ``lifo=True`` serves the most recent request first,
as calibre's cover renderer does, so what the user scrolled to last is decoded first and a fast
fling does not leave the visible cells waiting behind hundreds that already scrolled away
(:meth:`~BackgroundOps.promote` moves a queued request back to the front).

Progress: with ``on_progress``, nothing is shown for a quick op. Once an op has run
:data:`SLOW_MS` (600 ms, Anki's progress delay) ``on_progress`` gets the latest report (or
``(0, 0, progress_text)``: a busy indicator), then every later one.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from sora_studio.core.errors import UserError

log = logging.getLogger(__name__)

T = TypeVar("T")
SLOW_MS = 600  # DESIGN.md §6 (Anki's progress): a busy indicator only after ~600 ms
DEFAULT_SHUTDOWN_MS = 5000

Progress = Callable[[int, int, str], None]  # done, total (0: unknown), what is happening


def describe_error(error: BaseException) -> str:
    """One line for the user: the message of an error they can act on, else its type too."""
    if isinstance(error, UserError | OSError):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, slots=True)
class OpHandle:
    """What :meth:`BackgroundOps.submit` hands back (GUI thread)."""

    token: int
    key: Hashable | None


class OpContext:
    """Handed to the work on its pool thread: is it still wanted, and how far has it got."""

    __slots__ = ("_cancel", "_relay", "_token")

    def __init__(self, token: int, cancel: threading.Event, relay: _Relay) -> None:
        self._token = token
        self._cancel = cancel
        self._relay = relay

    def cancelled(self) -> bool:
        """True once nobody wants the result (superseded, cancelled, shutting down)."""
        return self._cancel.is_set()

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Report how far the work has got (``total`` 0: unknown); any thread."""
        self._relay.progressed.emit(self._token, done, total, text)


class _Relay(QObject):
    """Lives on the GUI thread; pool threads emit on it, so each delivery is a queued call."""

    finished = Signal(int, object, object)  # token, result, error (None on success)
    progressed = Signal(int, int, int, str)  # token, done, total, text


@dataclass(slots=True)
class _Queued:
    """A request waiting for a pool thread. Travels to that thread: plain values only."""

    token: int
    key: Hashable | None
    work: Callable[[OpContext], object]
    context: OpContext


@dataclass(slots=True, eq=False)
class _Live:
    """What the GUI thread keeps for a request until its result arrives (never leaves it)."""

    key: Hashable | None
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None] | None
    on_progress: Progress | None
    owner: QObject | None
    cancel: threading.Event
    progress: tuple[int, int, str]
    shown: bool = False  # progress is on show (the op ran past SLOW_MS)
    stale: bool = False


class _Queue:
    """Requests not yet started: appended on the GUI thread, taken by pool threads."""

    def __init__(self, lifo: bool) -> None:
        self.lock = threading.Lock()
        self.lifo = lifo
        self.items: deque[_Queued] = deque()

    def take(self) -> _Queued | None:
        with self.lock:
            if not self.items:
                return None
            return self.items.pop() if self.lifo else self.items.popleft()

    def remove(self, token: int) -> bool:
        """Take ``token`` off the queue; False if a pool thread already started it."""
        with self.lock:
            for item in self.items:
                if item.token == token:
                    self.items.remove(item)
                    return True
        return False

    def promote(self, token: int) -> bool:
        """Serve ``token`` next; False if it is not waiting any more."""
        with self.lock:
            for index in range(len(self.items) - 1, -1, -1):
                item = self.items[index]
                if item.token == token:
                    del self.items[index]
                    if self.lifo:
                        self.items.append(item)
                    else:
                        self.items.appendleft(item)
                    return True
        return False

    def drain(self) -> list[int]:
        with self.lock:
            tokens = [item.token for item in self.items]
            self.items.clear()
        return tokens


class _Worker(QRunnable):
    """One pool slot: takes whichever request the queue's order says is next when it starts."""

    def __init__(self, queue: _Queue, relay: _Relay) -> None:
        super().__init__()
        self._queue = queue
        self._relay = relay

    def run(self) -> None:
        item = self._queue.take()
        if item is None:
            return  # went stale (and off the queue) before a thread was free
        try:
            result = item.work(item.context)
        except BaseException as exc:  # a worker must report, never die silently
            self._deliver(item.token, None, exc)
            return
        self._deliver(item.token, result, None)

    def _deliver(self, token: int, result: object, error: BaseException | None) -> None:
        try:
            self._relay.finished.emit(token, result, error)
        except RuntimeError:  # the owner was destroyed without shutdown(): nobody to tell
            log.debug("background result %d had nowhere to go", token)


def _owner_of(callback: Callable[..., object]) -> QObject | None:
    owner = getattr(callback, "__self__", None)
    return owner if isinstance(owner, QObject) else None


class BackgroundOps(QObject):
    """Runs work on a private pool; results and errors come back on the GUI thread.

    Lives on the GUI thread; every method is called there. Call :meth:`shutdown` before the
    owner goes: it cancels what is queued, tells running work to stop, and waits.
    """

    def __init__(
        self, parent: QObject | None = None, *, max_threads: int = 2, lifo: bool = False
    ) -> None:
        super().__init__(parent)
        # The pool before the relay: children are destroyed in creation order, and the pool's
        # destructor waits for its threads, which may still emit on the relay.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, max_threads))
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._relay.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._queue = _Queue(lifo)
        self._tokens = itertools.count(1)
        self._live: dict[int, _Live] = {}
        self._latest: dict[Hashable, int] = {}  # key -> its newest token
        self._closed = False

    # -- asking --------------------------------------------------------------------------------

    def submit(
        self,
        work: Callable[[OpContext], T],
        on_done: Callable[[T], None],
        *,
        on_error: Callable[[BaseException], None] | None = None,
        key: Hashable | None = None,
        on_progress: Progress | None = None,
        progress_text: str = "",
        owner: QObject | None = None,
    ) -> OpHandle:
        """Run ``work(context)`` on a pool thread; ``on_done(result)`` on the GUI thread.

        An exception from the work goes to ``on_error`` (logged when there is none). ``key``: a
        newer submit with the same key makes this one stale. ``owner`` (by default the object
        whose method ``on_done`` is): no callback runs once its C++ object is gone. After
        :meth:`shutdown` nothing starts and nothing is called back.
        """
        token = next(self._tokens)
        handle = OpHandle(token, key)
        if self._closed:
            return handle  # a late paint or click while the owner closes: nothing to do
        if key is not None:
            self._drop(self._latest.get(key))
            self._latest[key] = token
        cancel = threading.Event()
        self._live[token] = _Live(
            key,
            cast("Callable[[Any], None]", on_done),
            on_error,
            on_progress,
            owner if owner is not None else _owner_of(on_done),
            cancel,
            (0, 0, progress_text),
        )
        queued = _Queued(token, key, work, OpContext(token, cancel, self._relay))
        with self._queue.lock:
            self._queue.items.append(queued)
        self._pool.start(_Worker(self._queue, self._relay))
        if on_progress is not None:
            QTimer.singleShot(SLOW_MS, self, lambda: self._turn_slow(token))
        return handle

    def promote(self, key: Hashable) -> bool:
        """Serve the queued request for ``key`` next; False if none is waiting."""
        token = self._latest.get(key)
        return token is not None and self._queue.promote(token)

    # -- dropping ------------------------------------------------------------------------------

    def cancel(self, key: Hashable) -> None:
        """Make the request for ``key`` stale: off the queue, or told to stop if it runs."""
        self._drop(self._latest.pop(key, None))

    def cancel_all(self) -> None:
        for token in self._queue.drain():
            self._live.pop(token, None)  # never started: nothing will come back
        for live in self._live.values():
            live.stale = True
            live.cancel.set()
        self._latest.clear()

    def shutdown(self, timeout_ms: int = DEFAULT_SHUTDOWN_MS) -> bool:
        """Cancel everything and wait for running work; True if the pool went idle in time.

        Final: later submits are ignored. Running work that does not stop within ``timeout_ms``
        is left to finish (its result is dropped) and reported in the log.
        """
        self._closed = True
        self.cancel_all()
        idle = bool(self._pool.waitForDone(timeout_ms))
        if idle:
            self._live.clear()  # all finished; their queued deliveries will find nothing
        else:
            log.warning("background work still running after %d ms", timeout_ms)
        return idle

    # -- state ---------------------------------------------------------------------------------

    def busy(self, key: Hashable | None = None) -> bool:
        """Work (for ``key``, or any) queued or running, even if its result will be dropped."""
        if key is None:
            return bool(self._live)
        return any(live.key == key for live in self._live.values())

    @property
    def closed(self) -> bool:
        return self._closed

    # -- internals -----------------------------------------------------------------------------

    def _drop(self, token: int | None) -> None:
        live = self._live.get(token) if token is not None else None
        if live is None or live.stale:
            return
        live.stale = True
        live.cancel.set()
        if token is not None and self._queue.remove(token):
            del self._live[token]  # never started: nothing will come back

    def _wanted(self, live: _Live) -> bool:
        if live.stale or self._closed:
            return False
        return live.owner is None or shiboken6.isValid(live.owner)

    @Slot(int, object, object)
    def _on_finished(self, token: int, result: object, error: object) -> None:
        live = self._live.pop(token, None)
        if live is None:
            return
        if live.key is not None and self._latest.get(live.key) == token:
            del self._latest[live.key]
        if not self._wanted(live):
            return
        if error is None:
            live.on_done(result)
            return
        assert isinstance(error, BaseException)
        if live.on_error is not None:
            live.on_error(error)
        else:
            log.error("background work failed", exc_info=error)

    @Slot(int, int, int, str)
    def _on_progress(self, token: int, done: int, total: int, text: str) -> None:
        live = self._live.get(token)
        if live is None:
            return
        live.progress = (done, total, text)
        if live.shown and live.on_progress is not None and self._wanted(live):
            live.on_progress(done, total, text)

    def _turn_slow(self, token: int) -> None:
        live = self._live.get(token)
        if live is None or live.on_progress is None or not self._wanted(live):
            return
        live.shown = True
        live.on_progress(*live.progress)
