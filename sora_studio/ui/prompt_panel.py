"""The prompt builder: brief, prompt text, model/size/duration, reference, characters, cost, Render.

The builder offers only what the chosen model supports: its sizes and lengths
(:class:`~sora_studio.ui.prompt.format_picker.FormatPicker`), the reference-image and character
rows only for models that take them, Batch only where the model has a Batch price, and the
"Advanced" group (:class:`~sora_studio.ui.prompt.advanced.AdvancedGroup`) only for models with
extra settings. What is hidden is not sent.

GUI thread only. Every edit re-runs the pre-flight (validation, local policy pre-check, cost and
budget; pure and cheap) after a short debounce and shows each problem in red under the field it
concerns; Render stays disabled with the reason beside it until the order is ok. Policy warnings
(phrases the provider *may* refuse, such as "murder" in a crime drama) are shown in amber under
the prompt and named beside Render, which stays enabled. Policy hits are underlined in the prompt
editor, red for refusals and amber for warnings. When the provider has a moderation endpoint, the
prompt is also sent there off the GUI thread, debounced.
Pressing Render emits ``render_requested(RenderOrder)``; the main window queues it to the
PollWorker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.brief import compose_prompt
from sora_studio.core.capabilities import Feature, ProviderCapabilities
from sora_studio.core.catalog import Catalog
from sora_studio.core.model_spec import Support
from sora_studio.core.models import Brief, Character, CharacterRef, Size
from sora_studio.core.pricing import format_cents
from sora_studio.core.validation import MAX_PROMPT_CHARS
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.services.preflight import compute_preflight
from sora_studio.services.repeat_guard import RepeatGuard
from sora_studio.services.spend import order_estimate
from sora_studio.ui.icons import make_icon
from sora_studio.ui.prompt.advanced import AdvancedGroup
from sora_studio.ui.prompt.background import BackgroundCalls
from sora_studio.ui.prompt.brief_form import PLACEHOLDERS, BriefForm
from sora_studio.ui.prompt.characters import CharacterPicker
from sora_studio.ui.prompt.cost_text import cost_line
from sora_studio.ui.prompt.format_picker import FormatPicker
from sora_studio.ui.prompt.labels import mark_invalid, problem_label, set_problems, warning_label
from sora_studio.ui.prompt.policy_marks import PolicyHighlighter, warning_color
from sora_studio.ui.prompt.preflight import (
    READY,
    RENDER_TIP,
    blocking_reasons,
    moderation_matches_warnings,
    ready_text,
    render_tooltip,
    warning_text,
)
from sora_studio.ui.prompt.reference import ReferencePicker

PREFLIGHT_DEBOUNCE_MS = 120
SHORT_REASON_CHARS = 90  # a longer single reason is summarised; the field shows it in full
MODERATION_DEBOUNCE_MS = 800
MAX_VARIANTS = 4

# A moderation call: the prompt -> (flagged, categories), or None when the provider has none.
Moderator = Callable[[str], "tuple[bool, list[str]] | None"]


class BriefStore(Protocol):
    """What the builder needs from the repository for templates and recent briefs."""

    def list_templates(self) -> dict[str, Brief]: ...

    def save_template(self, name: str, brief: Brief) -> None: ...

    def recent_briefs(self, limit: int = 10) -> list[Brief]: ...

    def add_recent_brief(self, brief: Brief) -> None: ...


# Model abilities that also need the provider's server to offer them.
_PROVIDER_FEATURE = {
    Support.REFERENCE_IMAGE: Feature.REFERENCE_IMAGE,
    Support.CHARACTERS: Feature.CHARACTERS,
}


@dataclass(frozen=True)
class BuilderEnvironment:
    """What the builder offers: the active provider's catalog, its switches, saved characters."""

    provider: str
    catalog: Catalog
    long_durations: bool
    references_dir: Path
    characters: tuple[Character, ...] = ()
    retired: bool = False  # OpenAI's own Videos API: explained in the builder, never sent
    # What the provider's server can do: a reference image, characters or Batch it cannot take
    # are hidden like those the model cannot take.
    capabilities: ProviderCapabilities = field(default_factory=ProviderCapabilities)


def brief_title(brief: Brief) -> str:
    text = " ".join((brief.subject or compose_prompt(brief)).split())
    return text if len(text) <= 60 else text[:59] + "…"


class PromptPanel(QWidget):
    """The left-hand builder."""

    render_requested = Signal(object)  # RenderOrder
    preflight_changed = Signal(object)  # Preflight

    def __init__(
        self,
        environment: BuilderEnvironment,
        store: BriefStore | None = None,
        parent: QWidget | None = None,
        *,
        moderator: Moderator | None = None,
        background: BackgroundCalls | None = None,
    ) -> None:
        super().__init__(parent)
        self.environment = environment
        self.store = store
        self.moderator = moderator
        self.background = background or BackgroundCalls(self)
        self._budget_cap: Decimal | None = None
        self._committed = Decimal(0)
        self._engine_ready = True
        self._engine_reason = ""
        self._moderation: tuple[str, bool, list[str]] | None = None  # (prompt, flagged, cats)
        self._preflight: Preflight | None = None
        self._repeat_guard = RepeatGuard()  # a second Ctrl+Enter is asked about, not paid for
        self._free_mode = False
        self._touched = False  # has the user typed anything yet (empty prompt shown as a hint)
        # The prompt text last seen: re-underlining (a theme change) emits textChanged too.
        self._seen_text = ""

        # --- brief and prompt -----------------------------------------------------------------
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
        self.templates_button = QToolButton()
        self.templates_button.setText("Templates")
        self.templates_button.setIcon(make_icon("template"))
        self.templates_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.templates_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.templates_menu = QMenu(self)
        self.templates_menu.aboutToShow.connect(self._fill_templates_menu)
        self.templates_button.setMenu(self.templates_menu)
        self.templates_button.setEnabled(store is not None)

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

        # --- model, size, duration, and the model's extra settings ----------------------------
        self.formats = FormatPicker()
        self.model_combo = self.formats.model_combo
        self.size_combo = self.formats.size_combo
        self.seconds_combo = self.formats.seconds_combo
        self.formats.changed.connect(self._schedule)
        self.formats.model_changed.connect(self._apply_model)
        self.format_problems = problem_label()
        self.advanced = AdvancedGroup()
        self.advanced.changed.connect(self._schedule)
        self.advanced.opened.connect(self._reveal_advanced)

        # --- reference, characters ------------------------------------------------------------
        self.reference = ReferencePicker(environment.references_dir, self.background)
        self.reference.changed.connect(self._schedule)
        self.reference.fit_failed.connect(self._show_reference_error)
        self.reference_problems = problem_label()
        self.characters = CharacterPicker()
        self.characters.changed.connect(self._schedule)
        self.characters.picked.connect(self._insert_character_name)
        self.character_problems = problem_label()

        # --- variants, batch, cost, render ----------------------------------------------------
        self.variants_spin = QSpinBox()
        self.variants_spin.setRange(1, MAX_VARIANTS)
        self.variants_spin.setToolTip("How many takes of this prompt to render (each is charged)")
        self.variants_spin.valueChanged.connect(self._schedule)
        self.batch_check = QCheckBox("Batch (half price, slower)")
        self.batch_check.setToolTip(
            "Send through the Batch API: half the price, results within hours instead of minutes"
        )
        self.batch_check.toggled.connect(self._schedule)
        self.cost_label = QLabel()
        self.cost_label.setProperty("role", "cost")
        self.cost_label.setWordWrap(True)
        self.budget_label = QLabel()
        self.budget_label.setProperty("role", "hint")
        self.budget_label.setWordWrap(True)
        self.budget_problems = problem_label()
        self.render_button = QPushButton(make_icon("render", "#ffffff"), "Render")
        self.render_button.setObjectName("renderButton")
        self.render_button.clicked.connect(self.submit)
        self.why_label = QLabel()
        self.why_label.setProperty("role", "hint")
        self.why_label.setWordWrap(True)
        self.render_action = QAction(make_icon("render"), "Render", self)
        self.render_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.render_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.render_action.triggered.connect(self.submit)
        self.addAction(self.render_action)

        self._build_layout()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PREFLIGHT_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh_preflight)
        self._moderation_timer = QTimer(self)
        self._moderation_timer.setSingleShot(True)
        self._moderation_timer.setInterval(MODERATION_DEBOUNCE_MS)
        self._moderation_timer.timeout.connect(self._start_moderation)
        self.set_environment(environment)
        self._recolor_warnings()
        self.refresh_preflight()  # a complete cost line and hints from the first paint

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        heading = QLabel("Brief")
        heading.setProperty("role", "heading")
        header.addWidget(heading)
        header.addStretch(1)
        header.addWidget(self.structured_button)
        header.addWidget(self.free_button)
        header.addWidget(self.templates_button)

        prompt_header = QHBoxLayout()
        prompt_heading = QLabel("Prompt")
        prompt_heading.setProperty("role", "heading")
        prompt_header.addWidget(prompt_heading)
        prompt_header.addStretch(1)
        prompt_header.addWidget(self.prompt_count)

        self.reference_heading = QLabel("Reference image")
        self.reference_heading.setProperty("role", "heading")
        self.characters_heading = QLabel("Characters")
        self.characters_heading.setProperty("role", "heading")

        takes = QHBoxLayout()
        takes.addWidget(QLabel("Variants"))
        takes.addWidget(self.variants_spin)
        takes.addSpacing(12)
        takes.addWidget(self.batch_check)
        takes.addStretch(1)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(6)
        column.addLayout(header)
        column.addWidget(self.brief_form)
        column.addLayout(prompt_header)
        column.addWidget(self.prompt_edit)
        column.addWidget(self.prompt_problems)
        column.addWidget(self.prompt_warnings)
        column.addWidget(self.formats)
        column.addWidget(self.format_problems)
        column.addWidget(self.reference_heading)
        column.addWidget(self.reference)
        column.addWidget(self.reference_problems)
        column.addWidget(self.characters_heading)
        column.addWidget(self.characters)
        column.addWidget(self.character_problems)
        column.addWidget(self.advanced)
        column.addLayout(takes)
        column.addStretch(1)
        scroll = self._scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        footer = QWidget()
        foot = QVBoxLayout(footer)
        foot.setContentsMargins(10, 6, 10, 10)
        foot.addWidget(self.cost_label)
        foot.addWidget(self.budget_label)
        foot.addWidget(self.budget_problems)
        render_row = QHBoxLayout()
        render_row.addWidget(self.why_label, 1)
        render_row.addWidget(self.render_button, 0, Qt.AlignmentFlag.AlignBottom)
        foot.addLayout(render_row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll, 1)
        layout.addWidget(footer)

    # --- environment from outside ----------------------------------------------------------

    def set_environment(self, environment: BuilderEnvironment) -> None:
        """A new provider, catalog, switch or character list: refill the choices, keep picks."""
        self.environment = environment
        self.reference.references_dir = environment.references_dir
        self.formats.set_catalog(environment.catalog, environment.long_durations)
        self.characters.set_characters(
            [c for c in environment.characters if c.provider == environment.provider]
        )
        self._schedule()

    def _apply_model(self) -> None:
        """Show only what the chosen model takes (hidden rows are not sent either)."""
        spec = self.formats.spec()
        takes_reference = self._takes(Support.REFERENCE_IMAGE)
        self.reference_heading.setHidden(not takes_reference)
        self.reference.setHidden(not takes_reference)
        if not takes_reference:
            self.reference_problems.hide()
        takes_characters = self._takes(Support.CHARACTERS)
        self.characters_heading.setHidden(not takes_characters)
        self.characters.setHidden(not takes_characters)
        if not takes_characters:
            self.character_problems.hide()
        self.batch_check.setHidden(
            (spec is not None and not spec.has_batch)
            or not self.environment.capabilities.supports(Feature.BATCH)
        )
        # A silent model ignores the brief's audio line; say so where it is typed.
        silent = spec is not None and not spec.takes(Support.AUDIO)
        audio = self.brief_form.fields["audio"]
        audio.setPlaceholderText("Silent model" if silent else PLACEHOLDERS["audio"])
        self.advanced.set_model(spec)
        self._schedule()

    def _reveal_advanced(self) -> None:
        # After the layout has made room for the unfolded rows.
        QTimer.singleShot(0, self, lambda: self._scroll.ensureWidgetVisible(self.advanced, 0, 8))

    def _takes(self, feature: Support) -> bool:
        provider_feature = _PROVIDER_FEATURE.get(feature)
        if provider_feature is not None and not self.environment.capabilities.supports(
            provider_feature
        ):
            return False
        spec = self.formats.spec()
        return spec is None or spec.takes(feature)

    def set_budget(self, cap_cents: Decimal | None, committed_cents: Decimal) -> None:
        self._budget_cap = cap_cents
        self._committed = committed_cents
        self._schedule()

    def set_engine_ready(self, ready: bool, reason: str = "") -> None:
        """Hold Render while the engine or the provider is not available, saying why."""
        self._engine_ready = ready
        self._engine_reason = reason
        self._apply_render_state()

    # --- reading the order -----------------------------------------------------------------

    def prompt_text(self) -> str:
        return self.prompt_edit.toPlainText()

    def brief(self) -> Brief:
        """The brief behind the prompt; in free mode the whole prompt is the free text."""
        if self._free_mode:
            return Brief(free_text=self.prompt_text())
        return self.brief_form.brief()

    def order(self) -> RenderOrder:
        """What Render would send: only what the chosen model takes."""
        spec = self.formats.spec()
        reference = self.reference.path if self._takes(Support.REFERENCE_IMAGE) else None
        characters = self.characters.selected() if self._takes(Support.CHARACTERS) else []
        return RenderOrder(
            prompt=self.prompt_text(),
            model=self.formats.model(),
            size=self.formats.chosen_size(),
            seconds=self.formats.seconds(),
            provider=self.environment.provider,
            brief=self.brief(),
            variants=self.variants_spin.value(),
            batch=self.batch_check.isChecked() and (spec is None or spec.has_batch),
            reference_path=str(reference) if reference else None,
            character_ids=tuple(c.remote_id for c in characters),
            extras=self.advanced.extras(),
        )

    def preflight(self) -> Preflight:
        """The current pre-flight, recomputed now (no debounce)."""
        self.refresh_preflight()
        assert self._preflight is not None
        return self._preflight

    # --- reacting to edits -----------------------------------------------------------------

    def set_free_mode(self, free: bool) -> None:
        """Free text: the prompt box is the truth. Structured: it is composed from the brief."""
        self._free_mode = free
        self.free_button.setChecked(free)
        self.structured_button.setChecked(not free)
        self.brief_form.setEnabled(not free)
        self.brief_form.setVisible(not free)
        if not free:
            self._recompose()
        self._schedule()

    @property
    def free_mode(self) -> bool:
        return self._free_mode

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
        self._schedule()

    def _on_prompt_edited(self) -> None:
        text = self.prompt_text()
        if text == self._seen_text:
            return  # only the underlines changed, not the words
        self._seen_text = text
        self._touched = True
        if not self._free_mode and self.prompt_text() != compose_prompt(self.brief_form.brief()):
            # Typing into the composed prompt detaches it from the fields: free mode, kept as is.
            self._free_mode = True
            self.free_button.setChecked(True)
            self.structured_button.setChecked(False)
            self.brief_form.setVisible(False)
        self._schedule()

    def _insert_character_name(self, character: Character) -> None:
        name = character.name
        if name in self.prompt_text():
            return
        if self._free_mode:
            text = self.prompt_text().rstrip()
            self.prompt_edit.setPlainText(f"{text}\nFeaturing {name}." if text else f"{name}.")
        else:
            subject = self.brief_form.brief().subject.strip().rstrip(".")
            self.brief_form.set_field("subject", f"{subject} with {name}" if subject else name)

    def _show_reference_error(self, message: str) -> None:
        self.reference_problems.setText(message)
        self.reference_problems.show()

    def _schedule(self, *_args: Any) -> None:
        self._debounce.start()
        if self.moderator is not None:
            self._moderation_timer.start()

    # --- pre-flight and display -----------------------------------------------------------------

    def refresh_preflight(self) -> None:
        self._debounce.stop()
        order = self.order()
        self.reference.set_target_size(_parse_size(order.size))
        takes_reference = order.reference_path is not None
        pending = self.reference.pending_problem() if self._takes(Support.REFERENCE_IMAGE) else None
        characters = self.characters.selected() if order.character_ids else []
        preflight = compute_preflight(
            order,
            self.environment.catalog,
            long_durations=self.environment.long_durations,
            reference=self.reference.info if takes_reference else None,
            reference_problems=[pending] if pending else [],
            characters=[CharacterRef(c.remote_id, c.name) for c in characters],
            budget_cap_cents=self._budget_cap,
            committed_cents=self._committed,
            provider_retired=self.environment.retired,
        )
        self._preflight = preflight
        self._show(preflight)
        self.preflight_changed.emit(preflight)

    def _show(self, preflight: Preflight) -> None:
        by_field: dict[str, list[str]] = {}
        for problem in preflight.problems:
            by_field.setdefault(problem.field, []).append(problem.message)
        prompt_msgs = by_field.get("prompt", []) + [f.message for f in preflight.blocking_flags]
        if not self.prompt_text().strip() and not self._touched:
            prompt_msgs = []  # an untouched, empty builder is a start, not a mistake
        moderation = self._moderation_message()
        if moderation:
            prompt_msgs.append(moderation)
        set_problems(self.prompt_problems, prompt_msgs, self.prompt_edit)
        moderation_warning = self._moderation_warning()
        warning = warning_text(preflight, [moderation_warning] if moderation_warning else [])
        self.prompt_warnings.setText(warning)
        self.prompt_warnings.setVisible(bool(warning))
        set_problems(
            self.format_problems,
            by_field.get("provider", [])
            + by_field.get("model", [])
            + by_field.get("size", [])
            + by_field.get("seconds", [])
            + by_field.get("batch", []),
            None,
        )
        set_problems(self.reference_problems, by_field.get("reference", []), None)
        set_problems(
            self.character_problems,
            by_field.get("characters", []) + by_field.get("variants", []),
            None,
        )
        self.advanced.show_problems(by_field.get("extras", []))
        for combo, name in (
            (self.model_combo, "model"),
            (self.size_combo, "size"),
            (self.seconds_combo, "seconds"),
        ):
            mark_invalid(combo, name in by_field)
        length = len(self.prompt_text())
        self.prompt_count.setText(f"{length:,} / {MAX_PROMPT_CHARS:,}")

        order = self.order()
        self.cost_label.setText(
            cost_line(
                self.formats.spec(),
                preflight,
                variants=max(1, order.variants),
                batch=order.batch,
                standard_total=self._standard_total(preflight) if order.batch else Decimal(0),
                render_s=self.environment.catalog.expected_render_s(
                    order.model, order.size, order.seconds
                ),
            )
        )
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
        budget_msgs = [] if preflight.within_budget else [blocking_reasons(preflight)[-1]]
        set_problems(self.budget_problems, budget_msgs, None)
        self._apply_render_state()

    def _standard_total(self, preflight: Preflight) -> Decimal:
        order = self.order()
        return order_estimate(
            self.environment.catalog,
            model=order.model,
            size=order.size,
            seconds=order.seconds,
            batch=False,
            variants=max(1, order.variants),
        )

    def render_blockers(self) -> list[str]:
        """Why Render is disabled right now (empty when it is enabled)."""
        reasons: list[str] = []
        if not self._engine_ready:
            reasons.append(self._engine_reason or "The render engine is starting…")
        if self._preflight is not None:
            reasons += blocking_reasons(self._preflight)
        moderation = self._moderation_message()
        if moderation:
            reasons.append(moderation)
        return reasons

    def blocking_fields(self) -> list[str]:
        """Names of the places that hold Render back, in the order they appear in the builder."""
        names: list[str] = []
        preflight = self._preflight
        if preflight is not None:
            fields = {p.field for p in preflight.problems}
            if "prompt" in fields or preflight.blocking_flags or self._moderation_message():
                names.append("prompt")
            for field, label in (
                ("model", "model"),
                ("size", "size"),
                ("seconds", "length"),
                ("reference", "reference image"),
                ("characters", "characters"),
                ("extras", "advanced settings"),
                ("variants", "variants"),
            ):
                if field in fields:
                    names.append(label)
            if not preflight.within_budget:
                names.append("budget")
        return names

    def _apply_render_state(self) -> None:
        reasons = self.render_blockers()
        self.render_button.setEnabled(not reasons)
        self.render_action.setEnabled(not reasons)
        if not reasons:
            # Warnings never disable Render; they are named here and listed in the tooltip.
            preflight = self._preflight
            self.why_label.setText(ready_text(preflight) if preflight else READY)
            self.render_button.setToolTip(render_tooltip(preflight) if preflight else RENDER_TIP)
            return
        self.render_button.setToolTip("\n".join(f"• {r}" for r in reasons))
        if not self._engine_ready:
            # Nothing the user did: say what is happening rather than list their fields.
            self.why_label.setText(f"Can’t render yet: {reasons[0]}")
            return
        if not self._touched and not self.prompt_text().strip():
            self.why_label.setText("Describe the shot in the brief (or as free text) to start.")
            return
        if len(reasons) == 1 and len(reasons[0]) <= SHORT_REASON_CHARS:
            self.why_label.setText(f"Can’t render yet: {reasons[0]}")
            return
        places = self.blocking_fields()
        where = ", ".join(places) if places else "see the notes above"
        count = f"{len(reasons)} problems" if len(reasons) > 1 else "1 problem"
        self.why_label.setText(f"Can’t render yet: {count} marked in red ({where}).")

    # --- theme -----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._recolor_warnings()

    def _recolor_warnings(self) -> None:
        """Follow a theme switch: the amber for light and dark windows differs."""
        palette = self.palette()
        sheet = f"color: {warning_color(palette)};"
        if self.prompt_warnings.styleSheet() != sheet:
            self.prompt_warnings.setStyleSheet(sheet)
        self.policy_highlighter.set_palette(palette)

    # --- moderation -------------------------------------------------------------------------------

    def _moderation_flags(self) -> list[str] | None:
        """The flagged categories for the current prompt; None when not flagged (or stale)."""
        if self._moderation is None:
            return None
        prompt, flagged, categories = self._moderation
        if not flagged or prompt != self.prompt_text():
            return None
        return categories

    def _moderation_message(self) -> str | None:
        """The moderation flag as a reason Render is disabled, unless local warnings explain it."""
        categories = self._moderation_flags()
        if categories is None or moderation_matches_warnings(categories, self.prompt_text()):
            return None
        what = ", ".join(categories) if categories else "its content policy"
        return f"The provider's moderation check flags this prompt ({what}); rephrase it."

    def _moderation_warning(self) -> str | None:
        """The moderation flag as a warning, when it only echoes the local warnings."""
        categories = self._moderation_flags()
        if not categories or not moderation_matches_warnings(categories, self.prompt_text()):
            return None
        return (
            f"The provider's moderation check also flags this prompt ({', '.join(categories)}); "
            "the render may be refused."
        )

    def _start_moderation(self) -> None:
        moderator = self.moderator
        prompt = self.prompt_text()
        if moderator is None or not prompt.strip():
            return
        if self._moderation is not None and self._moderation[0] == prompt:
            return

        def done(result: Any, error: BaseException | None) -> None:
            if error is not None or result is None:
                return  # moderation is advisory: an outage must not block rendering
            flagged, categories = result
            self._moderation = (prompt, bool(flagged), list(categories))
            self._apply_render_state()
            if self._preflight is not None:
                self._show(self._preflight)

        self.background.call("moderation", lambda: moderator(prompt), done)

    # --- templates and recent briefs --------------------------------------------------------------

    def _fill_templates_menu(self) -> None:
        menu = self.templates_menu
        menu.clear()
        if self.store is None:
            return
        save = menu.addAction(make_icon("save"), "Save brief as template…")
        save.triggered.connect(self.save_template_dialog)
        templates = self.store.list_templates()
        menu.addSeparator()
        if templates:
            for name, brief in templates.items():
                action = menu.addAction(make_icon("template"), name)
                action.triggered.connect(lambda _=False, b=brief: self.load_brief(b))
        else:
            menu.addAction("No templates yet").setEnabled(False)
        recent_menu = menu.addMenu(make_icon("history"), "Recent briefs")
        recent = self.store.recent_briefs(10)
        if recent:
            for brief in recent:
                action = recent_menu.addAction(brief_title(brief))
                action.setToolTip(compose_prompt(brief))
                action.triggered.connect(lambda _=False, b=brief: self.load_brief(b))
        else:
            recent_menu.addAction("Nothing rendered yet").setEnabled(False)

    def save_template_dialog(self) -> bool:
        name, ok = QInputDialog.getText(self, "Save template", "Template name:")
        if not ok or not name.strip():
            return False
        return self.save_template(name.strip())

    def save_template(self, name: str) -> bool:
        if self.store is None:
            return False
        self.store.save_template(name, self.brief())
        return True

    def load_brief(self, brief: Brief) -> None:
        """Fill the builder from a template or a recent brief."""
        structured = any(
            getattr(brief, f) for f in ("subject", "setting", "camera", "lighting", "motion")
        ) or any(getattr(brief, f) for f in ("style", "audio", "constraints"))
        self.brief_form.set_brief(brief)
        if structured:
            self.set_free_mode(False)
        else:
            self.set_free_mode(True)
            self.prompt_edit.setPlainText(brief.free_text)

    def templates(self) -> Sequence[str]:
        return list(self.store.list_templates()) if self.store else []

    # --- submit -----------------------------------------------------------------------------------

    def submit(self) -> bool:
        """Emit ``render_requested`` when the order passes pre-flight; False (and why) otherwise."""
        self.refresh_preflight()
        if self.render_blockers():
            return False
        order = self.order()
        now = time.monotonic()
        if self._repeat_guard.is_repeat(order, now) and not self._confirm_repeat(order):
            return False
        self._repeat_guard.sent(order, now)
        if self.store is not None:
            self.store.add_recent_brief(order.brief)
        self.render_requested.emit(order)
        return True

    def _confirm_repeat(self, order: RenderOrder) -> bool:
        """Ask before sending the very same paid render again a few seconds later."""
        cost = self._preflight.estimate_cents if self._preflight is not None else None
        price = f" for {format_cents(cost)}" if cost else ""
        answer = QMessageBox.question(
            self,
            "Render the same shot again?",
            f"You sent this exact shot a moment ago. Render it again{price}?\n\n"
            "To get several takes of one prompt, raise Variants instead.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def shutdown(self) -> None:
        self._debounce.stop()
        self._moderation_timer.stop()
        self.background.cancel("moderation")
        self.background.cancel("reference")
        self.background.wait(5000)


def _parse_size(text: str) -> Size | None:
    try:
        return Size.parse(text)
    except ValueError:
        return None
