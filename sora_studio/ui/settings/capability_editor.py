"""The Capabilities section of Settings › Providers: every capability of a profile as a control.

GUI thread only. Each field shows whether its value comes from the profile's preset or is
overridden, with a per-field reset and "Reset all to preset". What the person sees is the
preset's capabilities with the profile's overrides on top; :meth:`CapabilityEditor.overrides`
gives back only the fields that differ from the preset, which is exactly what
``ProviderProfile.capability_overrides`` keeps (so a preset fixed in a later release still reaches
every field nobody changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.capabilities import (
    BodyFormat,
    ErrorShape,
    Feature,
    ProviderCapabilities,
    ProviderPreset,
    ReferenceStyle,
)

# (field, label, what it means) for the yes/no capabilities, in the order people read them.
BOOL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("list_videos", "Lists videos", "GET /videos works; otherwise each job is polled by its id"),
    ("delete", "Deletes videos", "DELETE /videos/{id} removes the provider's copy"),
    ("delete_cancels", "Delete stops a running render", "DELETE also cancels unfinished work"),
    ("content_endpoint", "Serves /content", "Finished files are downloaded from /content"),
    ("prompt_echoed", "Echoes the prompt", "Video objects carry the prompt (used after a crash)"),
    ("synchronous", "Create blocks until done", "POST /videos returns the finished video"),
    ("seconds_as_integer", "Seconds as a number", 'Sends seconds as 8, not the string "8"'),
    ("model_required", "Needs a model named", "Every create must name its model"),
    ("models_listed", "Lists its models", "GET /models names the models it serves"),
    ("keeps_jobs", "Keeps jobs across restarts", "A restart does not lose unfinished jobs"),
    ("exact_size", "Renders the exact size", "Otherwise the size it really made is kept"),
)
FEATURE_LABELS: dict[Feature, str] = {
    Feature.REMIX: "Remix",
    Feature.EDIT: "Edit",
    Feature.EXTEND: "Extend",
    Feature.CHARACTERS: "Characters",
    Feature.REFERENCE_IMAGE: "Reference image",
    Feature.BATCH: "Batch",
}
VARIANT_LABELS = {"video": "Video", "thumbnail": "Thumbnail", "spritesheet": "Spritesheet"}
SHAPE_LABELS: dict[ErrorShape, str] = {
    ErrorShape.OPENAI: "OpenAI {error}",
    ErrorShape.DETAIL: "FastAPI {detail}",
    ErrorShape.FLAT: "Flat {message}",
    ErrorShape.CODE_MESSAGE: "{code, message}",
}
BODY_LABELS: dict[BodyFormat, str] = {
    BodyFormat.EITHER: "JSON or multipart",
    BodyFormat.JSON: "JSON only",
    BodyFormat.MULTIPART: "Multipart only",
}
REFERENCE_LABELS: dict[ReferenceStyle, str] = {
    ReferenceStyle.INPUT_REFERENCE: "input_reference (official)",
    ReferenceStyle.IMAGE_REFERENCE: "image_reference (vLLM-Omni)",
    ReferenceStyle.REFERENCE_URL: "reference_url (SGLang)",
}
SET_FIELDS = ("features", "content_variants", "error_shapes")
COMBO_FIELDS = ("body_format", "reference_style")
FIELD_TITLES: dict[str, str] = {
    **{name: label for name, label, _ in BOOL_FIELDS},
    "features": "Operations",
    "content_variants": "Files served",
    "error_shapes": "Error shapes",
    "body_format": "Create body",
    "reference_style": "Reference image as",
}


def describe_value(field: str, value: Any) -> str:
    """A capability's JSON value in the words the editor uses (``"no"``, ``"Remix, Edit"``)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "features":
        return ", ".join(FEATURE_LABELS[Feature(v)] for v in value) or "none"
    if field == "content_variants":
        return ", ".join(VARIANT_LABELS.get(v, v) for v in value) or "none"
    if field == "error_shapes":
        return ", ".join(SHAPE_LABELS[ErrorShape(v)] for v in value) or "none"
    if field == "body_format":
        return BODY_LABELS[BodyFormat(value)]
    if field == "reference_style":
        return REFERENCE_LABELS[ReferenceStyle(value)]
    return str(value)


class _Mark(QWidget):
    """ "from preset" or "overridden" (with the preset's value) and a reset button."""

    def __init__(self, field: str, editor: CapabilityEditor) -> None:
        super().__init__(editor)
        self.label = QLabel()
        self.reset = QToolButton()
        self.reset.setText("Reset")
        self.reset.setAutoRaise(True)
        self.reset.setToolTip("Back to the preset's value")
        self.reset.clicked.connect(lambda: editor.reset_field(field))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.reset)
        layout.addStretch(1)

    def show_source(self, overridden: bool, preset_label: str, preset_value: str) -> None:
        self.label.setText("(overridden)" if overridden else "from preset")
        self.label.setProperty("role", "heading" if overridden else "hint")
        self.label.setToolTip(
            f"{preset_label} says: {preset_value}" if overridden else f"As {preset_label} says"
        )
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        self.reset.setVisible(overridden)


@dataclass
class _SetControls:
    """The checkboxes of one set-valued field, by value."""

    boxes: dict[str, QCheckBox]

    def values(self) -> set[str]:
        return {value for value, box in self.boxes.items() if box.isChecked()}


class CapabilityEditor(QGroupBox):
    """Every capability of one profile, marked preset or overridden (GUI thread)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Capabilities", parent)
        self._preset: ProviderPreset | None = None
        self._loading = False
        self.marks: dict[str, _Mark] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.sets: dict[str, _SetControls] = {}
        self.combos: dict[str, QComboBox] = {}
        self.reset_all_button = QPushButton("Reset all to preset")
        self.reset_all_button.clicked.connect(self.reset_all)
        self.summary = QLabel()
        self.summary.setProperty("role", "hint")
        self.summary.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        # Yes/no fields two to a row (checkbox, mark), so the section stays short.
        for index, (name, label, tip) in enumerate(BOOL_FIELDS):
            box = QCheckBox(label)
            box.setToolTip(tip)
            box.toggled.connect(self._on_edit)
            self.checks[name] = box
            self.marks[name] = _Mark(name, self)
            row, column = divmod(index, 2)
            grid.addWidget(box, row, column * 2)
            grid.addWidget(self.marks[name], row, column * 2 + 1)
        row = (len(BOOL_FIELDS) + 1) // 2
        choices: dict[str, tuple[tuple[str, str], ...]] = {
            "features": tuple((f.value, FEATURE_LABELS[f]) for f in Feature),
            "content_variants": tuple(
                (v, VARIANT_LABELS[v]) for v in ("video", "thumbnail", "spritesheet")
            ),
            "error_shapes": tuple((s.value, SHAPE_LABELS[s]) for s in ErrorShape),
        }
        for name in SET_FIELDS:
            boxes: dict[str, QCheckBox] = {}
            line = QHBoxLayout()
            line.setSpacing(8)
            for value, label in choices[name]:
                box = QCheckBox(label)
                box.toggled.connect(self._on_edit)
                boxes[value] = box
                line.addWidget(box)
            line.addStretch(1)
            self.sets[name] = _SetControls(boxes)
            self.marks[name] = _Mark(name, self)
            row = self._add_row(grid, row, name, line)
        for name, labels in (("body_format", BODY_LABELS), ("reference_style", REFERENCE_LABELS)):
            combo = QComboBox()
            for key, text in labels.items():
                combo.addItem(text, key.value)
            combo.currentIndexChanged.connect(self._on_edit)
            self.combos[name] = combo
            self.marks[name] = _Mark(name, self)
            line = QHBoxLayout()
            line.addWidget(combo)
            line.addStretch(1)
            row = self._add_row(grid, row, name, line)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.reset_all_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)

    def _add_row(self, grid: QGridLayout, row: int, name: str, line: QHBoxLayout) -> int:
        title = QLabel(FIELD_TITLES[name])
        holder = QWidget()
        holder.setLayout(line)
        line.setContentsMargins(0, 0, 0, 0)
        both = QHBoxLayout()
        both.setContentsMargins(0, 0, 0, 0)
        both.addWidget(title)
        both.addWidget(holder, 1)
        both.addWidget(self.marks[name])
        wrapper = QWidget()
        wrapper.setLayout(both)
        grid.addWidget(wrapper, row, 0, 1, 4)
        return row + 1

    # --- state --------------------------------------------------------------------------------

    @property
    def preset(self) -> ProviderPreset:
        if self._preset is None:
            raise RuntimeError("load() a preset first")
        return self._preset

    def load(self, preset: ProviderPreset, overrides: Mapping[str, Any]) -> None:
        """Show ``preset``'s capabilities with ``overrides`` applied (no ``changed`` signal)."""
        self._preset = preset
        self._show(preset.capabilities.with_overrides(overrides))

    def set_preset(self, preset: ProviderPreset) -> None:
        """Another server kind: the person's overrides stay, over the new preset's values."""
        overrides = self.overrides()
        self._preset = preset
        self._show(preset.capabilities.with_overrides(overrides))
        self.changed.emit()

    def _show(self, caps: ProviderCapabilities) -> None:
        self._loading = True
        try:
            values = caps.to_dict()
            for name, box in self.checks.items():
                box.setChecked(bool(values[name]))
            for name, controls in self.sets.items():
                chosen = set(values[name])
                for value, box in controls.boxes.items():
                    box.setChecked(value in chosen)
            for name, combo in self.combos.items():
                combo.setCurrentIndex(max(0, combo.findData(values[name])))
        finally:
            self._loading = False
        self._refresh_marks()

    def values(self) -> dict[str, Any]:
        """What the controls say, as capability JSON values (every field)."""
        out: dict[str, Any] = {name: box.isChecked() for name, box in self.checks.items()}
        preset_values = self.preset.capabilities.to_dict()
        for name, controls in self.sets.items():
            chosen = controls.values()
            if name == "error_shapes":
                # Order matters to the comparison with the preset: its order first, then others.
                first = [v for v in preset_values[name] if v in chosen]
                out[name] = first + [s.value for s in ErrorShape if s in chosen and s not in first]
            else:
                out[name] = sorted(chosen)
        for name, combo in self.combos.items():
            out[name] = str(combo.currentData())
        return out

    def capabilities(self) -> ProviderCapabilities:
        return self.preset.capabilities.with_overrides(self.values())

    def overrides(self) -> dict[str, Any]:
        """Only the fields that differ from the preset (``capability_overrides``)."""
        return self.preset.capabilities.differences(self.capabilities())

    def is_overridden(self, name: str) -> bool:
        return name in self.overrides()

    def apply(self, found: Mapping[str, Any]) -> None:
        """Put ``found`` (field -> JSON value, e.g. a probe's suggestions) over what is shown."""
        merged = {**self.overrides(), **found}
        self._show(self.preset.capabilities.with_overrides(merged))
        self.changed.emit()

    # --- resets -------------------------------------------------------------------------------

    def reset_field(self, name: str) -> None:
        overrides = self.overrides()
        overrides.pop(name, None)
        self._show(self.preset.capabilities.with_overrides(overrides))
        self.changed.emit()

    def reset_all(self) -> None:
        self._show(self.preset.capabilities)
        self.changed.emit()

    def _on_edit(self, *_args: Any) -> None:
        if self._loading or self._preset is None:
            return
        self._refresh_marks()
        self.changed.emit()

    def _refresh_marks(self) -> None:
        preset_values = self.preset.capabilities.to_dict()
        overrides = self.overrides()
        for name, mark in self.marks.items():
            mark.show_source(
                name in overrides,
                self.preset.label,
                describe_value(name, preset_values[name]),
            )
        count = len(overrides)
        self.summary.setText(
            f"As the {self.preset.label} preset says."
            if not count
            else f"{count} capabilit{'y differs' if count == 1 else 'ies differ'} from the "
            f"{self.preset.label} preset."
        )
        self.reset_all_button.setEnabled(bool(count))


__all__ = ["CapabilityEditor", "describe_value"]
