"""The PollWorker on its own QThread: queued submits, job updates, refusals, and a clean stop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThread, Signal
from pytestqt.qtbot import QtBot

from sora_studio.core.models import Job, JobStatus
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.engine import JobEngine
from sora_studio.services.orders import RenderOrder
from sora_studio.ui.workers.poll_worker import PollWorker, start_poll_thread, stop_poll_thread
from tests.services.conftest import make_engine

ORDER = RenderOrder(
    prompt="a paper boat drifting across a calm pond at dawn",
    model="sora-2",
    size="1280x720",
    seconds=4,
    provider="emulator",
)


class Gui(QObject):
    """Stands in for the desk: its signals reach the worker as queued calls."""

    submit = Signal(object)
    cancel = Signal(int)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    server = EmulatorServer(tmp_path / "emulator", EmulatorSettings(poll_after_ms=50))
    server.start()
    yield server
    server.stop()


def test_worker_runs_a_job_to_ready_on_its_own_thread(
    qtbot: QtBot, tmp_path: Path, emulator: EmulatorServer
) -> None:
    built_on: list[QThread] = []

    def factory() -> JobEngine:
        built_on.append(QThread.currentThread())
        return make_engine(tmp_path / "studio", emulator.base_url)[1]

    thread, worker = start_poll_thread(factory)
    gui = Gui()
    gui.submit.connect(worker.submit)
    gui.cancel.connect(worker.cancel)
    try:
        with qtbot.waitSignal(worker.jobs_submitted, timeout=5000) as submitted:
            gui.submit.emit(ORDER)
        [job] = submitted.args[0]
        assert isinstance(job, Job) and job.status is JobStatus.QUEUED_LOCAL

        def ready(updated: Job) -> bool:
            return updated.id == job.id and updated.status is JobStatus.READY

        with qtbot.waitSignal(worker.job_updated, timeout=20000, check_params_cb=ready):
            pass
        assert built_on == [thread]
        assert QThread.currentThread() is not thread

        with qtbot.waitSignal(worker.submit_failed, timeout=5000) as refused:
            gui.submit.emit(replace(ORDER, size="640x480"))
        assert "size" in refused.args[0]

        with qtbot.waitSignal(worker.action_failed, timeout=5000) as cancel_refused:
            gui.cancel.emit(job.id)  # a ready job cannot be cancelled
        assert "only queued or rendering" in cancel_refused.args[0]
    finally:
        with qtbot.waitSignal(worker.stopped, timeout=10000):
            assert stop_poll_thread(thread, worker, 10000)
    assert thread.isFinished()


def test_ready_comes_once_the_providers_clients_are_built_and_before_any_tick(
    qtbot: QtBot, tmp_path: Path, emulator: EmulatorServer
) -> None:
    registries: list[object] = []

    def factory() -> JobEngine:
        engine = make_engine(tmp_path / "studio", emulator.base_url)[1]
        registries.append(engine.registry)
        return engine

    order: list[str] = []
    warm_at_ready: list[bool] = []

    def wire(worker: PollWorker) -> None:
        # Connected before the thread starts (start_poll_thread's hook), so nothing is missed.
        def on_ready() -> None:
            order.append("ready")
            registry = registries[0]
            warm_at_ready.append(bool(registry._clients))  # type: ignore[attr-defined]

        worker.ready.connect(on_ready)
        worker.poll_report.connect(lambda _report: order.append("tick"))

    thread, worker = start_poll_thread(factory, before_start=wire)
    try:
        qtbot.waitUntil(lambda: "tick" in order, timeout=10_000)
        assert order[0] == "ready"
        assert warm_at_ready == [True]  # the SDK clients existed before anyone could submit
    finally:
        with qtbot.waitSignal(worker.stopped, timeout=10000):
            assert stop_poll_thread(thread, worker, 10000)


def test_an_engine_that_cannot_be_built_reports_why(qtbot: QtBot) -> None:
    def factory() -> JobEngine:
        raise OSError("the library folder is read-only")

    failures: list[str] = []
    thread, worker = start_poll_thread(
        factory, before_start=lambda w: w.start_failed.connect(failures.append)
    )
    try:
        qtbot.waitUntil(lambda: bool(failures), timeout=5000)
        assert "read-only" in failures[0] and "could not start" in failures[0]
    finally:
        with qtbot.waitSignal(worker.stopped, timeout=10000):
            assert stop_poll_thread(thread, worker, 10000)
