"""Pressing Render (or Ctrl+Enter) twice does not pay twice: the very same order sent again within
a few seconds is asked about first (``services.repeat_guard`` decides what "the same" is).

Variants stay the way to ask for takes; the CLI never asks (scripts may mean it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtWidgets import QMessageBox, QWidget

from sora_studio.core.pricing import format_cents
from sora_studio.services.orders import RenderOrder
from sora_studio.services.repeat_guard import RepeatGuard


class RepeatCheck:
    """Remembers what was sent and asks before sending it again. GUI thread only."""

    def __init__(self, parent: QWidget, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._parent = parent
        self._clock = clock
        self._guard = RepeatGuard()

    def allows(self, order: RenderOrder, cost_cents: Decimal | None) -> bool:
        """True when ``order`` may go (and it is then remembered as sent)."""
        now = self._clock()
        if self._guard.is_repeat(order, now) and not self._confirm(cost_cents):
            return False
        self._guard.sent(order, now)
        return True

    def _confirm(self, cost_cents: Decimal | None) -> bool:
        price = f" for {format_cents(cost_cents)}" if cost_cents else ""
        answer = QMessageBox.question(
            self._parent,
            "Render the same shot again?",
            f"You sent this exact shot a moment ago. Render it again{price}?\n\n"
            "To get several takes of one prompt, raise Variants instead.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes
