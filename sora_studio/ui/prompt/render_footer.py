"""The foot of the builder, always in view: what the order costs, the budget left after it, and
Render with the reason beside it when it cannot be pressed yet.

Render (button and Ctrl+Enter) is enabled exactly when there is no reason to hold it; warnings
never disable it, they are named beside it and listed in its tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sora_studio.core.pricing import format_cents
from sora_studio.services.orders import Preflight
from sora_studio.ui.icons import make_icon
from sora_studio.ui.prompt.labels import problem_label, set_problems
from sora_studio.ui.prompt.preflight import (
    READY,
    RENDER_TIP,
    blocking_reasons,
    ready_text,
    render_tooltip,
)


def _wrapped(role: str) -> QLabel:
    label = QLabel()
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


class RenderFooter(QWidget):
    """Cost and budget lines, the reason line and Render; ``render_pressed`` on click or key."""

    render_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cost_label = _wrapped("cost")
        self.budget_label = _wrapped("hint")
        self.budget_problems = problem_label()
        self.why_label = _wrapped("hint")
        self.render_button = QPushButton(make_icon("render", "#ffffff"), "Render")
        self.render_button.setObjectName("renderButton")
        self.render_button.clicked.connect(self.render_pressed)
        # Added to the builder (not here) so Ctrl+Enter works anywhere in the window.
        self.render_action = QAction(make_icon("render"), "Render", self)
        self.render_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.render_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.render_action.triggered.connect(self.render_pressed)

        foot = QVBoxLayout(self)
        foot.setContentsMargins(10, 6, 10, 10)
        foot.addWidget(self.cost_label)
        foot.addWidget(self.budget_label)
        foot.addWidget(self.budget_problems)
        render_row = QHBoxLayout()
        render_row.addWidget(self.why_label, 1)
        render_row.addWidget(self.render_button, 0, Qt.AlignmentFlag.AlignBottom)
        foot.addLayout(render_row)

    def show_costs(self, cost: str, preflight: Preflight) -> None:
        """The cost line, and the budget left after this order (or how far over it goes)."""
        self.cost_label.setText(cost)
        if preflight.budget_cap_cents is None:
            self.budget_label.setText("No budget cap set.")
        else:
            left = preflight.budget_left_after_cents or Decimal(0)
            cap = format_cents(preflight.budget_cap_cents)
            self.budget_label.setText(
                f"Budget left after this render: {format_cents(left)} of {cap}"
                if left >= 0
                else f"This render would go {format_cents(-left)} over the {cap} budget."
            )
        over = [] if preflight.within_budget else [blocking_reasons(preflight)[-1]]
        set_problems(self.budget_problems, over, None)

    def show_ready(self, preflight: Preflight | None) -> None:
        """Render may be pressed: say so, naming any warnings."""
        self._enable(True)
        self.why_label.setText(ready_text(preflight) if preflight else READY)
        self.render_button.setToolTip(render_tooltip(preflight) if preflight else RENDER_TIP)

    def show_held(self, reasons: Sequence[str], why: str) -> None:
        """Render is held back: ``why`` beside it, every reason in its tooltip."""
        self._enable(False)
        self.render_button.setToolTip("\n".join(f"• {r}" for r in reasons))
        self.why_label.setText(why)

    def _enable(self, enabled: bool) -> None:
        self.render_button.setEnabled(enabled)
        self.render_action.setEnabled(enabled)
