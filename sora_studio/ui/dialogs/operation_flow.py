"""From a clip action (or a note turned into work) to a dialog, and from its answer to the engine.

GUI thread. The review panel asks for ``edit``/``extend``/``remix``/``promote``/``regenerate``/
``delete`` on a clip, or for an edit/extend/remix from a note; :class:`OperationFlow` reads the
clip through the GUI's read-only repository, opens the matching dialog from
:mod:`~sora_studio.ui.dialogs.operation_dialog`, and on OK emits the signal that the composition
root connects to the PollWorker's slot of the same name (queued, since the worker lives on its
own thread). Before any dialog it asks :func:`~sora_studio.ui.dialogs.clip_checks.clip_refusal`
whether the clip's provider and model can do it at all, and says why not in ``message`` (the
status bar) instead. ``ask`` runs a dialog and says whether it was accepted; tests pass one that
fills the dialog in and accepts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from sora_studio.api.provider import ProviderProfile
from sora_studio.core.catalog import Catalog
from sora_studio.core.models import Job, Operation
from sora_studio.ui.dialogs.clip_checks import clip_refusal
from sora_studio.ui.dialogs.operation_dialog import (
    ConfirmDialog,
    OperationRequest,
    PromoteDialog,
    PromptOperationDialog,
)

MAX_CHAIN = 64  # lineage walks stop here even if a parent loop slipped into the data
_SENT = {
    "edit": "Edit of #{id} queued",
    "remix": "Remix of #{id} queued",
    "extend": "Extension of #{id} queued",
    "promote": "Promotion of #{id} queued",
    "regenerate": "New take of #{id} queued",
    "delete": "Deleting #{id}…",
}


class JobReader(Protocol):
    def get_job(self, job_id: int) -> Job | None: ...


def _exec(dialog: QDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


def extensions_done(reader: JobReader, job: Job) -> int:
    """How many extensions made ``job`` (0 for a clip that is not an extension)."""
    count = 0
    current: Job | None = job
    while current is not None and current.operation is Operation.EXTEND and count < MAX_CHAIN:
        count += 1
        current = reader.get_job(current.parent_id) if current.parent_id is not None else None
    return count


class OperationFlow(QObject):
    """Dialogs for clip operations; emits what to send to the engine (GUI thread)."""

    edit = Signal(int, str)
    remix = Signal(int, str)
    extend = Signal(int, str, int)
    promote = Signal(int, str)
    regenerate = Signal(int)
    delete = Signal(int, bool)
    requested = Signal(object)  # every accepted OperationRequest, for the status bar and tests
    declined = Signal(str, int, int)  # kind, job id, note id (-1 without a note)
    message = Signal(str)

    def __init__(
        self,
        reader: JobReader,
        catalog_for: Callable[[str], Catalog],
        parent_widget: QWidget,
        *,
        ask: Callable[[QDialog], bool] = _exec,
        profile_for: Callable[[str], ProviderProfile | None] | None = None,
    ) -> None:
        super().__init__(parent_widget)
        self._reader = reader
        self._catalog_for = catalog_for
        self._profile_for = profile_for
        self._parent = parent_widget
        self.ask = ask

    def on_action(self, kind: str, job_id: int) -> bool:
        """A clip action from the review panel; True when the person confirmed it."""
        return self._run(kind, job_id, "", None)

    def on_note_action(self, kind: str, job_id: int, text: str, note_id: int) -> bool:
        """A note turned into an edit, extension or remix, pre-filled with the note's text."""
        return self._run(kind, job_id, text, note_id)

    def _dialog(self, kind: str, job: Job, text: str, note_id: int | None) -> QDialog:
        catalog = self._catalog_for(job.provider)
        if kind in ("edit", "remix", "extend"):
            return PromptOperationDialog(
                kind,
                job,
                catalog,
                text=text,
                extensions_done=extensions_done(self._reader, job),
                note_id=note_id,
                parent=self._parent,
            )
        if kind == "promote":
            return PromoteDialog(job, catalog, self._parent)
        if kind in ("regenerate", "delete"):
            return ConfirmDialog(kind, job, catalog, self._parent)
        raise ValueError(f"unknown clip operation {kind!r}")

    def _run(self, kind: str, job_id: int, text: str, note_id: int | None) -> bool:
        job = self._reader.get_job(job_id)
        if job is None:
            self.message.emit(f"Clip #{job_id} no longer exists.")
            self.declined.emit(kind, job_id, -1 if note_id is None else note_id)
            return False
        profile = self._profile_for(job.provider) if self._profile_for else None
        why = clip_refusal(kind, job, profile, self._catalog_for(job.provider))
        if why:
            self.message.emit(why)
            self.declined.emit(kind, job_id, -1 if note_id is None else note_id)
            return False
        dialog = self._dialog(kind, job, text, note_id)
        try:
            accepted = self.ask(dialog)
            request = dialog.request() if accepted else None  # type: ignore[attr-defined]
        finally:
            dialog.deleteLater()
        if request is None:
            self.declined.emit(kind, job_id, -1 if note_id is None else note_id)
            return False
        self.send(request)
        return True

    def send(self, request: OperationRequest) -> None:
        """Emit the engine-bound signal for ``request``."""
        if request.kind == "edit":
            self.edit.emit(request.job_id, request.prompt)
        elif request.kind == "remix":
            self.remix.emit(request.job_id, request.prompt)
        elif request.kind == "extend":
            self.extend.emit(request.job_id, request.prompt, request.seconds)
        elif request.kind == "promote":
            self.promote.emit(request.job_id, request.size)
        elif request.kind == "regenerate":
            self.regenerate.emit(request.job_id)
        elif request.kind == "delete":
            self.delete.emit(request.job_id, request.remote)
        else:
            raise ValueError(f"unknown clip operation {request.kind!r}")
        self.requested.emit(request)
        self.message.emit(_SENT[request.kind].format(id=request.job_id))

    def connect_worker(self, worker: QObject) -> None:
        """Connect each signal to the PollWorker slot of the same name (queued across threads)."""
        self.edit.connect(worker.edit)  # type: ignore[attr-defined]
        self.remix.connect(worker.remix)  # type: ignore[attr-defined]
        self.extend.connect(worker.extend)  # type: ignore[attr-defined]
        self.promote.connect(worker.promote)  # type: ignore[attr-defined]
        self.regenerate.connect(worker.regenerate)  # type: ignore[attr-defined]
        self.delete.connect(worker.delete)  # type: ignore[attr-defined]
