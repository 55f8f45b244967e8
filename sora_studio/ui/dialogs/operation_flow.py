"""From a clip action (or a note turned into work) to a dialog, and from its answer to the engine.

GUI thread. The review panel asks for ``edit``/``extend``/``remix``/``promote``/``regenerate``/
``delete`` on a clip, or for an edit/extend/remix from a note; :class:`OperationFlow` reads the
clip through the GUI's read-only view, opens the matching dialog from
:mod:`~sora_studio.ui.dialogs.operation_dialog`, and on OK sends the request through the desk's
one seam to the engine (:class:`~sora_studio.ui.workers.engine_link.EngineLink`), the note id
included, so the engine links the note to the job it makes. Before any dialog it asks
:func:`~sora_studio.ui.dialogs.clip_checks.clip_refusal` whether the clip's provider and model
can do it at all, and says why not in ``message`` (the status bar) instead. ``ask`` runs a
dialog and says whether it was accepted; tests pass one that fills the dialog in and accepts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from sora_studio.core.catalog import Catalog
from sora_studio.core.models import Job, Operation
from sora_studio.services.provider_settings import ProviderProfile
from sora_studio.ui.dialogs.clip_checks import clip_refusal
from sora_studio.ui.dialogs.operation_dialog import (
    ConfirmDialog,
    OperationRequest,
    PromoteDialog,
    PromptOperationDialog,
)
from sora_studio.ui.workers.engine_link import EngineLink

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


OperationDialog = PromptOperationDialog | PromoteDialog | ConfirmDialog


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
    """Dialogs for clip operations; sends what was asked to the engine (GUI thread)."""

    requested = Signal(object)  # every accepted OperationRequest, for the status bar and tests
    declined = Signal(str, int, int)  # kind, job id, note id (-1 without a note)
    message = Signal(str)

    def __init__(
        self,
        engine: EngineLink,
        reader: JobReader,
        catalog_for: Callable[[str], Catalog],
        parent_widget: QWidget,
        *,
        ask: Callable[[QDialog], bool] = _exec,
        profile_for: Callable[[str], ProviderProfile | None] | None = None,
    ) -> None:
        super().__init__(parent_widget)
        self._engine = engine
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

    def _dialog(self, kind: str, job: Job, text: str, note_id: int | None) -> OperationDialog:
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
            request = dialog.request() if accepted else None
        finally:
            dialog.deleteLater()
        if request is None:
            self.declined.emit(kind, job_id, -1 if note_id is None else note_id)
            return False
        self.send(request)
        return True

    def send(self, request: OperationRequest) -> None:
        """Send ``request`` to the engine (a note's id travels with an edit, extend or remix)."""
        engine, job_id, note_id = self._engine, request.job_id, request.note_id
        if request.kind == "edit":
            engine.edit(job_id, request.prompt, note_id)
        elif request.kind == "remix":
            engine.remix(job_id, request.prompt, note_id)
        elif request.kind == "extend":
            engine.extend(job_id, request.prompt, request.seconds, note_id)
        elif request.kind == "promote":
            engine.promote(job_id, request.size)
        elif request.kind == "regenerate":
            engine.regenerate(job_id)
        elif request.kind == "delete":
            engine.delete(job_id, remote=request.remote)
        else:
            raise ValueError(f"unknown clip operation {request.kind!r}")
        self.requested.emit(request)
        self.message.emit(_SENT[request.kind].format(id=request.job_id))
