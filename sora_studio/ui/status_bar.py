"""The status bar: active provider and its health, spend against budget, jobs in flight.

GUI thread only; it is fed by the main window from PollWorker signals and read-only queries.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from sora_studio.core.pricing import format_cents
from sora_studio.ui.theme import ERROR, SUCCESS, WARNING


class StudioStatusBar(QStatusBar):
    """Three permanent fields on the right; transient messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider_label = QLabel()
        self.spend_label = QLabel()
        self.jobs_label = QLabel()
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
        color = ERROR if left <= 0 else (WARNING if left < cap_cents / 10 else "")
        text = f"Spend {format_cents(spent_cents)} of {format_cents(cap_cents)}"
        self.spend_label.setText(f'<span style="color:{color}">{text}</span>' if color else text)
        self.spend_label.setToolTip(
            f"{format_cents(max(left, Decimal(0)))} of the budget left. Blocked and failed "
            "renders are not counted."
        )

    def set_in_flight(self, count: int) -> None:
        text = "No renders in flight" if count == 0 else f"{count} in flight"
        if text != self.jobs_label.text():
            self.jobs_label.setText(text)
