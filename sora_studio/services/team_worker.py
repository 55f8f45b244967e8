"""The desk's team sync thread: exchange at start, then pull on every ``LISTEN/NOTIFY`` nudge.

A plain ``threading.Thread`` (no Qt), like the engine's loop: it opens its own connection to the
library (connections belong to the thread that opened them), exchanges
(:func:`sora_studio.services.team_sync.exchange`), then waits on the server's notifications with
a short timeout, so a teammate's push is pulled within a second and a stop request is felt
quickly. Every ``interval_s`` it exchanges anyway: this desk's own changes go up, and a
notification missed while reconnecting is made up for. :meth:`TeamSyncWorker.push_soon` (any
thread; the desk calls it once its writer has stored a verdict or a note) makes it push the
outbox at the next wake-up, so a verdict reaches the team within the listen timeout. Every
half second it also tells the team how this desk's renders in flight are doing
(:class:`~sora_studio.services.team_progress.ProgressPublisher`: rate-limited). A lost
server is reported through ``on_error`` (the message) and ``on_failure`` (the exception, so a
caller can tell an unreachable server from another problem) and retried every ``interval_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from sora_studio.api.provider import stored_secret
from sora_studio.services.team_progress import ProgressPublisher, Published
from sora_studio.services.team_sync import (
    ExchangeReport,
    exchange,
    open_server,
    require_identity,
    secret_name,
)
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg import TeamServer, listen

PROGRESS_LOOK_S = 0.5  # how often this desk's renders in flight are looked at


class TeamSyncWorker:
    """The sync thread of one library: exchange, then pull on every notification.

    Lives on its own ``threading.Thread`` with its own library connection. ``on_exchange`` is
    called on that thread after each exchange; ``on_error`` with the message when the server
    cannot be reached (the worker retries every ``interval_s``). Stop is cooperative: felt
    within ``listen_timeout_s`` (or the connect timeout, while a connection is being made).
    """

    def __init__(
        self,
        database: Path,
        *,
        on_exchange: Callable[[ExchangeReport], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        interval_s: float = 10.0,
        listen_timeout_s: float = 0.2,
    ) -> None:
        self._database = Path(database)
        self._on_exchange = on_exchange
        self._on_error = on_error
        self._on_failure = on_failure
        self._interval_s = interval_s
        self._listen_timeout_s = listen_timeout_s
        self._stop = threading.Event()
        self._push = threading.Event()
        self._progress = ProgressPublisher()
        self._thread = threading.Thread(target=self._run, name="team-sync", daemon=False)

    def start(self) -> None:
        self._thread.start()

    def push_soon(self) -> None:
        """Push the outbox at the next wake-up (any thread): local changes were recorded."""
        self._push.set()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Ask the thread to stop and wait; True when it has stopped."""
        self._stop.set()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        repo = Repository(open_db(self._database))
        try:
            while not self._stop.is_set():
                try:
                    self._session(repo)
                except Exception as exc:  # reported, then retried: the thread must not die
                    if self._on_error is not None:
                        self._on_error(str(exc))
                    if self._on_failure is not None:
                        self._on_failure(exc)
                    self._stop.wait(self._interval_s)
        finally:
            repo.close()

    def _session(self, repo: Repository) -> None:
        """One connected stretch: listen first (nothing missed), exchange, pull on each nudge."""
        url = require_identity(repo).url
        stream = listen(url, stored_secret(secret_name(url)), self._listen_timeout_s)
        try:
            next(stream)  # LISTEN is in place before the first pull
            server = open_server(url)
            try:
                self._exchange(repo, server, scan_clips=True)
                last_full = last_look = time.monotonic()
                while not self._stop.is_set():
                    nudged = next(stream)
                    told = Published(0, False)
                    if time.monotonic() - last_look >= PROGRESS_LOOK_S:
                        told = self._progress.publish(repo)  # this desk's renders, live
                        last_look = time.monotonic()
                    if told.finished or time.monotonic() - last_full >= self._interval_s:
                        self._exchange(repo, server, scan_clips=True)
                        last_full = time.monotonic()
                    elif nudged or told.recorded or self._push.is_set():
                        self._push.clear()  # a teammate pushed, or we recorded
                        self._exchange(repo, server, scan_clips=False)
            finally:
                server.close()
        finally:
            stream.close()

    def _exchange(self, repo: Repository, server: TeamServer, *, scan_clips: bool) -> None:
        report = exchange(repo, server, scan_clips=scan_clips)
        if self._on_exchange is not None:
            self._on_exchange(report)
