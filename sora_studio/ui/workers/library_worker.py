"""One-shot library work (import, exports) on a QThreadPool, each task with its own connection.

Thread: a :class:`LibraryTask` runs on a pool thread. sqlite connections belong to the thread
that opened them, so the task opens its own ``LibraryTasks`` there (through the factory it is
given: ``services.library_tasks``), uses it, and closes it before it reports. Its
:class:`TaskSignals` object is made on the GUI thread, so what it emits from the pool thread
reaches GUI-thread slots as queued calls. Results are frozen dataclasses or plain values;
nothing Qt-visual is built off the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from sora_studio.core.errors import UserError
from sora_studio.services.library_tasks import LibraryTasks

log = logging.getLogger(__name__)

# done, total, what is being worked on now
Progress = Callable[[int, int, str], None]
Work = Callable[[LibraryTasks, Progress], Any]


class TaskSignals(QObject):
    """What a task reports (made on the GUI thread; emitted from the pool thread)."""

    progress = Signal(int, int, str)
    finished = Signal(object)  # the work's result
    failed = Signal(str)  # what went wrong and what to do


class LibraryTask(QRunnable):
    """Runs ``work(tasks, progress)`` on a pool thread with a connection of its own."""

    def __init__(self, open_tasks: Callable[[], LibraryTasks], work: Work) -> None:
        super().__init__()
        self.signals = TaskSignals()
        self._factory = open_tasks
        self._work = work

    def run(self) -> None:
        try:
            tasks = self._factory()
        except Exception as exc:  # the library cannot be opened: nothing else to do
            log.exception("could not open the library for a background task")
            self.signals.failed.emit(f"Could not open the library: {exc}")
            return
        try:
            result = self._work(tasks, self.signals.progress.emit)
        except UserError as exc:
            self.signals.failed.emit(str(exc))
            return
        except OSError as exc:
            self.signals.failed.emit(
                f"{exc.strerror or exc} ({exc.filename or 'file'}). Check that the folder "
                "exists, is writable and has free space, then try again."
            )
            return
        except Exception as exc:  # a bug must not vanish silently on a pool thread
            log.exception("background library task failed")
            self.signals.failed.emit(f"Something went wrong: {exc}. The details are in the log.")
            return
        finally:
            tasks.close()
        self.signals.finished.emit(result)
