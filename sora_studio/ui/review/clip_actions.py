"""The action buttons for the current clip: edit, extend, remix, promote, regenerate, delete, ...

GUI thread only. Buttons that start provider work emit ``action_requested(name, job_id)``; the
shell sends them to the poll worker. "Reveal" and "Copy prompt" are done here, they need no
engine. An action the clip's provider or model cannot do is disabled with the reason as its
tooltip (``ui.dialogs.clip_checks``, the CLI's words); its shortcut (E, X, M, P) emits the same
reason on ``refused`` for the status bar instead of opening a dialog. Promote names the model it
renders on ("Promote to Veo 3.1") and what that costs on top of what the clip cost.

Profiles are read through an injected :class:`~sora_studio.ui.dialogs.clip_checks.ProfileLookup`
(``services.provider_settings.ProfileBook``, which never loads the SDK); without one every action is
offered and the shipped catalog prices the promotion.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from sora_studio.core.catalog import Catalog, PriceKind, default_catalog
from sora_studio.core.models import Job, JobStatus
from sora_studio.core.pricing import cost_cents, format_cents
from sora_studio.services.provider_settings import ProviderProfile
from sora_studio.ui.dialogs.clip_checks import (
    PROMPT_OPERATIONS,
    ProfileLookup,
    clip_refusal,
    promotion_target,
)
from sora_studio.ui.review.clip_row import ClipRow, job_cost_cents

ENGINE_ACTIONS = ("edit", "extend", "remix", "promote", "regenerate", "delete")
_LABELS = {
    "edit": ("Edit (E)", "Ask for an edit of this clip"),
    "extend": ("Extend (X)", "Ask for more seconds after the end of this clip"),
    "remix": ("Remix (M)", "Ask for a remix of this clip"),
    "promote": ("Promote (P)", "Render the same recipe on the better model"),
    "regenerate": ("Regenerate", "Another take of the same recipe"),
    "delete": ("Delete", "Delete this clip (and its remote video)"),
}
_DONE = {"edit": "edited", "extend": "extended", "remix": "remixed"}


def promotion_difference(job: Job, catalog: Catalog) -> Decimal | None:
    """What the promoted render at the clip's size costs beyond what the clip cost; None when
    there is no better model, it has no price, or it is not sold at that size."""
    target = promotion_target(job, catalog)
    spec = catalog.model(target.model) if target is not None else None
    if target is None or spec is None or spec.price_kind is PriceKind.NONE:
        return None  # "-$0.80" for a model nobody priced would read as a saving
    try:
        better = cost_cents(catalog, target.model, job.size, job.seconds)
    except (KeyError, ValueError):
        return None
    return better - job_cost_cents(job)


def not_ready_reason(kind: str, row: ClipRow) -> str:
    """Why an edit, extension or remix of this clip must wait, or cannot be asked at all."""
    job, done = row.job, _DONE[kind]
    if job.status is not JobStatus.READY:
        return f"Clip #{job.id} is not ready: only a finished clip can be {done}."
    if row.media_missing:
        return f"Clip #{job.id} has lost its video file here; regenerate it first."
    if job.remote_id is None:
        return f"Clip #{job.id} has no copy at a provider (it was imported): it cannot be {done}."
    return ""


class ClipActions(QWidget):
    """A row of buttons acting on one clip (GUI thread)."""

    action_requested = Signal(str, int)
    compare_requested = Signal()
    refused = Signal(str)  # why a shortcut did nothing, for the status bar
    reasons_changed = Signal(object)  # dict[str, str]: action -> why it is off ("" when on)

    def __init__(self, parent: QWidget | None = None, *, catalog: Catalog | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog or default_catalog()
        self._profiles: ProfileLookup | None = None
        self._row: ClipRow | None = None
        self.reasons: dict[str, str] = {}  # why each disabled engine action is disabled
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
        # Provider work on top, then Promote across the bar (it names the model it renders on,
        # "Promote to Wan 2.2 T2V A14B", which must not widen the panel), housekeeping below.
        top = [self.buttons[n] for n in ("edit", "extend", "remix", "regenerate")]
        bottom = [self.compare_button, self.copy_button, self.reveal_button, self.buttons["delete"]]
        for column, button in enumerate(top):
            layout.addWidget(button, 0, column)
        layout.addWidget(self.buttons["promote"], 1, 0, 1, len(top))
        for column, button in enumerate(bottom):
            layout.addWidget(button, 2, column)
        self.set_clip(None)

    def set_profiles(self, profiles: ProfileLookup | None) -> None:
        """Where each clip's provider profile and catalog are read (None: offer everything)."""
        self._profiles = profiles
        self.refresh()

    def refresh(self) -> None:
        """Work out again what the clip on show allows (after the providers changed)."""
        self.set_clip(self._row)

    def _context(self, job: Job) -> tuple[ProviderProfile | None, Catalog]:
        if self._profiles is None:
            return None, self._catalog
        return self._profiles.profile(job.provider), self._profiles.catalog(job.provider)

    def set_clip(self, row: ClipRow | None) -> None:
        self._row = row
        job = row.job if row is not None else None
        profile, catalog = self._context(job) if job is not None else (None, self._catalog)
        self.reasons = {}
        for name in ENGINE_ACTIONS:
            if job is None:
                why = "Select a clip first."
            elif name in PROMPT_OPERATIONS and row is not None:
                why = not_ready_reason(name, row) or clip_refusal(name, job, profile, catalog)
            else:
                why = clip_refusal(name, job, profile, catalog)
            self.reasons[name] = why
            button = self.buttons[name]
            button.setEnabled(not why)
            button.setToolTip(why or _LABELS[name][1])
        self.reveal_button.setEnabled(row is not None and self._folder() is not None)
        self.copy_button.setEnabled(job is not None)
        self.compare_button.setEnabled(job is not None)
        self._label_promote(job, catalog)
        self.reasons_changed.emit(dict(self.reasons))

    def _label_promote(self, job: Job | None, catalog: Catalog) -> None:
        promote = self.buttons["promote"]
        target = promotion_target(job, catalog) if job is not None else None
        if job is None or target is None:
            promote.setText("Promote (P)")
            return
        promote.setText(f"Promote to {target.label} (P)")
        difference = promotion_difference(job, catalog)
        if difference is None or self.reasons["promote"]:
            return
        sign = "+" if difference >= 0 else "−"
        amount = f"{sign}{format_cents(abs(difference))}"
        promote.setText(f"Promote to {target.label} (P) {amount}")
        promote.setToolTip(
            f"{target.label} at {job.size} for {job.seconds}s costs {amount} more than this clip"
        )

    def trigger(self, name: str) -> bool:
        if name not in ENGINE_ACTIONS:
            raise ValueError(f"unknown clip action {name!r}; expected one of {ENGINE_ACTIONS}")
        button = self.buttons[name]
        if self._row is None or not button.isEnabled():
            why = self.reasons.get(name, "")
            if why and self._row is not None:
                self.refused.emit(why)
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
