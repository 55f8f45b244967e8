"""The prompt builder: brief, prompt text, model/size/duration, reference, characters, cost, Render.

``PromptPanel`` only composes the builder's parts (``ui/prompt/``) and turns them into one
order: the brief and prompt (``brief_section``), the formats the chosen model supports
(``format_picker``), the reference-image and character rows only for models and providers that
take them, Batch only where the model has a Batch price, the "Advanced" group only for models
with extra settings (``advanced``), templates (``templates``), and the cost and Render footer
(``render_footer``). What is hidden is not sent.

GUI thread only. Every edit re-runs the pre-flight (validation, local policy pre-check, cost and
budget; pure and cheap) after a short debounce and shows each problem in red under the field it
concerns; Render stays disabled with the reason beside it until the order is ok. Policy warnings
(phrases the provider *may* refuse, such as "murder" in a crime drama) are shown in amber under
the prompt and named beside Render, which stays enabled. When the provider has a moderation
endpoint, the prompt is also sent there off the GUI thread, debounced (``moderation``). A second
Render of the very same order within seconds is asked about (``repeat``). Pressing Render emits
``render_requested(RenderOrder)``; the main window queues it to the PollWorker.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.model_spec import Support
from sora_studio.core.models import Brief, CharacterRef, Size
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.services.preflight import compute_preflight
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.prompt.advanced import AdvancedGroup
from sora_studio.ui.prompt.brief_section import BriefSection
from sora_studio.ui.prompt.characters import CharacterPicker
from sora_studio.ui.prompt.cost_text import order_cost_line
from sora_studio.ui.prompt.environment import BriefStore, BuilderEnvironment, Moderator
from sora_studio.ui.prompt.format_picker import FormatPicker
from sora_studio.ui.prompt.labels import mark_invalid, problem_label, set_problems
from sora_studio.ui.prompt.moderation import ModerationCheck
from sora_studio.ui.prompt.preflight import (
    blocking_fields,
    blocking_reasons,
    held_text,
    problems_by_field,
    warning_text,
)
from sora_studio.ui.prompt.reference import ReferencePicker, dropped_image_path
from sora_studio.ui.prompt.render_footer import RenderFooter
from sora_studio.ui.prompt.repeat import RepeatCheck
from sora_studio.ui.prompt.takes import TakesRow
from sora_studio.ui.prompt.templates import TemplatesButton, brief_title

# Re-exported: the desk and the tests know these names from here.
__all__ = ["BriefStore", "BuilderEnvironment", "Moderator", "PromptPanel", "brief_title"]

PREFLIGHT_DEBOUNCE_MS = 120
PICTURE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})  # what a reference may be
# Where each pre-flight field's problems are shown (the prompt's go under the prompt).
_FORMAT_FIELDS = ("provider", "model", "size", "seconds", "batch")


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
        background: BackgroundOps | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)  # a picture dropped anywhere on the builder is its reference
        self.environment = environment
        self.store = store
        self.background = background or BackgroundOps(self)
        self._budget_cap: Decimal | None = None
        self._committed = Decimal(0)
        self._engine_ready = True
        self._engine_reason = ""
        self._preflight: Preflight | None = None
        self._repeat = RepeatCheck(self)  # a second Ctrl+Enter is asked about, not paid for

        # --- brief and prompt, templates, moderation ----------------------------------------
        self.templates_button = TemplatesButton(store, self.brief)
        self.templates_button.chosen.connect(self.load_brief)
        self.templates_menu = self.templates_button.templates_menu
        self.brief_section = BriefSection([self.templates_button])
        self.brief_section.changed.connect(self._schedule)
        self.brief_form = self.brief_section.brief_form
        self.prompt_edit = self.brief_section.prompt_edit
        self.prompt_problems = self.brief_section.prompt_problems
        self.prompt_warnings = self.brief_section.prompt_warnings
        self.moderation = ModerationCheck(self.background, self.prompt_text, moderator, self)
        self.moderation.changed.connect(self._on_moderation)

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
        self.characters.picked.connect(self.brief_section.insert_character_name)
        self.character_problems = problem_label()

        # --- variants, batch; cost and Render in the footer -----------------------------------
        self.takes = TakesRow()
        self.takes.changed.connect(self._schedule)
        self.variants_spin = self.takes.variants_spin
        self.batch_check = self.takes.batch_check
        self.footer = RenderFooter()
        self.footer.render_pressed.connect(self.submit)
        self.cost_label = self.footer.cost_label
        self.budget_label = self.footer.budget_label
        self.budget_problems = self.footer.budget_problems
        self.why_label = self.footer.why_label
        self.render_button = self.footer.render_button
        self.render_action = self.footer.render_action
        self.addAction(self.render_action)

        self._build_layout()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PREFLIGHT_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh_preflight)
        self.set_environment(environment)
        self.brief_section.follow_palette(self.palette())
        self.refresh_preflight()  # a complete cost line and hints from the first paint

    def _build_layout(self) -> None:
        self.reference_heading = QLabel("Reference image")
        self.reference_heading.setProperty("role", "heading")
        self.characters_heading = QLabel("Characters")
        self.characters_heading.setProperty("role", "heading")
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(6)
        for widget in (
            self.brief_section,
            self.formats,
            self.format_problems,
            self.reference_heading,
            self.reference,
            self.reference_problems,
            self.characters_heading,
            self.characters,
            self.character_problems,
            self.advanced,
            self.takes,
        ):
            column.addWidget(widget)
        column.addStretch(1)
        scroll = self._scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.footer)

    # --- environment from outside ----------------------------------------------------------

    @property
    def moderator(self) -> Moderator | None:
        return self.moderation.moderator

    @moderator.setter
    def moderator(self, moderator: Moderator | None) -> None:
        self.moderation.moderator = moderator  # the desk sets it once the provider is known

    def set_environment(self, environment: BuilderEnvironment) -> None:
        """A new provider, catalog, switch or character list: refill the choices, keep picks."""
        self.environment = environment
        self.reference.references_dir = environment.references_dir
        self.formats.set_catalog(environment.catalog, environment.long_durations)
        self.characters.set_characters(environment.own_characters())
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
        self.batch_check.setHidden(not self.environment.offers_batch(spec))
        self.brief_section.mark_silent(spec is not None and not spec.takes(Support.AUDIO))
        self.advanced.set_model(spec)
        self._schedule()

    def _reveal_advanced(self) -> None:
        # After the layout has made room for the unfolded rows.
        QTimer.singleShot(0, self, lambda: self._scroll.ensureWidgetVisible(self.advanced, 0, 8))

    def _takes(self, feature: Support) -> bool:
        return self.environment.offers(feature, self.formats.spec())

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
        return self.brief_section.prompt_text()

    def brief(self) -> Brief:
        """The brief behind the prompt; in free mode the whole prompt is the free text."""
        return self.brief_section.brief()

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
        self.brief_section.set_free_mode(free)

    @property
    def free_mode(self) -> bool:
        return self.brief_section.free_mode

    def _show_reference_error(self, message: str) -> None:
        self.reference_problems.setText(message)
        self.reference_problems.show()

    def _schedule(self, *_args: Any) -> None:
        self._debounce.start()
        self.moderation.schedule()
        # Ctrl+Enter typed straight after the last key comes before the debounced check: it
        # must reach submit(), which checks the order afresh and says why if it cannot render.
        self.render_action.setEnabled(True)

    def _on_moderation(self) -> None:
        self._apply_render_state()
        if self._preflight is not None:
            self._show(self._preflight)

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
        by_field = problems_by_field(preflight)
        prompt_msgs = by_field.get("prompt", []) + [f.message for f in preflight.blocking_flags]
        if self.brief_section.untouched:
            prompt_msgs = []  # an untouched, empty builder is a start, not a mistake
        moderation = self.moderation.message()
        if moderation:
            prompt_msgs.append(moderation)
        moderation_warning = self.moderation.warning()
        warning = warning_text(preflight, [moderation_warning] if moderation_warning else [])
        self.brief_section.show_checks(prompt_msgs, warning)
        formats = [m for field in _FORMAT_FIELDS for m in by_field.get(field, [])]
        set_problems(self.format_problems, formats, None)
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

        cost = order_cost_line(
            self.formats.spec(), preflight, self.order(), self.environment.catalog
        )
        self.footer.show_costs(cost, preflight)
        self._apply_render_state()

    def render_blockers(self) -> list[str]:
        """Why Render is disabled right now (empty when it is enabled)."""
        reasons: list[str] = []
        if not self._engine_ready:
            reasons.append(self._engine_reason or "The render engine is starting…")
        if self._preflight is not None:
            reasons += blocking_reasons(self._preflight)
        moderation = self.moderation.message()
        if moderation:
            reasons.append(moderation)
        return reasons

    def blocking_fields(self) -> list[str]:
        """Names of the places that hold Render back, in the order they appear in the builder."""
        if self._preflight is None:
            return []
        flagged = self.moderation.message() is not None
        return blocking_fields(self._preflight, prompt_flagged=flagged)

    def _apply_render_state(self) -> None:
        reasons = self.render_blockers()
        if not reasons:
            self.footer.show_ready(self._preflight)
            return
        why = held_text(
            reasons,
            engine_ready=self._engine_ready,
            untouched=self.brief_section.untouched,
            places=self.blocking_fields(),
        )
        self.footer.show_held(reasons, why)

    # --- theme -----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.brief_section.follow_palette(self.palette())

    # --- templates and recent briefs --------------------------------------------------------------

    def save_template_dialog(self) -> bool:
        return self.templates_button.save_dialog()

    def save_template(self, name: str) -> bool:
        return self.templates_button.save(name)

    def load_brief(self, brief: Brief) -> None:
        """Fill the builder from a template or a recent brief."""
        self.brief_section.load_brief(brief)

    def templates(self) -> Sequence[str]:
        return self.templates_button.names()

    # --- submit -----------------------------------------------------------------------------------

    def submit(self) -> bool:
        """Emit ``render_requested`` when the order passes pre-flight; False (and why) otherwise."""
        self.refresh_preflight()
        if self.render_blockers():
            return False
        order = self.order()
        cost = self._preflight.estimate_cents if self._preflight is not None else None
        if not self._repeat.allows(order, cost):
            return False
        if self.store is not None:
            self.store.add_recent_brief(order.brief)
        self.render_requested.emit(order)
        return True

    # --- a picture dropped anywhere on the builder (the Assets dock, a file manager) ---------

    def frame_size(self) -> tuple[int, int] | None:
        """The chosen size as (width, height), None while it is not a valid size."""
        size = _parse_size(self.formats.chosen_size())
        return None if size is None else (size.width, size.height)

    def use_reference(self, path: str | Path) -> bool:
        """Make ``path`` the reference image, read and checked as if dropped on the reference
        box ("Fit to size" is offered when it does not match); False when the chosen model
        takes no reference image."""
        if not self._takes(Support.REFERENCE_IMAGE):
            return False
        self.reference.set_path(Path(path))
        return True

    def _dropped_picture(self, event: QDragEnterEvent | QDropEvent) -> Path | None:
        path = dropped_image_path(event.mimeData().urls())
        if path is None or path.suffix.lower() not in PICTURE_SUFFIXES:
            return None
        return path if self._takes(Support.REFERENCE_IMAGE) else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_picture(event) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_picture(event)
        if path is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.use_reference(path)

    def shutdown(self) -> None:
        self._debounce.stop()
        self.moderation.stop()
        self.background.shutdown(5000)  # drops a reference read or moderation check on its way


def _parse_size(text: str) -> Size | None:
    try:
        return Size.parse(text)
    except ValueError:
        return None
