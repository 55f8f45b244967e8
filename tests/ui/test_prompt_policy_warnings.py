"""Policy warnings in the builder: amber notes that leave Render enabled; refusals still disable it.

Also the wording (pure functions), the prompt editor's underlines, and a warned prompt going from
the builder through the real engine to a ready clip on the real emulator, with the emulator's
moderation endpoint consulted as in the desk.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from sora_studio.app import ProviderModerator
from sora_studio.core.catalog import default_catalog
from sora_studio.core.models import JobStatus, PolicyFlag
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.ui.prompt.preflight import (
    READY,
    blocking_reasons,
    moderation_matches_warnings,
    ready_text,
    render_tooltip,
    warning_text,
)
from sora_studio.ui.prompt_panel import BuilderEnvironment, PromptPanel
from sora_studio.ui.theme import ERROR, ERROR_LIGHT, WARNING, WARNING_LIGHT
from tests.services.conftest import make_engine

WARNED = "A detective kneels beside the murder scene in a rainy alley"
BLOCKED = "Batman kneels beside the murder scene in a rainy alley"
MURDER_MESSAGE = "“murder” may be refused: keep violence mild enough for audiences under 18."


def _env(tmp_path: Path) -> BuilderEnvironment:
    return BuilderEnvironment(
        provider="emulator",
        catalog=default_catalog(),
        long_durations=False,
        references_dir=tmp_path / "references",
    )


@pytest.fixture
def panel(qtbot, tmp_path: Path) -> PromptPanel:
    widget = PromptPanel(_env(tmp_path), None)
    qtbot.addWidget(widget)
    widget.resize(460, 1000)
    widget.show()
    yield widget
    widget.shutdown()


def _type(panel: PromptPanel, text: str) -> None:
    panel.set_free_mode(True)
    panel.prompt_edit.setPlainText(text)
    panel.refresh_preflight()


def _preflight(*flags: PolicyFlag) -> Preflight:
    return Preflight(
        problems=(),
        policy_flags=flags,
        estimate_cents=Decimal(40),
        batch_estimate_cents=Decimal(20),
        per_variant_cents=Decimal(40),
        budget_cap_cents=None,
        budget_left_after_cents=None,
    )


def _warn(phrase: str) -> PolicyFlag:
    return PolicyFlag("under_18", phrase, f"“{phrase}” may be refused.", block=False)


# --- wording ----------------------------------------------------------------------------------


def test_ready_text_names_the_warned_phrases() -> None:
    assert ready_text(_preflight()) == READY
    assert ready_text(_preflight(_warn("murder"))) == (
        "Ready, with 1 warning: the provider may refuse “murder”. Ctrl+Enter renders."
    )
    assert ready_text(_preflight(_warn("murder"), _warn("Bullying"), _warn("bullying"))) == (
        "Ready, with 2 warnings: the provider may refuse “murder” and “Bullying”. "
        "Ctrl+Enter renders."
    )
    many = _preflight(*(_warn(w) for w in ("a", "b", "c", "d", "e")))
    assert ready_text(many) == (
        "Ready, with 5 warnings: the provider may refuse “a”, “b”, “c” and 2 more. "
        "Ctrl+Enter renders."
    )


def test_tooltip_and_note_list_each_warning_and_reasons_skip_them() -> None:
    check = _preflight(_warn("murder"), _warn("shit"))
    assert render_tooltip(check) == (
        "Send this render (Ctrl+Enter)\n\nThe provider may refuse this prompt:\n"
        "• “murder” may be refused.\n• “shit” may be refused."
    )
    assert warning_text(_preflight(_warn("murder"))) == "Warning: “murder” may be refused."
    assert warning_text(check).startswith("Warnings (you can still render):\n• “murder”")
    assert warning_text(_preflight()) == ""
    assert warning_text(_preflight(), ["Moderation flags it."]) == "Warning: Moderation flags it."
    assert warning_text(_preflight(_warn("murder")), ["Moderation flags it."]) == (
        "Warnings (you can still render):\n• “murder” may be refused.\n• Moderation flags it."
    )
    assert blocking_reasons(check) == []
    refusal = PolicyFlag("real_person", "Obama", "Replace “Obama”.")
    assert blocking_reasons(_preflight(refusal, _warn("murder"))) == ["Replace “Obama”."]


def test_moderation_flags_are_explained_only_by_matching_warnings() -> None:
    assert moderation_matches_warnings(["violence"], WARNED)
    assert not moderation_matches_warnings(["violence/graphic"], WARNED)
    assert not moderation_matches_warnings(["hate"], WARNED)
    assert not moderation_matches_warnings([], WARNED)  # flagged without saying why
    assert not moderation_matches_warnings(["violence"], "a calm lake")
    assert not moderation_matches_warnings(["sexual"], "a nude figure")  # a refusal, not a warning


# --- the builder ------------------------------------------------------------------------------


def test_a_warning_only_prompt_enables_render_and_says_so(panel: PromptPanel, qtbot) -> None:
    _type(panel, WARNED)
    assert panel.render_button.isEnabled() and panel.render_action.isEnabled()
    assert panel.render_blockers() == [] and panel.blocking_fields() == []
    assert not panel.prompt_problems.isVisible()
    assert panel.prompt_edit.property("invalid") == "false"
    assert panel.prompt_warnings.isVisible()
    assert panel.prompt_warnings.text() == f"Warning: {MURDER_MESSAGE}"
    assert panel.why_label.text() == (
        "Ready, with 1 warning: the provider may refuse “murder”. Ctrl+Enter renders."
    )
    tip = panel.render_button.toolTip()
    assert tip.startswith("Send this render (Ctrl+Enter)") and MURDER_MESSAGE in tip
    with qtbot.waitSignal(panel.render_requested) as sent:
        assert panel.submit()
    assert isinstance(sent.args[0], RenderOrder) and sent.args[0].prompt == WARNED

    _type(panel, "A detective kneels beside a chalk outline in a rainy alley")
    assert not panel.prompt_warnings.isVisible()
    assert panel.why_label.text() == READY
    assert panel.render_button.toolTip() == "Send this render (Ctrl+Enter)"


def test_a_blocking_prompt_still_disables_render_and_keeps_the_warning_apart(
    panel: PromptPanel,
) -> None:
    _type(panel, BLOCKED)
    assert not panel.render_button.isEnabled() and not panel.submit()
    assert "Replace “Batman”" in panel.prompt_problems.text()
    assert "murder" not in panel.prompt_problems.text()  # the warning is not a problem
    assert panel.prompt_warnings.text() == f"Warning: {MURDER_MESSAGE}"
    assert panel.prompt_edit.property("invalid") == "true"
    assert panel.blocking_fields() == ["prompt"]
    assert panel.why_label.text() == "Can’t render yet: 1 problem marked in red (prompt)."
    assert "Replace “Batman”" in panel.render_button.toolTip()


def _set_window_color(panel: PromptPanel, color: str) -> None:
    palette = QPalette(panel.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor(color))
    panel.setPalette(palette)
    QApplication.processEvents()


def _underlines(panel: PromptPanel) -> dict[str, str]:
    units = panel.prompt_text().encode("utf-16-le")  # Qt's positions count UTF-16 units
    layout = panel.prompt_edit.document().firstBlock().layout()
    return {
        units[2 * r.start : 2 * (r.start + r.length)].decode("utf-16-le"): (
            r.format.underlineColor().name()
        )
        for r in layout.formats()
    }


def test_warnings_are_amber_problems_red_and_follow_the_theme(panel: PromptPanel) -> None:
    _type(panel, "😀 " + BLOCKED)  # an emoji is two UTF-16 units: the marks must not shift
    _set_window_color(panel, "#1e1f22")  # the dark theme's window
    assert panel.prompt_warnings.styleSheet() == f"color: {WARNING};"
    # The underline marks in the editor: red for the refusal, amber for the warning.
    assert _underlines(panel) == {"Batman": ERROR, "murder": WARNING}

    _set_window_color(panel, "#f4f4f6")  # the light theme's window
    assert panel.prompt_warnings.styleSheet() == f"color: {WARNING_LIGHT};"
    assert _underlines(panel) == {"Batman": ERROR_LIGHT, "murder": WARNING_LIGHT}


def test_a_moderation_flag_that_only_echoes_a_warning_keeps_render_enabled(
    qtbot, tmp_path: Path
) -> None:
    def moderator(text: str) -> tuple[bool, list[str]]:
        return ("murder" in text, ["violence"] if "murder" in text else [])

    widget = PromptPanel(_env(tmp_path), None, moderator=moderator)
    qtbot.addWidget(widget)
    widget.set_free_mode(True)
    widget.prompt_edit.setPlainText(WARNED)
    qtbot.waitUntil(lambda: "moderation check also flags" in widget.prompt_warnings.text())
    assert widget.prompt_warnings.text() == (
        f"Warnings (you can still render):\n• {MURDER_MESSAGE}\n• The provider's moderation "
        "check also flags this prompt (violence); the render may be refused."
    )
    assert widget.render_button.isEnabled()
    assert widget.render_blockers() == []
    widget.shutdown()


# --- through the engine, on the emulator -------------------------------------------------------


def test_a_warned_prompt_renders_from_the_builder_on_the_emulator(
    qtbot, tmp_path: Path, emulator: EmulatorServer
) -> None:
    repo, engine = make_engine(tmp_path / "studio", emulator.base_url)
    moderator = ProviderModerator(engine.registry.profile("emulator"), {})
    widget = PromptPanel(_env(tmp_path), None, moderator=moderator)
    qtbot.addWidget(widget)
    try:
        assert moderator(WARNED) == (True, ["violence"])  # the emulator scores "murder"
        widget.set_free_mode(True)
        widget.prompt_edit.setPlainText(WARNED)
        qtbot.waitUntil(lambda: "moderation check also flags" in widget.prompt_warnings.text())
        assert widget.render_button.isEnabled(), widget.why_label.text()
        with qtbot.waitSignal(widget.render_requested) as sent:
            widget.render_button.click()
        [job] = engine.submit(sent.args[0])
        deadline = time.monotonic() + 20
        while not repo.require_job(job.id).status.is_terminal:
            assert time.monotonic() < deadline, repo.require_job(job.id)
            time.sleep(min(engine.poll_once().next_delay_s, 0.05))
        assert repo.require_job(job.id).status is JobStatus.READY
    finally:
        widget.shutdown()
        moderator.close()
        engine.shutdown(5.0)
        repo.close()
