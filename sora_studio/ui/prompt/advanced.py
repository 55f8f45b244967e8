"""The builder's "Advanced" group: negative prompt, seed, steps and guidance.

GUI thread only. Shown only for a model that takes at least one of them, and each row only when
the model takes it: hidden, not disabled, so nobody wonders why a box does nothing. What is
typed is sent as extra body fields (``negative_prompt``, ``seed``, ``num_inference_steps``,
``guidance_scale``); an empty box sends nothing and leaves the server's default. Values are
checked by the pre-flight (:func:`sora_studio.core.extras.check_extras`), whose messages show
under the group; the group opens by itself when one of its boxes holds a problem.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from sora_studio.core.extras import (
    GUIDANCE,
    MAX_GUIDANCE,
    MAX_NEGATIVE_PROMPT_CHARS,
    MAX_SEED,
    MAX_STEPS,
    MIN_GUIDANCE,
    MIN_STEPS,
    NEGATIVE_PROMPT,
    SEED,
    STEPS,
    ExtraField,
    takes_advanced,
)
from sora_studio.core.model_spec import ModelSpec
from sora_studio.ui.prompt.labels import hint_label, problem_label, set_problems, stack


class AdvancedGroup(QWidget):
    """A collapsible group of the extra settings the chosen model takes."""

    changed = Signal()
    opened = Signal()  # the group was unfolded: the builder scrolls it into view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec: ModelSpec | None = None
        self.toggle = QToolButton()
        self.toggle.setObjectName("advancedToggle")
        self.toggle.setText("Advanced")
        # Not checkable: a checked tool button is drawn as a pressed accent button, and this is
        # a section heading that folds, like the others in the builder.
        self._open = False
        self.toggle.setAutoRaise(True)
        self.toggle.setStyleSheet("QToolButton { font-weight: 600; padding: 1px 0; }")
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolTip("Settings this model takes beyond the prompt")
        self.toggle.clicked.connect(lambda: self.set_open(not self._open))
        self.summary = hint_label()
        self.summary.setWordWrap(False)

        self.negative_prompt = QPlainTextEdit()
        self.negative_prompt.setObjectName("negativePrompt")
        self.negative_prompt.setPlaceholderText("What to keep out, e.g. blur, text, watermarks")
        self.negative_prompt.setTabChangesFocus(True)
        self.negative_prompt.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.negative_prompt.setToolTip(
            f"Things the model should avoid (up to {MAX_NEGATIVE_PROMPT_CHARS:,} characters)"
        )
        self.seed = QLineEdit()
        self.seed.setObjectName("seed")
        self.seed.setPlaceholderText("random")
        self.seed.setToolTip(
            f"The same seed, prompt and settings repeat a render (0 to {MAX_SEED:,})"
        )
        self.steps = QLineEdit()
        self.steps.setObjectName("steps")
        self.steps.setToolTip(
            f"Denoising steps ({MIN_STEPS}–{MAX_STEPS}): more is slower and usually cleaner"
        )
        self.guidance = QLineEdit()
        self.guidance.setObjectName("guidance")
        self.guidance.setToolTip(
            f"How closely to follow the prompt ({MIN_GUIDANCE:g}–{MAX_GUIDANCE:g})"
        )
        for box in (self.seed, self.steps, self.guidance):
            box.setClearButtonEnabled(True)
            box.textChanged.connect(self._on_edited)
        self.negative_prompt.textChanged.connect(self._on_edited)
        self.problems = problem_label()

        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(18, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._rows: dict[str, int] = {}
        rows: tuple[tuple[ExtraField, str, QWidget], ...] = (
            (NEGATIVE_PROMPT, "Negative prompt", self.negative_prompt),
            (SEED, "Seed", self.seed),
            (STEPS, "Steps", self.steps),
            (GUIDANCE, "Guidance", self.guidance),
        )
        for extra, label, editor in rows:
            self._rows[extra.name] = self.form.rowCount()
            self.form.addRow(label, editor)
        self.body.hide()

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.toggle)
        header.addWidget(self.summary, 1)
        stack(self, [header, self.body, self.problems], spacing=4)
        self.set_model(None)

    # --- the model ---------------------------------------------------------------------------

    def set_model(self, spec: ModelSpec | None) -> None:
        """Show the group and the rows ``spec`` takes; hide it for a model that takes none."""
        self._spec = spec
        self.setHidden(not takes_advanced(spec))
        for extra in (NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE):
            self.form.setRowVisible(self._rows[extra.name], self._takes(extra))
        defaults = spec.defaults if spec else {}
        steps = defaults.get(STEPS.name)
        guidance = defaults.get(GUIDANCE.name)
        self.steps.setPlaceholderText(f"default ({steps:g})" if steps is not None else "default")
        self.guidance.setPlaceholderText(
            f"default ({guidance:g})" if guidance is not None else "default"
        )
        self._update_summary()

    def _takes(self, extra: ExtraField) -> bool:
        return self._spec is not None and self._spec.takes(extra.support)

    # --- reading -----------------------------------------------------------------------------

    def _values(self) -> list[tuple[ExtraField, str]]:
        return [
            (NEGATIVE_PROMPT, self.negative_prompt.toPlainText().strip()),
            (SEED, self.seed.text().strip()),
            (STEPS, self.steps.text().strip()),
            (GUIDANCE, self.guidance.text().strip()),
        ]

    def extras(self) -> tuple[tuple[str, str], ...]:
        """What to send: filled boxes of rows the model takes (a hidden row sends nothing)."""
        return tuple(
            (extra.name, value) for extra, value in self._values() if value and self._takes(extra)
        )

    def is_open(self) -> bool:
        return self._open

    # --- showing -----------------------------------------------------------------------------

    def set_open(self, opened: bool) -> None:
        self._open = opened
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if opened else Qt.ArrowType.RightArrow)
        self.body.setVisible(opened)
        self._update_summary()
        if opened:
            self.opened.emit()

    def show_problems(self, messages: list[str]) -> None:
        """Pre-flight messages about the extras; a problem opens the group so it can be fixed."""
        set_problems(self.problems, messages, None)
        if messages and not self.isHidden() and not self.is_open():
            self.set_open(True)

    def _update_summary(self) -> None:
        """Closed: what is set ("seed 42 · 30 steps") or which settings the model takes."""
        if self.is_open():
            self.summary.clear()
            return
        chosen = dict(self.extras())
        parts = []
        if chosen.get(NEGATIVE_PROMPT.name):
            parts.append("negative prompt")
        if SEED.name in chosen:
            parts.append(f"seed {chosen[SEED.name]}")
        if STEPS.name in chosen:
            parts.append(f"{chosen[STEPS.name]} steps")
        if GUIDANCE.name in chosen:
            parts.append(f"guidance {chosen[GUIDANCE.name]}")
        if parts:
            self.summary.setText(" · ".join(parts))
            return
        offered = [extra.label for extra, _ in self._values() if self._takes(extra)]
        self.summary.setText(", ".join(offered) + " (model defaults)" if offered else "")

    def _on_edited(self) -> None:
        self._update_summary()
        self.changed.emit()
