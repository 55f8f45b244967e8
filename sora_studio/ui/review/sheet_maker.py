"""Local spritesheets for clips whose own sheet is missing, unreadable or of an unknown layout.

:class:`SpritesheetMaker` is a QObject on the GUI thread; the work (decoding 25 frames from the
MP4 with ``services.previews.make_spritesheet``, in the documented ``core.spritesheet`` layout) runs
in its private ``QThreadPool``, one clip at a time, and the result arrives through a queued
signal. Sheets are written under ``<library>/.local-spritesheets/<job id>.jpg``: a derived cache
beside the library, never over a downloaded file, and reused by the next session.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from sora_studio.core.errors import UserError
from sora_studio.services.previews import make_spritesheet

LOCAL_SHEETS_FOLDER = ".local-spritesheets"


class _Relay(QObject):
    finished = Signal(int, str, str)  # job id, sheet path ("" on failure), error message


class _Make(QRunnable):
    def __init__(self, job_id: int, video: Path, out: Path, relay: _Relay) -> None:
        super().__init__()
        self._job_id, self._video, self._out, self._relay = job_id, video, out, relay

    def run(self) -> None:
        try:
            path = make_spritesheet(self._video, self._out)
        except (UserError, OSError) as exc:
            self._relay.finished.emit(self._job_id, "", str(exc))
            return
        except Exception as exc:  # a worker must report, never die silently
            self._relay.finished.emit(self._job_id, "", f"{type(exc).__name__}: {exc}")
            return
        self._relay.finished.emit(self._job_id, str(path), "")


class SpritesheetMaker(QObject):
    """Makes a clip's spritesheet from its MP4 off the GUI thread (GUI-thread object)."""

    made = Signal(int, str)  # job id, sheet path
    failed = Signal(int, str)  # job id, message

    def __init__(self, library_root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(library_root) / LOCAL_SHEETS_FOLDER
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._requested: set[int] = set()
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def path_for(self, job_id: int) -> Path:
        return self.folder / f"{job_id}.jpg"

    def existing(self, job_id: int) -> str | None:
        """A sheet made earlier (this session or a previous one), if there is one."""
        path = self.path_for(job_id)
        return str(path) if path.is_file() else None

    def is_requested(self, job_id: int) -> bool:
        return job_id in self._requested

    def request(self, job_id: int, video_path: str) -> bool:
        """Make the sheet for ``job_id`` unless it exists or is on its way; True if queued."""
        if job_id in self._requested:
            return False
        self._requested.add(job_id)
        existing = self.existing(job_id)
        if existing is not None:
            self.made.emit(job_id, existing)
            return False
        self._pool.start(_Make(job_id, Path(video_path), self.path_for(job_id), self._relay))
        return True

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self._pool.clear()
        return bool(self._pool.waitForDone(timeout_ms))

    @Slot(int, str, str)
    def _on_finished(self, job_id: int, path: str, error: str) -> None:
        if path:
            self.made.emit(job_id, path)
        else:
            self.failed.emit(job_id, error)
