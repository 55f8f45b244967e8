"""One-shot work off the GUI thread for the builder (reading an image, fitting it, moderation).

``BackgroundCalls`` owns a small ``QThreadPool``. ``call(fn, on_done)`` runs ``fn()`` on the pool
and delivers ``on_done(result, error)`` on the GUI thread through a queued signal. ``fn`` must
capture plain values, never a widget: the task is released on the pool thread, and a Qt object
whose last reference goes there would be destroyed on the wrong thread. Every call gets
a token per ``channel``; a newer call on the same channel makes older results stale, and stale
results are dropped, so a slow read of an image the user already replaced never wins.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Done = Callable[[Any, BaseException | None], None]


class _Relay(QObject):
    finished = Signal(str, int, object, object)  # channel, token, result, error


class _Task(QRunnable):
    def __init__(self, relay: _Relay, channel: str, token: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._relay = relay
        self._channel = channel
        self._token = token
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:
            self._relay.finished.emit(self._channel, self._token, None, exc)
            return
        self._relay.finished.emit(self._channel, self._token, result, None)


class BackgroundCalls(QObject):
    """Runs callables on a private pool; results come back on the GUI thread. GUI-thread object."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._counter = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._callbacks: dict[tuple[str, int], Done] = {}

    def call(self, channel: str, fn: Callable[[], Any], on_done: Done) -> int:
        token = next(self._counter)
        self._latest[channel] = token
        self._callbacks[(channel, token)] = on_done
        self.pool.start(_Task(self._relay, channel, token, fn))
        return token

    def cancel(self, channel: str) -> None:
        """Make any call in flight on ``channel`` stale."""
        self._latest[channel] = next(self._counter)

    def busy(self, channel: str) -> bool:
        return any(c == channel for c, _ in self._callbacks)

    def _on_finished(self, channel: str, token: int, result: Any, error: Any) -> None:
        callback = self._callbacks.pop((channel, token), None)
        if callback is None or self._latest.get(channel) != token:
            return
        callback(result, error)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the pool is idle (shutdown and tests only)."""
        return bool(self.pool.waitForDone(timeout_ms))
