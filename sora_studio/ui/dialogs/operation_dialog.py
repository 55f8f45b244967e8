"""Dialogs for operations on a clip: edit, remix, extend, promote, regenerate and delete.

GUI thread only. Each dialog shows what will happen and what it costs before anything is spent,
and offers only choices the catalog allows (an extension's segment lengths come from the clip's
model, and those past its length or extension limit are listed but disabled, with the reason;
a promotion offers the sizes of the model it renders on). ``request()`` turns the person's
answer into an :class:`OperationRequest`; sending it to the engine is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.catalog import Catalog, PriceKind
from sora_studio.core.models import Job
from sora_studio.core.pricing import cost_cents, format_cents, price_summary
from sora_studio.ui.dialogs.clip_checks import promotion_target

PROMPT_KINDS = ("edit", "remix", "extend")
_TITLES = {
    "edit": "Edit clip",
    "remix": "Remix clip",
    "extend": "Extend clip",
    "regenerate": "Regenerate clip",
    "delete": "Delete clip",
}
_PROMPT_HINTS = {
    "edit": "Describe the change to make to this clip (what stays is kept).",
    "remix": "Describe the new take; the remix keeps the clip's structure and motion.",
    "extend": "Describe what happens next; the new segment continues from the last frame.",
}


@dataclass(frozen=True, slots=True)
class OperationRequest:
    """What the person asked for, ready for the poll worker's matching slot."""

    kind: str
    job_id: int
    prompt: str = ""
    seconds: int = 0  # extend: the new segment's length
    size: str = ""  # promote: the size on the better model
    remote: bool = False  # delete: also at the provider
    note_id: int | None = None


def job_cents(job: Job) -> Decimal:
    """What a job cost, or will cost while it is still running."""
    return job.cost_cents if job.cost_cents is not None else job.estimate_cents


def promotion_line(job: Job, catalog: Catalog, size: str) -> str:
    """``"Promote to Sora 2 Pro at 1280x720: $1.20 -> $3.60 (+$2.40)"``."""
    target = promotion_target(job, catalog)
    if target is None:
        return f"{job.model} has no better model to promote to on this provider."
    current = job_cents(job)
    spec = catalog.model(target.model)
    if spec is not None and spec.price_kind is PriceKind.NONE:
        return f"Promote to {target.label} at {size}: {price_summary(spec)} on this provider."
    try:
        better = cost_cents(catalog, target.model, size, job.seconds)
    except (KeyError, ValueError):
        return f"{target.label} is not sold at {size} by this provider."
    difference = better - current
    sign = "+" if difference >= 0 else "-"
    return (
        f"Promote to {target.label} at {size}: {format_cents(current)} -> "
        f"{format_cents(better)} ({sign}{format_cents(abs(difference))})"
    )


@dataclass(frozen=True, slots=True)
class ExtensionBudget:
    """How far a clip can still be extended."""

    seconds_now: int
    extensions_done: int
    max_total_seconds: int
    max_extensions: int

    @property
    def seconds_left(self) -> int:
        return max(self.max_total_seconds - self.seconds_now, 0)

    @property
    def extensions_left(self) -> int:
        return max(self.max_extensions - self.extensions_done, 0)

    def why_not(self, segment: int) -> str:
        """Why ``segment`` seconds cannot be added ("" when it can)."""
        if self.extensions_left == 0:
            return f"already extended {self.extensions_done} times (limit {self.max_extensions})"
        if segment > self.seconds_left:
            return f"would pass {self.max_total_seconds} s (only {self.seconds_left} s left)"
        return ""

    def summary(self) -> str:
        return (
            f"This clip is {self.seconds_now} s after {self.extensions_done} extension(s): "
            f"{self.seconds_left} s and {self.extensions_left} extension(s) left of "
            f"{self.max_total_seconds} s / {self.max_extensions}."
        )


class PromptOperationDialog(QDialog):
    """Edit, remix or extend: a prompt (pre-filled), and for extend the new segment's length."""

    def __init__(
        self,
        kind: str,
        job: Job,
        catalog: Catalog,
        *,
        text: str = "",
        extensions_done: int = 0,
        note_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if kind not in PROMPT_KINDS:
            raise ValueError(f"unknown prompt operation {kind!r}; expected one of {PROMPT_KINDS}")
        self.kind = kind
        self.job = job
        self.catalog = catalog
        self.note_id = note_id
        self.setWindowTitle(f"{_TITLES[kind]} #{job.id}")
        self.setMinimumWidth(480)
        hint = QLabel(_PROMPT_HINTS[kind], self)
        hint.setWordWrap(True)
        self.prompt_edit = QPlainTextEdit(self)
        self.prompt_edit.setPlainText(text or job.prompt)
        self.prompt_edit.setMinimumHeight(110)
        self.prompt_edit.textChanged.connect(self._update)
        self.seconds_combo = QComboBox(self)
        self.budget_label = QLabel(self)
        self.budget_label.setWordWrap(True)
        self.cost_label = QLabel(self)
        self.why_label = QLabel(self)
        self.why_label.setWordWrap(True)
        self.why_label.setProperty("role", "problem")
        ext = catalog.extension_for(job.model)
        self._segments = ext.segment_seconds
        self.budget = ExtensionBudget(
            job.seconds, extensions_done, ext.max_total_seconds, ext.max_extensions
        )
        form = QFormLayout()
        form.addRow("Prompt", self.prompt_edit)
        if kind == "extend":
            self._fill_segments()
            self.seconds_combo.currentIndexChanged.connect(self._update)
            form.addRow("New segment", self.seconds_combo)
            self.budget_label.setText(self.budget.summary())
            form.addRow("", self.budget_label)
        else:
            self.seconds_combo.hide()
            self.budget_label.hide()
        form.addRow("Cost", self.cost_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText({"edit": "Edit", "remix": "Remix", "extend": "Extend"}[kind])
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.why_label)
        layout.addWidget(self.buttons)
        self._update()

    def _fill_segments(self) -> None:
        model = self.seconds_combo.model()
        assert isinstance(model, QStandardItemModel)
        first_ok = -1
        for segment in self._segments:
            why = self.budget.why_not(segment)
            label = f"+{segment} s" + (f"  ({why})" if why else "")
            self.seconds_combo.addItem(label, segment)
            item = model.item(self.seconds_combo.count() - 1)
            if why:
                item.setEnabled(False)
                item.setToolTip(why)
            elif first_ok < 0:
                first_ok = self.seconds_combo.count() - 1
        self.seconds_combo.setCurrentIndex(first_ok)

    @property
    def seconds(self) -> int:
        value = self.seconds_combo.currentData()
        return int(value) if value is not None and self.kind == "extend" else 0

    def problem(self) -> str:
        """Why OK is disabled ("" when it is not)."""
        if not self.prompt_edit.toPlainText().strip():
            return "Write a prompt first."
        if self.kind == "extend":
            if self.budget.extensions_left == 0:
                return (
                    f"This clip has been extended {self.budget.extensions_done} times, the "
                    "limit; start a new video from its last frame instead."
                )
            if self.seconds <= 0 or self.budget.why_not(self.seconds):
                return f"No segment fits: only {self.budget.seconds_left} s are left."
        return ""

    def _segment_cost(self) -> Decimal | None:
        seconds = self.seconds if self.kind == "extend" else self.job.seconds
        try:
            return cost_cents(self.catalog, self.job.model, self.job.size, seconds)
        except (KeyError, ValueError):
            return None

    def _update(self) -> None:
        problem = self.problem()
        self.ok_button.setEnabled(not problem)
        self.why_label.setText(problem)
        self.why_label.setVisible(bool(problem))
        cost = self._segment_cost()
        self.cost_label.setText(
            "not priced by this provider's catalog" if cost is None else format_cents(cost)
        )

    def request(self) -> OperationRequest:
        return OperationRequest(
            self.kind,
            self.job.id,
            prompt=self.prompt_edit.toPlainText().strip(),
            seconds=self.seconds,
            note_id=self.note_id,
        )


class PromoteDialog(QDialog):
    """Promote to the better model (Sora 2 Pro, Veo 3.1, ...): its sizes, and the price before
    and after for the chosen one."""

    def __init__(self, job: Job, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.catalog = catalog
        self.target = promotion_target(job, catalog)
        label = self.target.label if self.target else "a better model"
        self.setWindowTitle(f"Promote to {label}: #{job.id}")
        self.setMinimumWidth(460)
        intro = QLabel(
            f"Render the same recipe again on {label} ({job.seconds} s). The original "
            "stays; the new render is stacked as a new version.",
            self,
        )
        intro.setWordWrap(True)
        self.size_combo = QComboBox(self)
        sizes = catalog.sizes_for(self.target.model) if self.target else ()
        for size in sizes:
            self.size_combo.addItem(size, size)
        if job.size in sizes:
            self.size_combo.setCurrentIndex(sizes.index(job.size))
        self.price_label = QLabel(self)
        self.price_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_combo.currentIndexChanged.connect(self._update)
        form = QFormLayout()
        form.addRow("Size", self.size_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Promote")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.price_label)
        layout.addWidget(self.buttons)
        self._update()

    @property
    def chosen_size(self) -> str:
        """The frame size picked for the better model ("" when it sells none). Not ``size``:
        that is every QWidget's own size."""
        value = self.size_combo.currentData()
        return str(value) if value else ""

    def _update(self) -> None:
        if not self.chosen_size:
            label = self.target.label if self.target else "a better model"
            self.price_label.setText(f"This provider's catalog does not sell {label}.")
            self.ok_button.setEnabled(False)
            return
        self.price_label.setText(promotion_line(self.job, self.catalog, self.chosen_size))
        self.ok_button.setEnabled(True)

    def request(self) -> OperationRequest:
        return OperationRequest("promote", self.job.id, size=self.chosen_size)


class ConfirmDialog(QDialog):
    """Regenerate (with its cost) or delete (local only, or also at the provider)."""

    def __init__(self, kind: str, job: Job, catalog: Catalog, parent: QWidget | None = None):
        super().__init__(parent)
        if kind not in ("regenerate", "delete"):
            raise ValueError(f"unknown confirmation {kind!r}; expected regenerate or delete")
        self.kind = kind
        self.job = job
        self.setWindowTitle(f"{_TITLES[kind]} #{job.id}")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        self.local_radio = QRadioButton("Only here (remove the files from this library)", self)
        self.remote_radio = QRadioButton("Here and at the provider", self)
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.remote_radio)
        if kind == "regenerate":
            try:
                price = format_cents(cost_cents(catalog, job.model, job.size, job.seconds))
            except (KeyError, ValueError):
                price = "an unknown amount"
            text = (
                f"Render another take of #{job.id} with the same recipe ({job.model}, "
                f"{job.size}, {job.seconds} s)? It costs {price}."
            )
            self.local_radio.hide()
            self.remote_radio.hide()
            ok_text = "Regenerate"
        else:
            text = (
                f"Delete clip #{job.id}? Its video, thumbnail and spritesheet are removed; "
                "its verdicts and notes stay on record."
            )
            has_remote = bool(job.remote_id)
            self.remote_radio.setEnabled(has_remote)
            if not has_remote:
                self.remote_radio.setToolTip("This clip has no copy at a provider.")
            self.local_radio.setChecked(True)
            ok_text = "Delete"
        label = QLabel(text, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.remote_radio)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def request(self) -> OperationRequest:
        return OperationRequest(
            self.kind, self.job.id, remote=self.kind == "delete" and self.remote_radio.isChecked()
        )
