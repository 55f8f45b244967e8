"""The prompt builder: catalog-bound choices, composition, inline pre-flight, cost, references,
characters, templates and submit."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QMessageBox

from sora_studio.api.provider import builtin_profiles
from sora_studio.core.brief import compose_prompt
from sora_studio.core.capabilities import preset
from sora_studio.core.catalog import catalog_for_profile, default_catalog
from sora_studio.core.models import Brief, Character
from sora_studio.services.orders import RenderOrder
from sora_studio.services.repeat_guard import RepeatGuard
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.prompt_panel import BuilderEnvironment, PromptPanel

CHARACTERS = (
    Character(1, "emulator", "char_a", "Captain Pip"),
    Character(2, "emulator", "char_b", "Moss"),
    Character(3, "emulator", "char_c", "Juniper"),
)


@pytest.fixture
def repo(tmp_path: Path):
    repository = Repository(open_db(tmp_path / "studio.sqlite3"))
    yield repository
    repository.close()


def _env(tmp_path: Path, *, long_durations: bool = False) -> BuilderEnvironment:
    # The emulator profile's catalog: its preset offers the two Sora models.
    catalog = catalog_for_profile(default_catalog(), preset("emulator").models, (), {})
    return BuilderEnvironment(
        provider="emulator",
        catalog=catalog,
        long_durations=long_durations,
        references_dir=tmp_path / "references",
        characters=CHARACTERS,
    )


@pytest.fixture
def panel(qtbot, tmp_path: Path, repo: Repository) -> PromptPanel:
    widget = PromptPanel(_env(tmp_path), repo)
    qtbot.addWidget(widget)
    widget.resize(460, 1000)
    yield widget
    widget.shutdown()


def _combo_values(combo) -> list:
    return [combo.itemData(i) for i in range(combo.count())]


def _fill(panel: PromptPanel, **fields: str) -> None:
    for name, value in fields.items():
        panel.brief_form.set_field(name, value)
    panel.refresh_preflight()


def test_choices_come_from_the_catalog(panel: PromptPanel, tmp_path: Path) -> None:
    assert _combo_values(panel.model_combo) == ["sora-2", "sora-2-pro"]
    assert _combo_values(panel.size_combo) == ["1280x720", "720x1280"]
    assert _combo_values(panel.seconds_combo) == [4, 8, 12]  # 16 and 20 need the switch
    panel.model_combo.setCurrentIndex(1)
    assert "1920x1080" in _combo_values(panel.size_combo)
    panel.set_environment(_env(tmp_path, long_durations=True))
    assert _combo_values(panel.seconds_combo) == [4, 8, 12, 16, 20]
    assert panel.model_combo.currentData() == "sora-2-pro"  # the pick survives a refill


def test_the_emulator_profile_enables_long_durations() -> None:
    emulator = builtin_profiles({})[0]
    assert emulator.long_durations_enabled


def test_structured_brief_composes_the_prompt_and_typing_frees_it(panel: PromptPanel) -> None:
    _fill(panel, subject="A red kite over dunes", lighting="golden hour")
    assert panel.prompt_text() == compose_prompt(
        Brief(subject="A red kite over dunes", lighting="golden hour")
    )
    assert not panel.free_mode
    panel.prompt_edit.setPlainText("My own words about a kite.")
    assert panel.free_mode
    assert not panel.brief_form.isVisible()
    assert panel.order().brief == Brief(free_text="My own words about a kite.")
    panel.set_free_mode(False)
    assert panel.prompt_text().startswith("A red kite over dunes.")


def test_problems_show_inline_and_render_says_why(panel: PromptPanel) -> None:
    panel.show()
    panel.refresh_preflight()
    # A fresh builder says what to do without shouting in red.
    assert not panel.prompt_problems.isVisible()
    assert not panel.render_button.isEnabled()
    assert panel.why_label.text() == "Describe the shot in the brief (or as free text) to start."
    _fill(panel, subject="x")
    _fill(panel, subject="")
    assert panel.why_label.text().startswith("Can’t render yet: Write a prompt")
    assert panel.prompt_problems.isVisible()
    assert "Write a prompt" in panel.prompt_problems.text()
    assert panel.prompt_edit.property("invalid") == "true"
    _fill(panel, subject="Mickey Mouse juggling oranges")
    assert "Mickey Mouse" in panel.prompt_problems.text()  # local policy pre-check
    assert not panel.render_button.isEnabled()
    _fill(panel, subject="An original cartoon mouse juggling oranges")
    assert not panel.prompt_problems.isVisible()
    assert panel.render_button.isEnabled()
    assert panel.submit()


def test_cost_line_shows_variants_batch_and_budget(panel: PromptPanel) -> None:
    _fill(panel, subject="A lighthouse in a storm")
    panel.seconds_combo.setCurrentIndex(panel.seconds_combo.findData(8))
    panel.variants_spin.setValue(2)
    panel.refresh_preflight()
    assert panel.cost_label.text() == "$1.60 (2 × $0.80) · Batch would be $0.80"
    panel.batch_check.setChecked(True)
    panel.refresh_preflight()
    assert panel.cost_label.text() == "$0.80 with Batch (2 × $0.40) · $1.60 standard"
    panel.set_budget(Decimal(500), Decimal(400))
    panel.refresh_preflight()
    assert panel.budget_label.text() == "Budget left after this render: $0.20 of $5.00"
    assert panel.render_button.isEnabled()
    panel.batch_check.setChecked(False)
    panel.refresh_preflight()
    assert panel.budget_label.text() == "This render would go $0.60 over the $5.00 budget."
    assert not panel.render_button.isEnabled()
    assert "budget cap" in panel.budget_problems.text()


def _image(path: Path, width: int, height: int) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#228844"))
    assert image.save(str(path), "PNG")
    return path


def test_reference_size_is_checked_and_fit_writes_a_new_file(
    qtbot, panel: PromptPanel, tmp_path: Path
) -> None:
    _fill(panel, subject="A fox in the snow")
    source = _image(tmp_path / "fox.png", 1000, 1000)
    panel.reference.set_path(source)
    panel.refresh_preflight()
    assert "Checking the reference image" in panel.reference_problems.text()
    qtbot.waitUntil(lambda: panel.reference.info is not None, timeout=5000)
    panel.refresh_preflight()
    assert "1000x1000 but the video is 1280x720" in panel.reference_problems.text()
    assert panel.reference.fit_button.isEnabled()
    assert not panel.render_button.isEnabled()
    assert panel.why_label.text() == "Can’t render yet: 1 problem marked in red (reference image)."
    assert "1000x1000" in panel.render_button.toolTip()
    panel.reference.fit_mode.setCurrentIndex(panel.reference.fit_mode.findData("pad"))
    panel.reference.fit_to_size()
    qtbot.waitUntil(
        lambda: panel.reference.info is not None and panel.reference.info.width == 1280,
        timeout=5000,
    )
    panel.refresh_preflight()
    fitted = panel.reference.path
    assert fitted is not None and fitted != source and fitted.exists()
    assert fitted.parent == tmp_path / "references"
    assert QImage(str(source)).width() == 1000  # the original is untouched
    assert not panel.reference_problems.isVisible()
    assert "matches the video size" in panel.reference.caption.text()
    assert panel.order().reference_path == str(fitted)


def test_unreadable_reference_is_explained(qtbot, panel: PromptPanel, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.png"
    bogus.write_text("not an image")
    panel.reference.set_path(bogus)
    qtbot.waitUntil(lambda: panel.reference.pending_problem() != "Checking the reference image…")
    panel.refresh_preflight()
    assert panel.reference_problems.text().startswith("Cannot use this file")


def test_characters_up_to_two_with_names_in_the_prompt(panel: PromptPanel) -> None:
    _fill(panel, subject="Two friends at a campfire")
    panel.characters.set_checked(1, True)
    panel.characters.set_checked(2, True)
    panel.characters.set_checked(3, True)  # a third is refused
    assert [c.name for c in panel.characters.selected()] == ["Captain Pip", "Moss"]
    assert "at most 2" in panel.characters.hint.text()
    panel.refresh_preflight()
    assert "Captain Pip" in panel.prompt_text() and "Moss" in panel.prompt_text()
    assert panel.order().character_ids == ("char_a", "char_b")
    assert not panel.character_problems.isVisible()


def test_templates_and_recent_briefs(qtbot, panel: PromptPanel, repo: Repository) -> None:
    _fill(panel, subject="A tram at night", style="35 mm film")
    assert panel.save_template("night tram")
    assert repo.get_template("night tram") == Brief(subject="A tram at night", style="35 mm film")
    panel.set_free_mode(True)
    panel.prompt_edit.setPlainText("Something else entirely.")
    panel.brief_form.fields["subject"].setText("A long subject typed by hand, cursor at its end")
    panel.load_brief(repo.get_template("night tram"))
    assert not panel.free_mode
    assert panel.prompt_text().startswith("A tram at night.")
    assert panel.brief_form.fields["subject"].cursorPosition() == 0  # reads from its start
    panel.templates_menu.aboutToShow.emit()
    texts = [a.text() for a in panel.templates_menu.actions()]
    assert "night tram" in texts and "Save brief as template…" in texts
    with qtbot.waitSignal(panel.render_requested):
        assert panel.submit()
    assert repo.recent_briefs(1) == [Brief(subject="A tram at night", style="35 mm film")]


def test_save_template_dialog_uses_the_name_typed(panel: PromptPanel, repo, dialogs) -> None:
    _fill(panel, subject="Dawn over a harbour")
    dialogs.text_answer = ("harbour", True)
    assert panel.save_template_dialog()
    assert "harbour" in repo.list_templates()


def test_submit_emits_the_order(qtbot, panel: PromptPanel) -> None:
    _fill(panel, subject="A paper boat in the rain")
    panel.model_combo.setCurrentIndex(1)
    panel.size_combo.setCurrentIndex(panel.size_combo.findData("1920x1080"))
    panel.seconds_combo.setCurrentIndex(panel.seconds_combo.findData(4))
    panel.variants_spin.setValue(3)
    with qtbot.waitSignal(panel.render_requested) as signal:
        assert panel.submit()
    order: RenderOrder = signal.args[0]
    assert (order.model, order.size, order.seconds, order.variants) == (
        "sora-2-pro",
        "1920x1080",
        4,
        3,
    )
    assert order.provider == "emulator" and order.prompt == "A paper boat in the rain."


def test_the_same_shot_sent_twice_at_once_is_asked_about(
    qtbot, panel: PromptPanel, dialogs
) -> None:
    _fill(panel, subject="A paper boat in the rain")
    with qtbot.waitSignal(panel.render_requested):
        assert panel.submit()
    # The second Ctrl+Enter: asked, and "No" sends nothing.
    with qtbot.assertNotEmitted(panel.render_requested):
        assert not panel.submit()
    assert dialogs.kinds() == ["question"]
    assert "Render the same shot again?" in dialogs.shown[0][1]
    # "Yes" sends it; another shot is never asked about.
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(panel.render_requested):
        assert panel.submit()
    _fill(panel, subject="A paper boat in the snow")
    with qtbot.waitSignal(panel.render_requested):
        assert panel.submit()
    assert dialogs.kinds() == ["question", "question"]


def test_repeat_guard_forgets_after_its_window() -> None:
    guard = RepeatGuard(window_s=10.0)
    order = RenderOrder(
        prompt="a boat", model="sora-2", size="1280x720", seconds=4, provider="emulator"
    )
    guard.sent(order, 100.0)
    assert guard.is_repeat(order, 109.0)
    assert not guard.is_repeat(order, 110.5)
    assert not guard.is_repeat(replace(order, seconds=8), 101.0)
    assert guard.is_repeat(replace(order, variants=3), 101.0)  # takes are not another shot


def test_render_waits_for_the_engine(panel: PromptPanel) -> None:
    _fill(panel, subject="A quiet lake")
    panel.set_engine_ready(False, "Starting the built-in emulator…")
    assert not panel.render_button.isEnabled()
    assert "Starting the built-in emulator" in panel.why_label.text()
    assert not panel.submit()
    panel.set_engine_ready(True)
    assert panel.render_button.isEnabled()


def test_moderation_runs_off_thread_and_blocks_a_flagged_prompt(qtbot, tmp_path: Path) -> None:
    calls: list[str] = []

    def moderator(text: str):
        calls.append(text)
        return ("forbidden" in text, ["violence"] if "forbidden" in text else [])

    widget = PromptPanel(_env(tmp_path), None, moderator=moderator)
    qtbot.addWidget(widget)
    widget.brief_form.set_field("subject", "A forbidden scene")
    qtbot.waitUntil(lambda: not widget.render_button.isEnabled() and bool(calls), timeout=5000)
    qtbot.waitUntil(lambda: "moderation check flags" in widget.why_label.text(), timeout=5000)
    widget.brief_form.set_field("subject", "A calm scene")
    qtbot.waitUntil(lambda: widget.render_button.isEnabled(), timeout=5000)
    widget.shutdown()


def test_ctrl_enter_straight_after_typing_renders(qtbot, panel: PromptPanel) -> None:
    """A fast typist presses Ctrl+Enter before the debounced pre-flight has run: the key still
    renders (it was swallowed by a disabled action, seen in the desk under Xvfb)."""
    panel.set_free_mode(True)
    panel.refresh_preflight()  # an empty prompt: Render held
    assert not panel.render_button.isEnabled()
    panel.prompt_edit.setPlainText("a paper boat drifting down a rain-soaked street at dusk")
    with qtbot.waitSignal(panel.render_requested, timeout=1_000) as signal:
        panel.render_action.trigger()  # what Ctrl+Return does, before the debounce fires
    assert signal.args[0].prompt.startswith("a paper boat")


def test_ctrl_enter_on_a_held_order_says_why_and_sends_nothing(qtbot, panel: PromptPanel) -> None:
    panel.set_free_mode(True)
    panel.prompt_edit.setPlainText("   ")
    with qtbot.assertNotEmitted(panel.render_requested):
        panel.render_action.trigger()
    assert not panel.render_button.isEnabled()
    assert panel.footer.why_label.text()  # the reason is beside the button
