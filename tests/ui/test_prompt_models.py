"""The builder offers only what the chosen model supports: switching Sora -> Wan -> Veo changes
the sizes, lengths, rows and the Advanced group, and what is hidden is not sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from sora_studio.core.catalog import catalog_for_profile, default_catalog
from sora_studio.core.models import Character
from sora_studio.services.orders import RenderOrder
from sora_studio.ui.prompt.format_picker import CUSTOM_SIZE, about_duration, normalize_size
from sora_studio.ui.prompt_panel import BuilderEnvironment, PromptPanel

WAN = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
A14B = "wan-2.2-t2v-a14b"
VEO = "gemini/veo-3.1-generate-preview"
MYSTERY = "lab/mystery-video"
SERVED = ("sora-2", WAN, A14B, VEO, MYSTERY)


def _env(tmp_path: Path) -> BuilderEnvironment:
    # A gateway whose server listed these models (Test connection) - one of each kind.
    catalog = catalog_for_profile(default_catalog(), (), SERVED, {})
    return BuilderEnvironment(
        provider="gateway",
        catalog=catalog,
        long_durations=False,
        references_dir=tmp_path / "references",
        characters=(Character(1, "gateway", "char_a", "Captain Pip"),),
    )


@pytest.fixture
def panel(qtbot, tmp_path: Path) -> PromptPanel:
    widget = PromptPanel(_env(tmp_path))
    qtbot.addWidget(widget)
    widget.resize(460, 1000)
    widget.show()
    widget.set_free_mode(True)
    widget.prompt_edit.setPlainText("A red fox trots through fresh snow at dawn")
    yield widget
    widget.shutdown()


def _values(combo) -> list:
    return [combo.itemData(i) for i in range(combo.count())]


def _choose(panel: PromptPanel, model: str) -> None:
    panel.model_combo.setCurrentIndex(panel.model_combo.findData(model))
    panel.refresh_preflight()


def _visible(panel: PromptPanel) -> dict[str, bool]:
    return {
        "reference": panel.reference.isVisible(),
        "characters": panel.characters.isVisible(),
        "batch": panel.batch_check.isVisible(),
        "advanced": panel.advanced.isVisible(),
    }


def test_the_model_menu_lists_the_providers_models_with_prices(panel: PromptPanel) -> None:
    assert _values(panel.model_combo) == list(SERVED)
    texts = [panel.model_combo.itemText(i) for i in range(panel.model_combo.count())]
    assert texts == [
        "Sora 2 — $0.10/s",
        "Wan 2.2 TI2V 5B — no charge",
        "Wan 2.2 T2V A14B — no charge",
        "Veo 3.1 — $0.40/s",
        "lab/mystery-video — price unknown",
    ]


def test_switching_sora_wan_veo(qtbot, panel: PromptPanel) -> None:
    # Sora: its two sizes, Sora lengths, reference, characters and Batch; no Advanced group.
    assert panel.model_combo.currentData() == "sora-2"
    assert _values(panel.size_combo) == ["1280x720", "720x1280"]
    assert _values(panel.seconds_combo) == [4, 8, 12]
    assert _visible(panel) == {
        "reference": True,
        "characters": True,
        "batch": True,
        "advanced": False,
    }
    assert panel.cost_label.text() == "$0.40 per render · Batch would be $0.20"

    # Wan 2.2 TI2V 5B: the model card's sizes plus a custom size, 2-5 s, a reference image,
    # no characters or Batch, and every Advanced setting.
    _choose(panel, WAN)
    assert _values(panel.size_combo) == ["1280x704", "704x1280", CUSTOM_SIZE]
    assert _values(panel.seconds_combo) == [2, 3, 4, 5]
    assert panel.seconds_combo.currentData() == 4  # the 4 s picked for Sora is kept
    assert _visible(panel) == {
        "reference": True,
        "characters": False,
        "batch": False,
        "advanced": True,
    }
    assert panel.seconds_combo.itemData(3, 3) == "121 frames at 24 fps"  # ToolTipRole
    advanced = panel.advanced
    assert not advanced.body.isVisible()  # closed until asked for
    assert "negative prompt, seed, steps, guidance" in advanced.summary.text()
    advanced.toggle.click()
    assert advanced.body.isVisible()
    assert [advanced.form.isRowVisible(r) for r in range(4)] == [True, True, True, True]
    assert advanced.steps.placeholderText() == "default (50)"
    advanced.seed.setText("42")
    advanced.steps.setText("30")
    advanced.negative_prompt.setPlainText("blur, watermark")
    panel.refresh_preflight()
    order = panel.order()
    assert order.model == WAN and order.size == "1280x704" and order.seconds == 4
    assert order.extras == (
        ("negative_prompt", "blur, watermark"),
        ("seed", "42"),
        ("num_inference_steps", "30"),
    )
    assert not order.batch and order.character_ids == ()
    assert panel.render_button.isEnabled(), panel.render_blockers()
    assert panel.cost_label.text().startswith("No charge · self-hosted, about")

    # Veo 3.1: four sizes, 4/6/8 s, Advanced keeps only negative prompt and seed; the steps
    # typed for Wan stay in their hidden box but are not sent.
    _choose(panel, VEO)
    assert _values(panel.size_combo) == ["1280x720", "720x1280", "1920x1080", "1080x1920"]
    assert _values(panel.seconds_combo) == [4, 6, 8]
    assert _visible(panel) == {
        "reference": True,
        "characters": False,
        "batch": False,
        "advanced": True,
    }
    assert [advanced.form.isRowVisible(r) for r in range(4)] == [True, True, False, False]
    order = panel.order()
    assert order.extras == (("negative_prompt", "blur, watermark"), ("seed", "42"))
    assert panel.render_button.isEnabled(), panel.render_blockers()
    assert panel.cost_label.text() == "$1.60 per render"  # 4 s x $0.40, no Batch offered

    # Back to Sora: the Advanced group is hidden and sends nothing.
    _choose(panel, "sora-2")
    assert not panel.advanced.isVisible() and panel.order().extras == ()
    assert panel.batch_check.isVisible()


def test_a_custom_size_is_checked_as_it_is_typed(panel: PromptPanel) -> None:
    _choose(panel, WAN)
    panel.formats.set_custom_size("960 x 544")
    assert panel.formats.custom_size.isVisible()
    assert "multiples of 32 from 256 to 1280 px" in panel.formats.custom_hint.text()
    panel.refresh_preflight()
    assert panel.order().size == "960x544"
    assert panel.formats.custom_size.property("invalid") == "false"
    assert panel.render_button.isEnabled(), panel.render_blockers()

    panel.formats.custom_size.setText("1000x700")
    assert panel.formats.custom_size.property("invalid") == "true"  # at once, before pre-flight
    panel.refresh_preflight()
    assert not panel.render_button.isEnabled()
    assert "1000x700 is not one" in panel.format_problems.text()
    assert "size" in panel.blocking_fields()

    panel.size_combo.setCurrentIndex(0)
    assert not panel.formats.custom_size.isVisible()
    assert panel.order().size == "1280x704"


def test_a_bad_extra_opens_the_group_and_blocks_render(panel: PromptPanel) -> None:
    _choose(panel, WAN)
    assert not panel.advanced.is_open()
    panel.advanced.seed.setText("-3")
    panel.refresh_preflight()
    assert panel.advanced.is_open()
    assert "The seed must be a whole number" in panel.advanced.problems.text()
    assert not panel.render_button.isEnabled()
    assert "advanced settings" in panel.blocking_fields()
    panel.advanced.seed.setText("3")
    panel.refresh_preflight()
    assert panel.advanced.problems.isHidden() and panel.render_button.isEnabled()


def test_hidden_rows_are_not_sent(qtbot, panel: PromptPanel, tmp_path: Path) -> None:
    image = QImage(1280, 704, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    path = tmp_path / "first.png"
    assert image.save(str(path), "PNG")
    _choose(panel, WAN)
    panel.reference.set_path(path)
    qtbot.waitUntil(lambda: panel.reference.info is not None, timeout=5000)
    assert panel.order().reference_path == str(path)
    # Wan 2.2 T2V A14B takes no reference image: the row hides and nothing is sent.
    _choose(panel, A14B)
    assert not panel.reference.isVisible()
    assert panel.order().reference_path is None
    assert panel.reference_problems.isHidden()
    assert panel.render_button.isEnabled(), panel.render_blockers()
    _choose(panel, "sora-2")
    panel.characters.set_checked(1, True)
    assert panel.order().character_ids == ("char_a",)
    _choose(panel, VEO)
    assert panel.order().character_ids == ()


def test_an_unknown_model_says_its_price_is_unknown(panel: PromptPanel) -> None:
    _choose(panel, MYSTERY)
    assert _values(panel.seconds_combo) == [4, 8]
    assert not panel.advanced.isVisible() and not panel.reference.isVisible()
    assert panel.cost_label.text().startswith("Price unknown")
    assert "listed by the server" in panel.formats.info.text()


def test_render_emits_the_extras(qtbot, panel: PromptPanel) -> None:
    _choose(panel, A14B)
    panel.size_combo.setCurrentIndex(panel.size_combo.findData("832x480"))
    panel.advanced.guidance.setText("4.5")
    with qtbot.waitSignal(panel.render_requested, timeout=2000) as signal:
        assert panel.submit()
    sent: RenderOrder = signal.args[0]
    assert sent.model == A14B and sent.extras == (("guidance_scale", "4.5"),)


def test_helpers() -> None:
    assert normalize_size(" 960 × 544 ") == "960x544"
    assert normalize_size("1280*720") == "1280x720"
    assert about_duration(3.3) == "about 3 s"
    assert about_duration(85) == "about 80 s"
    assert about_duration(150) == "about 2.5 min"
    assert about_duration(900) == "about 15 min"
