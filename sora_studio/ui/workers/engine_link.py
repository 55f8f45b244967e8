"""The one seam between the desk's widgets and the job engine: typed calls, queued signals.

GUI thread. Everything the widgets ask of the engine (send an order, cancel, retry, delete,
reorder, pause, the clip operations, re-read the providers) is a method of :class:`EngineLink`
with real types; each emits the signal of the same purpose, and :meth:`EngineLink.connect_worker`
connects every signal to the :class:`~sora_studio.ui.workers.poll_worker.PollWorker` slot that
does it. The worker lives on the poll thread, so Qt delivers each call there as a queued call,
between two engine ticks. Until a worker is connected (the engine is still starting) the
signals go nowhere; the composition root says so to the person instead of calling.

A note turned into an edit, extension or remix travels with its note id (``-1``: none): the
engine records the link from the note to the job it creates in the same transaction, so the
link never depends on which widget is open when the job appears.

``PollWorker`` is imported for type checking only: importing it loads the engine and the
``openai`` SDK, which the desk does off the GUI thread once the window is up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from sora_studio.services.orders import RenderOrder

if TYPE_CHECKING:
    from sora_studio.ui.workers.poll_worker import PollWorker

NO_NOTE = -1


class EngineLink(QObject):
    """Typed calls from the widgets to the engine's worker (see the module docstring)."""

    submit_order = Signal(object)  # RenderOrder
    cancel_job = Signal(int)
    retry_job = Signal(int)
    delete_job = Signal(int, bool)  # job id, delete the provider's copy too
    reorder_job = Signal(int, int)  # job id, new position (0: next to send)
    regenerate_job = Signal(int)
    pause_queue = Signal()
    resume_queue = Signal()
    edit_job = Signal(int, str, int)  # job id, prompt, note id (NO_NOTE)
    remix_job = Signal(int, str, int)  # job id, prompt, note id (NO_NOTE)
    extend_job = Signal(int, str, int, int)  # job id, prompt, seconds, note id (NO_NOTE)
    promote_job = Signal(int, str)  # job id, size
    reload_providers = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: PollWorker | None = None

    @property
    def connected(self) -> bool:
        """True once a worker is connected (calls reach the engine)."""
        return self._worker is not None

    def connect_worker(self, worker: PollWorker) -> None:
        """Connect every call to its slot on ``worker`` (queued: it lives on the poll thread)."""
        self._worker = worker
        self.submit_order.connect(worker.submit)
        self.cancel_job.connect(worker.cancel)
        self.retry_job.connect(worker.retry)
        self.delete_job.connect(worker.delete)
        self.reorder_job.connect(worker.reorder)
        self.regenerate_job.connect(worker.regenerate)
        self.pause_queue.connect(worker.pause)
        self.resume_queue.connect(worker.resume)
        self.edit_job.connect(worker.edit)
        self.remix_job.connect(worker.remix)
        self.extend_job.connect(worker.extend)
        self.promote_job.connect(worker.promote)
        self.reload_providers.connect(worker.reload_providers)

    # --- the calls ------------------------------------------------------------------------

    def submit(self, order: RenderOrder) -> None:
        self.submit_order.emit(order)

    def cancel(self, job_id: int) -> None:
        self.cancel_job.emit(job_id)

    def retry(self, job_id: int) -> None:
        self.retry_job.emit(job_id)

    def delete(self, job_id: int, *, remote: bool) -> None:
        self.delete_job.emit(job_id, remote)

    def reorder(self, job_id: int, position: int) -> None:
        self.reorder_job.emit(job_id, position)

    def regenerate(self, job_id: int) -> None:
        self.regenerate_job.emit(job_id)

    def pause(self) -> None:
        self.pause_queue.emit()

    def resume(self) -> None:
        self.resume_queue.emit()

    def edit(self, job_id: int, prompt: str, note_id: int | None = None) -> None:
        self.edit_job.emit(job_id, prompt, NO_NOTE if note_id is None else note_id)

    def remix(self, job_id: int, prompt: str, note_id: int | None = None) -> None:
        self.remix_job.emit(job_id, prompt, NO_NOTE if note_id is None else note_id)

    def extend(self, job_id: int, prompt: str, seconds: int, note_id: int | None = None) -> None:
        self.extend_job.emit(job_id, prompt, seconds, NO_NOTE if note_id is None else note_id)

    def promote(self, job_id: int, size: str) -> None:
        self.promote_job.emit(job_id, size)

    def providers_changed(self) -> None:
        """Settings were saved: the engine drops its SDK clients and re-reads the profiles."""
        self.reload_providers.emit()
