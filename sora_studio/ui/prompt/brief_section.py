"""The top of the builder: the brief's fields, the prompt they compose, and the switch between
Structured (the prompt is composed from the brief) and Free text (the prompt box is the truth).

Typing into a composed prompt detaches it from the fields: the builder switches to free mode and
keeps the text as typed. Policy hits are underlined in the prompt (red for refusals, amber for
warnings); the prompt's problems and warnings are shown right under it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from sora_studio.core.brief import compose_prompt
from sora_studio.core.models import Brief, Character
from sora_studio.core.validation import MAX_PROMPT_CHARS
from sora_studio.ui.prompt.brief_form import PLACEHOLDERS, BriefForm
from sora_studio.ui.prompt.labels import problem_label, set_problems, stack, warning_label
from sora_studio.ui.prompt.policy_marks import PolicyHighlighter, warning_color

_STRUCTURED_FIELDS = ("subject", "setting", "camera", "lighting", "motion", "style", "audio")


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


class BriefSection(QWidget):
    """Brief, prompt and mode switch; ``changed`` whenever the prompt may have changed."""

    changed = Signal()

    def __init__(self, header_tools: Sequence[QWidget] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self._free_mode = False
        self._touched = False  # has the user typed anything yet (empty prompt shown as a hint)
        # The prompt text last seen: re-underlining (a theme change) emits textChanged too.
        self._seen_text = ""

        self.structured_button = QToolButton()
        self.structured_button.setText("Structured")
        self.free_button = QToolButton()
        self.free_button.setText("Free text")
        self.mode_group = QButtonGroup(self)
        for button in (self.structured_button, self.free_button):
            button.setCheckable(True)
            self.mode_group.addButton(button)
        self.structured_button.setChecked(True)
        self.structured_button.setToolTip("Compose the prompt from the brief fields")
        self.free_button.setToolTip("Write the prompt yourself; the brief fields are set aside")
        self.structured_button.clicked.connect(lambda: self.set_free_mode(False))
        self.free_button.clicked.connect(lambda: self.set_free_mode(True))

        self.brief_form = BriefForm()
        self.brief_form.changed.connect(self._on_brief_changed)
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setObjectName("promptEdit")
        self.prompt_edit.setPlaceholderText(
            "The prompt sent to the provider. Fill in the brief above, or switch to Free text "
            "and write it here."
        )
        self.prompt_edit.setMinimumHeight(72)
        self.prompt_edit.setMaximumHeight(130)
        self.prompt_edit.textChanged.connect(self._on_prompt_edited)
        self.prompt_count = QLabel()
        self.prompt_count.setProperty("role", "hint")
        self.prompt_problems = problem_label()
        self.prompt_warnings = warning_label()
        self.policy_highlighter = PolicyHighlighter(self.prompt_edit.document(), self.palette())

        header = QHBoxLayout()
        header.addWidget(_heading("Brief"))
        header.addStretch(1)
        for widget in (self.structured_button, self.free_button, *header_tools):
            header.addWidget(widget)
        prompt_header = QHBoxLayout()
        prompt_header.addWidget(_heading("Prompt"))
        prompt_header.addStretch(1)
        prompt_header.addWidget(self.prompt_count)
        parts: list[QWidget | QLayout] = [header, self.brief_form, prompt_header, self.prompt_edit]
        # The builder's column spacing: this section reads as part of that column.
        stack(self, [*parts, self.prompt_problems, self.prompt_warnings], spacing=6)

    # --- reading -----------------------------------------------------------------------------

    def prompt_text(self) -> str:
        return self.prompt_edit.toPlainText()

    def brief(self) -> Brief:
        """The brief behind the prompt; in free mode the whole prompt is the free text."""
        if self._free_mode:
            return Brief(free_text=self.prompt_text())
        return self.brief_form.brief()

    @property
    def free_mode(self) -> bool:
        return self._free_mode

    @property
    def untouched(self) -> bool:
        """Nothing typed yet and the prompt empty: a start, not a mistake."""
        return not self._touched and not self.prompt_text().strip()

    # --- changing ----------------------------------------------------------------------------

    def set_free_mode(self, free: bool) -> None:
        """Free text: the prompt box is the truth. Structured: it is composed from the brief."""
        self._free_mode = free
        self.free_button.setChecked(free)
        self.structured_button.setChecked(not free)
        self.brief_form.setEnabled(not free)
        self.brief_form.setVisible(not free)
        if not free:
            self._recompose()
        self.changed.emit()

    def load_brief(self, brief: Brief) -> None:
        """Fill the fields (or, for a free-text brief, the prompt) from a saved brief."""
        structured = any(getattr(brief, f) for f in (*_STRUCTURED_FIELDS, "constraints"))
        self.brief_form.set_brief(brief)
        if structured:
            self.set_free_mode(False)
        else:
            self.set_free_mode(True)
            self.prompt_edit.setPlainText(brief.free_text)

    def insert_character_name(self, character: Character) -> None:
        """Name a picked character in the prompt (in the subject while structured)."""
        name = character.name
        if name in self.prompt_text():
            return
        if self._free_mode:
            text = self.prompt_text().rstrip()
            self.prompt_edit.setPlainText(f"{text}\nFeaturing {name}." if text else f"{name}.")
        else:
            subject = self.brief_form.brief().subject.strip().rstrip(".")
            self.brief_form.set_field("subject", f"{subject} with {name}" if subject else name)

    def mark_silent(self, silent: bool) -> None:
        """A silent model ignores the brief's audio line; say so where it is typed."""
        audio = self.brief_form.fields["audio"]
        audio.setPlaceholderText("Silent model" if silent else PLACEHOLDERS["audio"])

    def _on_brief_changed(self) -> None:
        self._touched = True
        if not self._free_mode:
            self._recompose()

    def _recompose(self) -> None:
        text = compose_prompt(self.brief_form.brief())
        if text != self.prompt_text():
            self.prompt_edit.blockSignals(True)
            self.prompt_edit.setPlainText(text)
            self.prompt_edit.blockSignals(False)
            self._seen_text = text
        self.changed.emit()

    def _on_prompt_edited(self) -> None:
        text = self.prompt_text()
        if text == self._seen_text:
            return  # only the underlines changed, not the words
        self._seen_text = text
        self._touched = True
        if not self._free_mode and text != compose_prompt(self.brief_form.brief()):
            # Typing into the composed prompt detaches it from the fields: free mode, kept as is.
            self._free_mode = True
            self.free_button.setChecked(True)
            self.structured_button.setChecked(False)
            self.brief_form.setVisible(False)
        self.changed.emit()

    # --- showing -----------------------------------------------------------------------------

    def show_checks(self, problems: list[str], warning: str) -> None:
        """The prompt's problems (red, and the box marked), its warning and its length."""
        set_problems(self.prompt_problems, problems, self.prompt_edit)
        self.prompt_warnings.setText(warning)
        self.prompt_warnings.setVisible(bool(warning))
        self.prompt_count.setText(f"{len(self.prompt_text()):,} / {MAX_PROMPT_CHARS:,}")

    def follow_palette(self, palette: QPalette) -> None:
        """Follow a theme switch: the amber for light and dark windows differs."""
        sheet = f"color: {warning_color(palette)};"
        if self.prompt_warnings.styleSheet() != sheet:
            self.prompt_warnings.setStyleSheet(sheet)
        self.policy_highlighter.set_palette(palette)
