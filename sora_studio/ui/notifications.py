"""Telling people a render finished or failed while they were looking elsewhere.

When the main window is not the active window, :class:`Notifier` shows a desktop notification
through ``QSystemTrayIcon.showMessage`` where a system tray exists, otherwise an in-window toast
(visible when the user comes back). When the window is active the queue already shows the change,
so nothing pops up. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSystemTrayIcon, QWidget

from sora_studio.core.models import Job, JobStatus
from sora_studio.ui.icons import app_icon

TOAST_MS = 6000
_NOTIFY_STATUSES = frozenset({JobStatus.READY, JobStatus.FAILED, JobStatus.BLOCKED})


def notification_text(job: Job) -> tuple[str, str] | None:
    """(title, body) for a job that deserves a notification, else None."""
    if job.status not in _NOTIFY_STATUSES:
        return None
    prompt = job.prompt if len(job.prompt) <= 80 else job.prompt[:79] + "…"
    if job.status is JobStatus.READY:
        return f"Render #{job.id} is ready", prompt
    what = "blocked by content policy" if job.status is JobStatus.BLOCKED else "failed"
    reason = job.error_message or "see the render queue for details"
    return f"Render #{job.id} {what}", f"{prompt}\n{reason}"


class Toast(QLabel):
    """A rounded message at the bottom-right of its parent that disappears on its own."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setMaximumWidth(380)
        self.setStyleSheet(
            "background: rgba(30,30,36,235); color: white; border-radius: 8px; padding: 10px 14px;"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, title: str, body: str, ms: int = TOAST_MS) -> None:
        self.setText(f"<b>{title}</b><br>{body.replace(chr(10), '<br>')}")
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            self.move(parent.width() - self.width() - 16, parent.height() - self.height() - 36)
        self.raise_()
        self.show()
        self._timer.start(ms)


class Notifier(QObject):
    """Decides whether and how to tell the user about a finished job."""

    def __init__(self, window: QWidget, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self._window = window
        self.toast = Toast(window)
        available = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self._tray: QSystemTrayIcon | None = None
        if available:
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip("Sora Studio")
        self.sent: list[tuple[str, str]] = []  # what was shown, newest last (for the status log)

    @property
    def uses_tray(self) -> bool:
        return self._tray is not None

    def job_changed(self, job: Job, previous: JobStatus | None) -> bool:
        """Notify if ``job`` just reached ready/failed/blocked and the window is not focused."""
        if previous is job.status or self._window.isActiveWindow():
            return False
        text = notification_text(job)
        if text is None:
            return False
        title, body = text
        self.sent.append(text)
        if self._tray is not None:
            self._tray.show()
            icon = (
                QSystemTrayIcon.MessageIcon.Information
                if job.status is JobStatus.READY
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self._tray.showMessage(title, body, icon, TOAST_MS)
        else:
            self.toast.show_message(title, body)
        return True
