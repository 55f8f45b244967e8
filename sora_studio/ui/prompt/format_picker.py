"""Model, size and length for one render, offered from the chosen provider's catalog.

GUI thread only. The model menu lists the provider's models with their price beside them; the
size menu lists the chosen model's sizes and, for a model with a ``WxH`` rule, a "Custom size…"
entry that opens a field checked as it is typed; the length menu lists the model's seconds
(for a frame-based model with the frame count beside each). A line under the menus says who
makes the model, whether it has sound, how it is charged and how long a render takes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from sora_studio.core.catalog import Catalog
from sora_studio.core.model_spec import ModelSpec, Support
from sora_studio.core.models import Size
from sora_studio.core.pricing import price_explanation, price_summary
from sora_studio.ui.prompt.labels import hint_label, mark_invalid, stack

CUSTOM_SIZE = "custom"


def normalize_size(text: str) -> str:
    """``" 960 × 544 "`` -> ``"960x544"`` (what people type into a size field)."""
    return "".join(text.lower().replace("×", "x").replace("*", "x").split())


def about_duration(seconds: float) -> str:
    """``42.0`` -> ``"about 40 s"``; ``150`` -> ``"about 2.5 min"``."""
    if seconds < 10:
        return f"about {max(seconds, 1):.0f} s"
    if seconds < 90:
        return f"about {round(seconds / 10) * 10:.0f} s"
    minutes = seconds / 60
    return f"about {minutes:.1f} min" if minutes < 10 else f"about {minutes:.0f} min"


def model_item_text(spec: ModelSpec, duplicate_label: bool) -> str:
    name = f"{spec.label} ({spec.name})" if duplicate_label else spec.label
    return f"{name} — {price_summary(spec)}"


class FormatPicker(QWidget):
    """The Model / Size / Seconds row; :attr:`changed` fires on any pick or typed size."""

    changed = Signal()
    model_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog: Catalog | None = None
        self.long_durations = False
        self.model_combo = QComboBox()
        self.size_combo = QComboBox()
        self.seconds_combo = QComboBox()
        for combo, chars in ((self.model_combo, 14), (self.size_combo, 9), (self.seconds_combo, 4)):
            # Long item texts must not widen the builder past its dock.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(chars)
        self.custom_size = QLineEdit()
        self.custom_size.setObjectName("customSize")
        self.custom_size.setClearButtonEnabled(True)
        self.custom_size.hide()
        self.custom_hint = hint_label()
        self.custom_hint.hide()
        self.info = hint_label()
        self.info.setObjectName("modelInfo")
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.model_combo.currentIndexChanged.connect(self._on_model_changed)
        self.size_combo.currentIndexChanged.connect(self._on_size_changed)
        self.seconds_combo.currentIndexChanged.connect(self._on_seconds_changed)
        self.custom_size.textChanged.connect(self._on_custom_typed)

        # The model gets a row of its own: labels with prices are long, and a cut-off name
        # is the one thing a person must be able to read before paying.
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        for row, col, span, label, combo in (
            (0, 0, 2, "Model", self.model_combo),
            (2, 0, 1, "Size", self.size_combo),
            (2, 1, 1, "Seconds", self.seconds_combo),
        ):
            caption = QLabel(label)
            caption.setProperty("role", "hint")
            grid.addWidget(caption, row, col, 1, span)
            grid.addWidget(combo, row + 1, col, 1, span)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)
        stack(self, [grid, self.custom_size, self.custom_hint, self.info], spacing=4)

    # --- filling ---------------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog, long_durations: bool) -> None:
        """A new provider catalog or switch: refill every menu, keeping picks that still fit."""
        self.catalog = catalog
        self.long_durations = long_durations
        current = self.model_combo.currentData()
        labels = [spec.label for spec in catalog.models.values()]
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for name, spec in catalog.models.items():
            self.model_combo.addItem(model_item_text(spec, labels.count(spec.label) > 1), name)
            tip = "\n".join(
                [f"{spec.label} by {spec.vendor}" if spec.vendor else spec.label]
                + ([f"Sent as “{name}”."] if name != spec.label else [])
                + [price_explanation(spec), *spec.notes]
            )
            self.model_combo.setItemData(
                self.model_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        index = self.model_combo.findData(current)
        self.model_combo.setCurrentIndex(max(0, index))
        self.model_combo.blockSignals(False)
        self._fill_sizes_and_durations()
        self.model_changed.emit()

    def _fill_sizes_and_durations(self) -> None:
        spec = self.spec()
        current_size = self.chosen_size()
        custom_before = self.size_combo.currentData() == CUSTOM_SIZE
        self.size_combo.blockSignals(True)
        self.size_combo.clear()
        for size in spec.menu_sizes() if spec else ():
            tier = spec.sizes.get(size, "") if spec else ""
            parsed = Size.parse(size)
            shape = "portrait" if parsed.is_portrait else "landscape"
            self.size_combo.addItem(f"{size} ({tier})" if tier else size, size)
            tip = f"{shape}, {tier} price tier" if tier else shape
            self.size_combo.setItemData(
                self.size_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        if spec is not None and spec.size_rule is not None:
            self.size_combo.addItem("Custom size…", CUSTOM_SIZE)
            self.size_combo.setItemData(
                self.size_combo.count() - 1,
                f"Any size with {spec.size_rule.describe()}",
                Qt.ItemDataRole.ToolTipRole,
            )
        index = self.size_combo.findData(current_size)
        if index < 0 and custom_before and spec is not None and spec.size_rule is not None:
            index = self.size_combo.findData(CUSTOM_SIZE)
        self.size_combo.setCurrentIndex(max(0, index))
        self.size_combo.blockSignals(False)
        self._sync_custom()

        current_seconds = self.seconds_combo.currentData()
        self.seconds_combo.blockSignals(True)
        self.seconds_combo.clear()
        model = self.model()
        if self.catalog is not None and model:
            for seconds in self.catalog.durations_for(model, self.long_durations):
                frames = spec.frames.frames_for(seconds) if spec and spec.frames else None
                self.seconds_combo.addItem(f"{seconds} s", seconds)
                if frames is not None and spec is not None and spec.frames is not None:
                    self.seconds_combo.setItemData(
                        self.seconds_combo.count() - 1,
                        f"{frames} frames at {spec.frames.fps} fps",
                        Qt.ItemDataRole.ToolTipRole,
                    )
        index = self.seconds_combo.findData(current_seconds)
        if index < 0 and spec is not None:
            index = self.seconds_combo.findData(spec.default_seconds())
        self.seconds_combo.setCurrentIndex(max(0, index))
        self.seconds_combo.blockSignals(False)
        self._update_info()

    def _sync_custom(self) -> None:
        """Show the custom size field (with the rule under it) only while it is chosen."""
        spec = self.spec()
        custom = self.size_combo.currentData() == CUSTOM_SIZE
        rule = spec.size_rule if spec else None
        self.custom_size.setVisible(custom)
        self.custom_hint.setVisible(custom and rule is not None)
        if custom and rule is not None:
            example = (
                rule.suggested[0] if rule.suggested else next(iter(spec.sizes), "") if spec else ""
            )
            self.custom_size.setPlaceholderText(f"Width x height, e.g. {example}")
            self.custom_hint.setText(f"Any size with {rule.describe()}.")
            self._check_custom()

    def _check_custom(self) -> None:
        spec = self.spec()
        text = normalize_size(self.custom_size.text())
        ok = True
        if text and spec is not None:
            try:
                ok = spec.offers_size(Size.parse(text))
            except ValueError:
                ok = False
        mark_invalid(self.custom_size, not ok)

    def _update_info(self) -> None:
        spec = self.spec()
        if spec is None or self.catalog is None:
            self.info.clear()
            return
        parts = [spec.vendor] if spec.vendor else []
        parts.append("with sound" if spec.takes(Support.AUDIO) else "silent")
        render = self.catalog.expected_render_s(spec.name, self.chosen_size(), self.seconds())
        parts.append(f"renders in {about_duration(render)}")
        self.info.setText(" · ".join(parts))
        self.info.setToolTip("\n".join([price_explanation(spec), *spec.notes]))

    # --- reading -----------------------------------------------------------------------------

    def model(self) -> str:
        return str(self.model_combo.currentData() or "")

    def spec(self) -> ModelSpec | None:
        return self.catalog.model(self.model()) if self.catalog is not None else None

    def chosen_size(self) -> str:
        data = self.size_combo.currentData()
        if data == CUSTOM_SIZE:
            return normalize_size(self.custom_size.text())
        return str(data or "")

    def seconds(self) -> int:
        value = self.seconds_combo.currentData()
        return int(value) if value is not None else 0

    def set_custom_size(self, text: str) -> None:
        """Choose "Custom size…" and type ``text`` (tests and restored drafts)."""
        index = self.size_combo.findData(CUSTOM_SIZE)
        if index >= 0:
            self.size_combo.setCurrentIndex(index)
            self.custom_size.setText(text)

    # --- reacting ----------------------------------------------------------------------------

    def _on_model_changed(self, _index: int) -> None:
        self._fill_sizes_and_durations()
        self.model_changed.emit()
        self.changed.emit()

    def _on_size_changed(self, _index: int) -> None:
        self._sync_custom()
        self._update_info()
        self.changed.emit()

    def _on_seconds_changed(self, _index: int) -> None:
        self._update_info()
        self.changed.emit()

    def _on_custom_typed(self, _text: str) -> None:
        self._check_custom()
        self._update_info()
        self.changed.emit()
