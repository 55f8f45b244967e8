"""UI test set-up: a QApplication, muted modal dialogs, and no QThread left running.

Modal dialogs would block a headless run forever, so every QMessageBox static call, QDialog.exec,
QInputDialog and QFileDialog is replaced by a recorder; tests read ``dialogs`` to check what the
user would have been asked, and may set answers on it.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QThread, QThreadPool
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from sora_studio.core.models import ErrorClass, Job, JobStatus
from tests import job_factory

NOW = 1_767_268_800.0


@dataclass
class DialogRecorder:
    """What modal dialogs were shown, and the answers tests want them to give."""

    shown: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    text_answer: tuple[str, bool] = ("", False)
    open_file_answer: str = ""
    question_answer: QMessageBox.StandardButton = QMessageBox.StandardButton.No

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.shown]


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogRecorder:
    recorder = DialogRecorder()

    def box(kind: str, result: Any) -> Any:
        def show(_parent: Any, title: str, text: str = "", *args: Any, **kwargs: Any) -> Any:
            recorder.shown.append((kind, f"{title}: {text}"))
            return result() if callable(result) else result

        return staticmethod(show)

    ok = QMessageBox.StandardButton.Ok
    monkeypatch.setattr(QMessageBox, "warning", box("warning", ok))
    monkeypatch.setattr(QMessageBox, "critical", box("critical", ok))
    monkeypatch.setattr(QMessageBox, "information", box("information", ok))
    monkeypatch.setattr(QMessageBox, "about", box("about", None))
    monkeypatch.setattr(QMessageBox, "question", box("question", lambda: recorder.question_answer))

    def message_exec(self: QMessageBox) -> int:
        recorder.shown.append(("messagebox", self.text()))
        return int(QMessageBox.StandardButton.Cancel)

    def dialog_exec(self: QDialog) -> int:
        recorder.shown.append(("dialog", self.windowTitle()))
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(QMessageBox, "exec", message_exec)
    monkeypatch.setattr(QDialog, "exec", dialog_exec)

    def get_text(_parent: Any, title: str, label: str, *args: Any, **kwargs: Any) -> Any:
        recorder.shown.append(("input", f"{title}: {label}"))
        return recorder.text_answer

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))

    def open_file(_parent: Any = None, caption: str = "", *args: Any, **kwargs: Any) -> Any:
        recorder.shown.append(("open_file", caption))
        return recorder.open_file_answer, ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_file))
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: recorder.open_file_answer)
    )
    return recorder


def _collect_on_gui_thread() -> None:
    """Destroy released Qt objects now, on the GUI thread.

    Left to a later garbage collection they may be destroyed on whatever thread triggers it
    (a pool thread importing a big package, say), and Qt crashes on timers stopped from the
    wrong thread.
    """
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _no_running_qthreads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a QThread running or the global thread pool busy."""
    _collect_on_gui_thread()  # what the previous test's pytest-qt teardown let go of
    started: list[weakref.ref[QThread]] = []
    original = QThread.start

    def tracking_start(self: QThread, *args: Any) -> None:
        started.append(weakref.ref(self))
        original(self, *args)

    monkeypatch.setattr(QThread, "start", tracking_start)
    yield
    _collect_on_gui_thread()
    running = []
    for ref in started:
        thread = ref()
        try:
            if thread is not None and thread.isRunning():
                running.append(thread.objectName() or repr(thread))
        except RuntimeError:  # the C++ object is already gone: not running
            continue
    assert not running, f"test left QThreads running: {running}"
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(5000), "the global QThreadPool still has work running"


# --- job values in every state (no database needed) ------------------------------------------


def make_job(job_id: int, status: JobStatus = JobStatus.QUEUED_LOCAL, **changes: object) -> Job:
    """``tests.job_factory.make_job`` as the queue shows it: an 8 s shot, queued in id order."""
    values: dict[str, object] = {
        "fingerprint": f"fp{job_id}",
        "prompt": f"Shot {job_id}: a paper boat drifting down a rain-soaked street at dusk",
        "seconds": 8,
        "estimate_cents": Decimal(80),
        "queue_position": job_id,
        "created_at": NOW + job_id,
        "updated_at": NOW + job_id,
    }
    return job_factory.make_job(job_id, status, **{**values, **changes})


def mixed_jobs() -> list[Job]:
    """One job in each state a queue shows, with plausible times, costs and errors."""
    return [
        make_job(
            1,
            JobStatus.READY,
            remote_id="video_1",
            progress=100,
            cost_cents=Decimal(80),
            submitted_at=NOW + 2,
            completed_at=NOW + 60,
        ),
        make_job(2, JobStatus.IN_PROGRESS, remote_id="video_2", progress=42, submitted_at=NOW + 5),
        make_job(3, JobStatus.DOWNLOADING, remote_id="video_3", progress=80, submitted_at=NOW + 6),
        make_job(4, JobStatus.QUEUED_LOCAL, queue_position=11),
        make_job(5, JobStatus.QUEUED_LOCAL, queue_position=10),
        make_job(
            6,
            JobStatus.FAILED,
            remote_id="video_6",
            error_class=ErrorClass.TRANSIENT,
            error_message="The provider had a server error; retry in a minute.",
            submitted_at=NOW + 7,
            completed_at=NOW + 20,
        ),
        make_job(
            7,
            JobStatus.BLOCKED,
            remote_id="video_7",
            error_class=ErrorClass.POLICY_BLOCKED,
            error_message="Refused by content policy: remove the real person's name.",
            submitted_at=NOW + 8,
            completed_at=NOW + 9,
        ),
        make_job(
            8,
            JobStatus.RATE_LIMITED,
            error_class=ErrorClass.RATE_LIMITED,
            error_message="Rate limited; trying again in 12 s.",
            submitted_at=NOW + 9,
        ),
        make_job(9, JobStatus.CANCELLED, completed_at=NOW + 30),
        make_job(
            10,
            JobStatus.QUEUED,
            remote_id="video_10",
            submitted_at=NOW + 10,
            model="sora-2-pro",
            size="1920x1080",
            seconds=12,
            estimate_cents=Decimal(840),
            use_batch=True,
        ),
    ]


class JobFactory:
    """Handed to tests as the ``jobs`` fixture."""

    NOW = NOW
    make = staticmethod(make_job)
    mixed = staticmethod(mixed_jobs)


@pytest.fixture
def jobs() -> type[JobFactory]:
    return JobFactory
