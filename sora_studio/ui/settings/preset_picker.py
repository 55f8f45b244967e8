"""The "Server kind" choice of a provider profile: a preset combo with its description and notes.

GUI thread only. The presets come from ``core/provider_presets.json``; OpenAI's own (retired for
video) is offered only to the profile that already uses it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from sora_studio.core.capabilities import ProviderPreset, preset, provider_presets

RETIRED_PRESET = "openai"


class PresetPicker(QWidget):
    """A combo of server kinds and, under it, what the chosen one is (GUI thread)."""

    chosen = Signal(str)  # a preset name, only when the person picks one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("What kind of server this is; it sets what the desk expects of it")
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setProperty("role", "hint")
        self.combo.activated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.about)
        self._fill(include_retired=False)

    def _fill(self, *, include_retired: bool) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for name, info in provider_presets().items():
            if name == RETIRED_PRESET and not include_retired:
                continue
            self.combo.addItem(info.label, name)
        self.combo.blockSignals(False)

    def set_preset(self, name: str, *, editable: bool) -> None:
        """Show ``name`` (no ``chosen`` signal); built-in profiles keep theirs."""
        self._fill(include_retired=name == RETIRED_PRESET)
        self.combo.setCurrentIndex(max(0, self.combo.findData(name)))
        self.combo.setEnabled(editable)
        self._describe(preset(name))

    def current(self) -> ProviderPreset:
        return preset(str(self.combo.currentData()))

    def _on_activated(self, _index: int) -> None:
        info = self.current()
        self._describe(info)
        self.chosen.emit(info.name)

    def _describe(self, info: ProviderPreset) -> None:
        lines = [info.description, *(f"• {note}" for note in info.notes)]
        self.about.setText("\n".join(line for line in lines if line))
