"""Which queue actions apply to a job, and the confirmation asked before deleting one.

Pure rules (``allowed_actions``) are kept apart from the dialog so tests can check them without
a window. The dialog is a plain ``QMessageBox`` built on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtWidgets import QMessageBox, QWidget

from sora_studio.core.models import Job, JobStatus


class QueueAction(StrEnum):
    CANCEL = "cancel"
    RETRY = "retry"
    DELETE = "delete"
    OPEN_FOLDER = "open_folder"
    COPY_ID = "copy_id"
    MOVE_UP = "move_up"
    MOVE_DOWN = "move_down"


_RETRYABLE = frozenset({JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED})


def allowed_actions(job: Job | None) -> frozenset[QueueAction]:
    """The actions that make sense for ``job`` in its current state."""
    if job is None:
        return frozenset()
    allowed = {QueueAction.COPY_ID}
    if not job.status.is_terminal:
        allowed.add(QueueAction.CANCEL)
    if job.status in _RETRYABLE:
        allowed.add(QueueAction.RETRY)
    if job.status.is_terminal or job.status is JobStatus.QUEUED_LOCAL:
        allowed.add(QueueAction.DELETE)
    if job.status is JobStatus.READY:
        allowed.add(QueueAction.OPEN_FOLDER)
    if job.status is JobStatus.QUEUED_LOCAL:
        allowed |= {QueueAction.MOVE_UP, QueueAction.MOVE_DOWN}
    return frozenset(allowed)


@dataclass(frozen=True, slots=True)
class DeleteChoice:
    """What the user confirmed: always the local copy, and the provider's copy when asked."""

    remote: bool


def ask_delete(parent: QWidget | None, job: Job) -> DeleteChoice | None:
    """Ask before deleting; None means the user changed their mind."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete render")
    short = job.prompt if len(job.prompt) <= 120 else job.prompt[:119] + "…"
    box.setText(f"Delete render #{job.id}?")
    box.setInformativeText(
        f"“{short}”\n\nThe files in the library and the queue entry are removed. "
        + (
            "The provider still keeps its copy until you delete it there too."
            if job.remote_id
            else "It was never sent to the provider."
        )
    )
    everywhere = None
    if job.remote_id:
        everywhere = box.addButton(
            "Delete here and at provider", QMessageBox.ButtonRole.DestructiveRole
        )
    local = box.addButton("Delete here only", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    if everywhere is not None and clicked is everywhere:
        return DeleteChoice(remote=True)
    if clicked is local:
        return DeleteChoice(remote=False)
    return None
