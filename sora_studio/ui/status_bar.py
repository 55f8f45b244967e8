"""The status bar: active provider and its health, spend against budget, jobs in flight, and
the review session's summary (clips decided, seconds per clip, approved share) once a verdict
is given, and the team library's connection when the library has one.

GUI thread only; it is fed by the main window from PollWorker signals and read-only queries,
and by the library actions (import/export progress, and an "Open folder" button once an export
has written its files).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from sora_studio.core.pricing import format_cents
from sora_studio.ui.icons import make_icon
from sora_studio.ui.theme import (
    ERROR,
    SUCCESS,
    palette_is_dark,
    problem_color,
    warning_text_color,
)

WORK_LABEL_MAX_WIDTH = 420


def _elided(label: QLabel, text: str) -> str:
    metrics = label.fontMetrics()
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, WORK_LABEL_MAX_WIDTH - 12)


class StudioStatusBar(QStatusBar):
    """Three permanent fields on the right; transient messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Library work (import/export): a label and a bar, shown only while something runs.
        self.work_label = QLabel()
        self.work_bar = QProgressBar()
        self.work_bar.setMaximumWidth(160)
        self.work_bar.setMaximumHeight(14)
        self.work_bar.setTextVisible(False)
        # After an export: one click to the folder it wrote to.
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setFlat(True)
        self.open_folder_button.setIcon(make_icon("folder"))
        self.open_folder_button.clicked.connect(self.open_result_folder)
        self.result_folder: Path | None = None
        self.work_label.setMaximumWidth(WORK_LABEL_MAX_WIDTH)
        # Permanent (right-hand) widgets: transient messages on the left never draw over them.
        for widget in (self.work_label, self.work_bar, self.open_folder_button):
            self.addPermanentWidget(widget)
            widget.hide()
        self.session_label = QLabel()  # the review session; hidden until the first verdict
        self.session_label.setContentsMargins(8, 0, 8, 0)
        self.session_label.setToolTip("Verdicts given since the desk opened")
        self.addPermanentWidget(self.session_label)
        self.session_label.hide()
        self.team_label = QLabel()  # the team library (issue 13); hidden when not connected
        self.team_label.setContentsMargins(8, 0, 8, 0)
        self.addPermanentWidget(self.team_label)
        self.team_label.hide()
        self.provider_label = QLabel()
        self.spend_label = QLabel()
        self.jobs_label = QLabel()
        self.work_label.setContentsMargins(8, 0, 4, 0)
        for label in (self.jobs_label, self.spend_label, self.provider_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(label)
        self.set_provider("emulator", None, "connecting…")
        self.set_spend(Decimal(0), None)
        self.set_in_flight(0)

    def set_provider(self, name: str, healthy: bool | None, detail: str = "") -> None:
        """``healthy`` None means not known yet (grey dot)."""
        color = "#8a8d94" if healthy is None else (SUCCESS if healthy else ERROR)
        state = "checking" if healthy is None else ("connected" if healthy else "unreachable")
        self.provider_label.setText(f'<span style="color:{color}">●</span> {name}: {state}')
        self.provider_label.setToolTip(detail or state)

    def set_spend(self, spent_cents: Decimal, cap_cents: Decimal | None) -> None:
        if cap_cents is None:
            self.spend_label.setText(f"Spend {format_cents(spent_cents)} (no budget cap)")
            self.spend_label.setToolTip("Set a budget cap in Settings to refuse renders past it.")
            return
        left = cap_cents - spent_cents
        dark = palette_is_dark()
        if left <= 0:
            color = problem_color(dark)
        elif left < cap_cents / 10:
            color = warning_text_color(dark)
        else:
            color = ""
        text = f"Spend {format_cents(spent_cents)} of {format_cents(cap_cents)}"
        self.spend_label.setText(f'<span style="color:{color}">{text}</span>' if color else text)
        self.spend_label.setToolTip(
            f"{format_cents(max(left, Decimal(0)))} of the budget left. Blocked and failed "
            "renders are not counted."
        )

    def set_session(self, text: str) -> None:
        """The review session's summary ("" hides it)."""
        self.session_label.setText(text)
        self.session_label.setVisible(bool(text))

    def set_team(self, text: str, tooltip: str = "", healthy: bool | None = None) -> None:
        """The team library's state ("Team: connected as Alice"; "" hides it), with a dot:
        green connected, amber offline or starting (``healthy`` None), red when it stopped."""
        color = "#d9912b" if healthy is None else (SUCCESS if healthy else ERROR)
        self.team_label.setText(f'<span style="color:{color}">●</span> {escape(text)}')
        self.team_label.setToolTip(tooltip)
        self.team_label.setVisible(bool(text))

    def set_in_flight(self, count: int) -> None:
        text = "No renders in flight" if count == 0 else f"{count} in flight"
        if text != self.jobs_label.text():
            self.jobs_label.setText(text)

    # --- library work -----------------------------------------------------------------------

    def show_progress(self, text: str, done: int, total: int) -> None:
        """``total`` 0 shows a busy bar (the amount of work is not known yet)."""
        self.open_folder_button.hide()
        self.work_label.setText(_elided(self.work_label, text))
        self.work_label.setToolTip(text)
        self.work_bar.setRange(0, max(total, 0))
        self.work_bar.setValue(min(done, total) if total > 0 else 0)
        self.work_label.show()
        self.work_bar.show()

    def clear_progress(self) -> None:
        self.work_label.hide()
        self.work_bar.hide()

    def show_result(self, text: str, folder: Path | None = None) -> None:
        """A finished piece of library work; with ``folder`` an "Open folder" button beside it."""
        self.clear_progress()
        self.result_folder = folder
        self.work_label.setText(_elided(self.work_label, text))
        self.work_label.setToolTip(text)
        self.work_label.show()
        self.open_folder_button.setVisible(folder is not None)
        if folder is not None:
            self.open_folder_button.setToolTip(str(folder))

    def open_result_folder(self) -> bool:
        if self.result_folder is None:
            return False
        return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_folder))))
