"""How many takes of the prompt to render, and whether they go through the Batch API (half the
price, results within hours); Batch is offered only where the model and the provider have it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from sora_studio.services.preflight import MAX_VARIANTS


class TakesRow(QWidget):
    """Variants and Batch; ``changed`` on either."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.variants_spin = QSpinBox()
        self.variants_spin.setRange(1, MAX_VARIANTS)
        self.variants_spin.setToolTip("How many takes of this prompt to render (each is charged)")
        self.variants_spin.valueChanged.connect(self.changed)
        self.batch_check = QCheckBox("Batch (half price, slower)")
        self.batch_check.setToolTip(
            "Send through the Batch API: half the price, results within hours instead of minutes"
        )
        self.batch_check.toggled.connect(self.changed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Variants"))
        row.addWidget(self.variants_spin)
        row.addSpacing(12)
        row.addWidget(self.batch_check)
        row.addStretch(1)
