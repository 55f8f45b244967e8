"""Small shared pieces of the builder: problem and warning labels, the red "invalid" mark, and
the edge-to-edge column its parts are laid out in.

GUI thread only. A problem label sits under the field it concerns and is hidden while there is
nothing to say; ``invalid="true"`` is the property the theme's style sheet draws in red.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QVBoxLayout, QWidget


def problem_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "problem")
    label.setWordWrap(True)
    label.hide()
    return label


def warning_label() -> QLabel:
    # The theme's style sheet has no warning role, so the colour is set on the label itself
    # (PromptPanel._recolor_warnings); the "Warning:" prefix keeps it distinct without colour.
    label = QLabel()
    label.setProperty("role", "warning")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def stack(owner: QWidget, items: Sequence[QWidget | QLayout], *, spacing: int) -> QVBoxLayout:
    """``owner``'s layout: ``items`` (widgets or layouts) one under another, edge to edge."""
    column = QVBoxLayout(owner)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(spacing)
    for item in items:
        if isinstance(item, QLayout):
            column.addLayout(item)
        else:
            column.addWidget(item)
    return column


def set_problems(label: QLabel, messages: list[str], field: QWidget | None) -> None:
    """Show ``messages`` in ``label`` (bulleted when several) and mark ``field`` red, or clear."""
    if messages:
        label.setText("\n".join(f"• {m}" if len(messages) > 1 else m for m in messages))
        label.show()
    else:
        label.clear()
        label.hide()
    if field is not None:
        mark_invalid(field, bool(messages))


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    value = "true" if invalid else "false"
    if widget.property("invalid") != value:
        widget.setProperty("invalid", value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
