"""The action buttons for the current clip: edit, extend, remix, promote, regenerate, delete, ...

GUI thread only. Buttons that start provider work emit ``action_requested(name, job_id)``; the
shell sends them to the poll worker. "Reveal" and "Copy prompt" are done here, they need no
engine. The promote button shows what going to pro would cost on top of what the clip cost.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.core.models import Job, JobStatus
from sora_studio.core.pricing import cost_cents
from sora_studio.ui.review.clip_row import ClipRow, format_cents, job_cost_cents

PRO_MODEL = "sora-2-pro"
ENGINE_ACTIONS = ("edit", "extend", "remix", "promote", "regenerate", "delete")
_LABELS = {
    "edit": ("Edit (E)", "Ask for an edit of this clip"),
    "extend": ("Extend (X)", "Ask for more seconds after the end of this clip"),
    "remix": ("Remix (M)", "Ask for a remix of this clip"),
    "promote": ("Promote (P)", "Render the same recipe on Sora 2 Pro"),
    "regenerate": ("Regenerate", "Another take of the same recipe"),
    "delete": ("Delete", "Delete this clip (and its remote video)"),
}


def promotion_difference(job: Job, catalog: Catalog) -> Decimal | None:
    """What a pro render at the clip's size costs beyond what the clip cost; None if unsold."""
    if job.model == PRO_MODEL:
        return None
    try:
        pro = cost_cents(catalog, PRO_MODEL, job.size, job.seconds)
    except (KeyError, ValueError):
        return None
    return pro - job_cost_cents(job)


class ClipActions(QWidget):
    """A row of buttons acting on one clip (GUI thread)."""

    action_requested = Signal(str, int)
    compare_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, catalog: Catalog | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog or default_catalog()
        self._row: ClipRow | None = None
        self.buttons: dict[str, QPushButton] = {}
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(4)
        layout.setVerticalSpacing(2)
        for name in ENGINE_ACTIONS:
            text, tip = _LABELS[name]
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, n=name: self.trigger(n))
            self.buttons[name] = button
        self.reveal_button = QPushButton("Reveal", self)
        self.reveal_button.setToolTip("Show the clip's folder in the file manager")
        self.reveal_button.clicked.connect(self.reveal)
        self.copy_button = QPushButton("Copy prompt", self)
        self.copy_button.clicked.connect(self.copy_prompt)
        self.compare_button = QPushButton("Compare (V)", self)
        self.compare_button.setToolTip(
            "Compare the two selected clips, or this clip with its parent"
        )
        self.compare_button.clicked.connect(self.compare_requested.emit)
        # Two rows: provider work on top, housekeeping below, so the bar stays narrow.
        top = [self.buttons[n] for n in ("edit", "extend", "remix", "promote", "regenerate")]
        bottom = [self.compare_button, self.copy_button, self.reveal_button, self.buttons["delete"]]
        for column, button in enumerate(top):
            layout.addWidget(button, 0, column)
        for column, button in enumerate(bottom):
            layout.addWidget(button, 1, column)
        self.set_clip(None)

    def set_clip(self, row: ClipRow | None) -> None:
        self._row = row
        job = row.job if row is not None else None
        ready = row is not None and row.job.status is JobStatus.READY and not row.media_missing
        for name, button in self.buttons.items():
            if name in ("edit", "extend", "remix"):
                button.setEnabled(ready and job is not None and job.remote_id is not None)
            elif name == "promote":
                button.setEnabled(job is not None and job.model != PRO_MODEL)
            else:
                button.setEnabled(job is not None)
        self.reveal_button.setEnabled(row is not None and self._folder() is not None)
        self.copy_button.setEnabled(job is not None)
        self.compare_button.setEnabled(job is not None)
        promote = self.buttons["promote"]
        difference = promotion_difference(job, self._catalog) if job is not None else None
        if difference is None:
            promote.setText("Promote (P)")
        else:
            sign = "+" if difference >= 0 else "−"
            promote.setText(f"Promote (P) {sign}{format_cents(abs(difference))}")
            promote.setToolTip(
                f"Sora 2 Pro at {job.size} for {job.seconds}s costs "  # type: ignore[union-attr]
                f"{sign}{format_cents(abs(difference))} more than this clip"
            )

    def trigger(self, name: str) -> bool:
        if name not in ENGINE_ACTIONS:
            raise ValueError(f"unknown clip action {name!r}; expected one of {ENGINE_ACTIONS}")
        button = self.buttons[name]
        if self._row is None or not button.isEnabled():
            return False
        self.action_requested.emit(name, self._row.job_id)
        return True

    def _folder(self) -> Path | None:
        if self._row is None:
            return None
        for path in (self._row.video_path, self._row.thumbnail_path, self._row.spritesheet_path):
            if path and Path(path).parent.is_dir():
                return Path(path).parent
        return None

    def reveal(self) -> bool:
        folder = self._folder()
        if folder is None:
            return False
        return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))

    def copy_prompt(self) -> bool:
        if self._row is None:
            return False
        QGuiApplication.clipboard().setText(self._row.job.prompt)
        return True
