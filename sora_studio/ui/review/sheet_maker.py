"""Local spritesheets for clips whose own sheet is missing, unreadable or of an unknown layout.

:class:`SpritesheetMaker` is a QObject on the GUI thread; the work (decoding 25 frames from the
MP4 with ``services.previews.make_spritesheet``, in the documented ``core.spritesheet`` layout)
runs through a :class:`~sora_studio.ui.background_op.BackgroundOps` of its own, one clip at a
time, and the result comes back on the GUI thread. Sheets are written under
``<library>/.local-spritesheets/<job id>.jpg``: a derived cache beside the library, never over a
downloaded file, and reused by the next session.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from sora_studio.services.previews import make_spritesheet
from sora_studio.ui.background_op import BackgroundOps, describe_error

LOCAL_SHEETS_FOLDER = ".local-spritesheets"


class SpritesheetMaker(QObject):
    """Makes a clip's spritesheet from its MP4 off the GUI thread (GUI-thread object)."""

    made = Signal(int, str)  # job id, sheet path
    failed = Signal(int, str)  # job id, message

    def __init__(self, library_root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(library_root) / LOCAL_SHEETS_FOLDER
        # One at a time: each decodes a whole MP4, and the grid's decoders need the cores too.
        self._ops = BackgroundOps(self, max_threads=1)
        self._requested: set[int] = set()

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
        video, out = Path(video_path), self.path_for(job_id)
        self._ops.submit(
            lambda _context: str(make_spritesheet(video, out)),
            partial(self.made.emit, job_id),
            on_error=partial(self._on_failed, job_id),
            key=job_id,
            owner=self,
        )
        return True

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        return self._ops.shutdown(timeout_ms)

    def _on_failed(self, job_id: int, error: BaseException) -> None:
        self.failed.emit(job_id, describe_error(error))
