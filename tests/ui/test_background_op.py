"""The background-operation helper: work off the GUI thread, typed results and errors back on it,
stale results dropped by token, LIFO order, progress only after ~600 ms, a shutdown that waits."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QObject

from sora_studio.core.errors import UserError
from sora_studio.ui.background_op import (
    SLOW_MS,
    BackgroundOps,
    OpContext,
    describe_error,
)


@pytest.fixture
def ops(qtbot) -> Iterator[BackgroundOps]:  # type: ignore[no-untyped-def]
    made = BackgroundOps(max_threads=1)
    yield made
    assert made.shutdown(5000)


def _blocker() -> tuple[threading.Event, threading.Event]:
    """(started, release): work that sets ``started`` and waits for ``release``."""
    return threading.Event(), threading.Event()


def test_the_work_runs_off_the_gui_thread_and_the_result_comes_back_on_it(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    gui = threading.get_ident()
    seen: list[tuple[int, int]] = []
    ops.submit(lambda _c: threading.get_ident(), lambda worker: seen.append((worker, gui)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    worker, _ = seen[0]
    assert worker != gui
    assert not ops.busy()


def test_an_error_goes_to_on_error_and_without_one_to_the_log(qtbot, ops, caplog) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def fail(_context: OpContext) -> int:
        raise UserError("The file is not a video.")

    ops.submit(fail, lambda _r: pytest.fail("no result"), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], UserError) and describe_error(errors[0]) == (
        "The file is not a video."
    )
    assert describe_error(ValueError("bad")) == "ValueError: bad"
    with caplog.at_level(logging.ERROR, logger="sora_studio.ui.background_op"):
        ops.submit(fail, lambda _r: None)
        qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert "background work failed" in caplog.text


def test_a_newer_request_with_the_same_key_makes_the_older_stale(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    started, release = _blocker()
    contexts: list[OpContext] = []

    def slow(context: OpContext) -> str:
        contexts.append(context)
        started.set()
        release.wait(5)
        return "old"

    results: list[str] = []
    ops.submit(slow, results.append, key="reference")
    assert started.wait(5)
    ops.submit(lambda _c: "new", results.append, key="reference")
    assert contexts[0].cancelled()  # told to stop: cancellation is cooperative
    release.set()
    qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert results == ["new"]


def test_stale_work_that_has_not_started_never_runs(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    started, release = _blocker()
    ran: list[str] = []
    ops.submit(lambda _c: (started.set(), release.wait(5)), lambda _r: None)
    assert started.wait(5)
    ops.submit(lambda _c: ran.append("first"), lambda _r: None, key="k")
    ops.submit(lambda _c: ran.append("cancelled"), lambda _r: None, key="other")
    ops.cancel("other")
    ops.submit(lambda _c: ran.append("second"), lambda _r: None, key="k")
    assert ops.busy("k") and not ops.busy("other")
    release.set()
    qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert ran == ["second"]


def test_lifo_serves_the_most_recent_request_first_and_promote_moves_one_up(qtbot) -> None:  # type: ignore[no-untyped-def]
    ops = BackgroundOps(max_threads=1, lifo=True)
    started, release = _blocker()
    order: list[int] = []
    ops.submit(lambda _c: (started.set(), release.wait(5)), lambda _r: None)
    assert started.wait(5)
    for n in range(5):
        ops.submit(lambda _c, n=n: n, order.append, key=n)
    assert ops.promote(1) and not ops.promote("absent")
    release.set()
    qtbot.waitUntil(lambda: len(order) == 5, timeout=5000)
    assert order == [1, 4, 3, 2, 0]
    assert ops.shutdown(5000)


def test_a_callback_whose_owner_is_gone_is_not_called(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    class Owner(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.got: list[int] = []

        def take(self, value: int) -> None:
            self.got.append(value)

    started, release = _blocker()
    owner = Owner()
    ops.submit(lambda _c: (started.set(), release.wait(5), 7)[2], owner.take)
    assert started.wait(5)
    got = owner.got
    # The C++ side goes first (a closed widget); the Python method would still be callable.
    import shiboken6

    shiboken6.delete(owner)
    release.set()
    qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert got == []


def test_progress_shows_only_after_600_ms_with_the_latest_report(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    shown: list[tuple[int, int, str]] = []
    ops.submit(
        lambda c: c.progress(1, 2, "quick"),
        lambda _r: None,
        on_progress=lambda *a: shown.append(a),
        progress_text="Working…",
    )
    qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert shown == []  # a quick op shows nothing, not even a flicker

    step, release = threading.Event(), threading.Event()

    def slow(context: OpContext) -> str:
        context.progress(1, 3, "first file")
        step.wait(5)
        context.progress(2, 3, "second file")
        release.wait(5)
        return "done"

    done: list[str] = []
    ops.submit(slow, done.append, on_progress=lambda *a: shown.append(a), progress_text="Busy…")
    qtbot.waitUntil(lambda: bool(shown), timeout=SLOW_MS + 2000)
    assert shown == [(1, 3, "first file")]
    step.set()
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert shown[-1] == (2, 3, "second file")
    release.set()
    qtbot.waitUntil(lambda: done == ["done"], timeout=5000)

    # No report at all: the busy indicator, with the op's own words.
    shown.clear()
    started, release = _blocker()
    ops.submit(
        lambda _c: (started.set(), release.wait(5)),
        lambda _r: None,
        on_progress=lambda *a: shown.append(a),
        progress_text="Testing…",
    )
    qtbot.waitUntil(lambda: bool(shown), timeout=SLOW_MS + 2000)
    assert shown == [(0, 0, "Testing…")]
    release.set()


def test_shutdown_cancels_waits_and_then_refuses_new_work(qtbot) -> None:  # type: ignore[no-untyped-def]
    ops = BackgroundOps(max_threads=1)
    ran: list[str] = []
    called: list[object] = []

    def cooperative(context: OpContext) -> str:
        ran.append("running")
        while not context.cancelled():
            threading.Event().wait(0.01)
        return "stopped"

    ops.submit(cooperative, called.append)
    qtbot.waitUntil(lambda: bool(ran), timeout=5000)
    ops.submit(lambda _c: ran.append("queued"), called.append)
    assert ops.shutdown(5000)  # the running one stopped when told; the queued one never ran
    assert ran == ["running"] and not ops.busy() and ops.closed
    ops.submit(lambda _c: ran.append("late"), called.append)
    QCoreApplication.processEvents()  # the queued deliveries arrive: none may be called back
    assert ran == ["running"] and called == []
