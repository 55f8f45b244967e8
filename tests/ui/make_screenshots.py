"""Screenshots of the desk for people to judge: empty, a busy queue, a builder full of problems,
a builder with policy warnings only, a builder with an open model (Wan) and its Advanced group,
and real providers (``provider_screenshots.py``): Settings › Providers after Test connection on
a real LiteLLM proxy, an SGLang profile with overridden capabilities, and clip actions disabled
where the provider or model cannot do them.

Run with ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/make_screenshots.py [OUT_DIR]
[NAME ...]`` (default ``screenshots/``, which git ignores; NAMEs pick some of the functions
below, e.g. ``providers_litellm providers_sglang``). It drives the real desk against the
built-in emulator with a few injected failures (and a LiteLLM proxy from ``.venv-litellm``), so
every state in the pictures is one the engine really reached. Not a test: pytest does not
collect it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The provider shots reuse tests/providers/litellm_proxy.py: import it as the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from sora_studio.api.provider import builtin_profiles
from sora_studio.app import Desk, DeskOptions
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.paths import resolve_paths
from sora_studio.services.desk_writes import SaveSettings
from sora_studio.services.orders import RenderOrder
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.ui.screenshot_desk import close_desk, open_desk, wait

ORDERS = (
    ("A paper boat drifting down a rain-soaked street at dusk, low angle", "sora-2", "1280x720", 4),
    (
        "Slow dolly through a greenhouse full of hanging ferns, morning mist",
        "sora-2",
        "720x1280",
        4,
    ),
    ("Aerial shot of a lighthouse in a storm, waves breaking", "sora-2-pro", "1280x720", 4),
    ("A red kite over sand dunes at golden hour, handheld", "sora-2", "1280x720", 8),
    ("Close-up of hands kneading bread dough, flour in the air", "sora-2", "1280x720", 4),
    ("A tram crossing a bridge at night, neon reflections", "sora-2-pro", "1792x1024", 4),
    ("Macro of dew drops sliding down a spider web", "sora-2", "720x1280", 4),
    ("Timelapse of clouds rolling over a mountain ridge", "sora-2", "1280x720", 12),
    ("An astronaut tending tomatoes in a lunar greenhouse", "sora-2-pro", "1920x1080", 8),
    ("Street market at dawn, vendors setting up stalls", "sora-2", "1280x720", 4),
    ("Origami crane unfolding itself on a desk", "sora-2", "1280x720", 4),
    ("A cat watching snowfall through a frosty window", "sora-2", "720x1280", 8),
)


def shoot(desk: Desk, out: Path, name: str) -> Path:
    desk.window.repaint()
    path = out / name
    desk.window.grab().save(str(path))
    print(f"wrote {path}")
    return path


def make_desk(app: QApplication, data: Path, settings: EmulatorSettings) -> Desk:
    options = DeskOptions(
        env={},
        emulator_settings=settings,
        remember_layout=False,
        poll_interval_s=0.5,
        provider_overrides={"emulator": {"concurrency_limit": 3}},
    )
    return open_desk(app, resolve_paths(data), options, 30)


@contextmanager
def desk_in_temporary_library(
    app: QApplication, prefix: str, settings: EmulatorSettings
) -> Iterator[Desk]:
    """:func:`make_desk` on a fresh library in a temporary folder; closed again afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as data:
        desk = make_desk(app, Path(data), settings)
        yield desk
        close_desk(desk)


def set_budget(app: QApplication, desk: Desk, cents: str) -> None:
    """Store a budget cap as Settings' Save does (the desk's writer thread) and wait for it."""
    desk.writer.send(SaveSettings(settings=(("budget_cap_cents", cents),)))
    wait(app, 5, lambda: desk.writer.pending == 0)


def empty_window(app: QApplication, out: Path) -> None:
    with desk_in_temporary_library(app, "shots-empty-", EmulatorSettings()) as desk:
        wait(app, 1.0)
        shoot(desk, out, "1-main-window-empty.png")


def busy_queue(app: QApplication, out: Path) -> None:
    settings = EmulatorSettings(
        min_job_seconds=6.0, failure_rate=0.15, block_rate=0.15, seed=5, concurrency=3
    )
    with desk_in_temporary_library(app, "shots-queue-", settings) as desk:
        set_budget(app, desk, "5000")
        for prompt, model, size, seconds in ORDERS:
            desk.engine.submit(
                RenderOrder(
                    prompt=prompt, model=model, size=size, seconds=seconds, provider="emulator"
                )
            )

        def mixed() -> bool:
            jobs = desk.queue_model.jobs()
            done = sum(1 for j in jobs if j.status.is_terminal)
            running = sum(1 for j in jobs if not j.status.is_terminal)
            return len(jobs) == len(ORDERS) and done >= 6 and running >= 3

        wait(app, 120, mixed)
        desk.window.resizeDocks([desk.window.queue_dock], [560], Qt.Orientation.Vertical)
        desk.window.refresh_spend()
        wait(app, 1.5)
        shoot(desk, out, "2-queue-mixed-states.png")


def builder_problems(app: QApplication, out: Path) -> None:
    with desk_in_temporary_library(app, "shots-builder-", EmulatorSettings()) as desk:
        store = Repository(open_db(desk.paths.database))  # as the CLI would add them
        for remote, name in (("char_1", "Captain Pip"), ("char_2", "Moss")):
            store.add_character(provider="emulator", remote_id=remote, name=name)
        store.close()
        desk.reload_settings()
        set_budget(app, desk, "300")
        desk.window.refresh_spend()
        panel = desk.prompt_panel
        panel.brief_form.set_field("subject", "Mickey Mouse juggling oranges on a rooftop")
        panel.brief_form.set_field("camera", "slow orbit, 35 mm")
        panel.brief_form.set_field("lighting", "late afternoon sun")
        panel.model_combo.setCurrentIndex(panel.model_combo.findData("sora-2-pro"))
        panel.size_combo.setCurrentIndex(panel.size_combo.findData("1920x1080"))
        panel.seconds_combo.setCurrentIndex(panel.seconds_combo.findData(8))
        panel.variants_spin.setValue(2)
        image = QImage(1000, 1000, QImage.Format.Format_RGB32)
        image.fill(QColor("#d9822b"))
        reference = desk.paths.data / "rooftop.png"
        image.save(str(reference))
        panel.reference.set_path(reference)
        wait(app, 10, lambda: panel.reference.info is not None)
        panel.refresh_preflight()
        wait(app, 0.5)
        shoot(desk, out, "3-builder-validation-problems.png")


def builder_warning(app: QApplication, out: Path) -> None:
    """A prompt with only "may be refused" phrases: amber warnings, Render still enabled."""
    with desk_in_temporary_library(app, "shots-warning-", EmulatorSettings()) as desk:
        panel = desk.prompt_panel
        panel.brief_form.set_field(
            "subject", "A detective kneels beside the murder scene in a rainy alley"
        )
        panel.brief_form.set_field("lighting", "flashlight beams cutting through the drizzle")
        panel.refresh_preflight()
        # The moderation endpoint answers off the GUI thread; wait for its verdict to show.
        wait(app, 10, lambda: panel.render_button.isEnabled())
        wait(app, 1.5)
        shoot(desk, out, "4-builder-policy-warning.png")


def builder_other_model(app: QApplication, out: Path) -> None:
    """A server that listed Sora, Wan and Veo (as Test connection records it), Wan 2.2 TI2V 5B
    chosen: its own sizes and lengths, no characters or Batch, the Advanced group open."""
    served = ("sora-2", "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "gemini/veo-3.1-generate-preview")
    with tempfile.TemporaryDirectory(prefix="shots-models-") as data:
        paths = resolve_paths(Path(data))
        paths.database.parent.mkdir(parents=True, exist_ok=True)
        # Saved like Settings does after Test connection: it replaces the built-in profile.
        store = Repository(open_db(paths.database))
        emulator = replace(builtin_profiles({})[0], served_models=served)
        store.upsert_provider_dict(emulator.to_dict())
        store.close()
        options = DeskOptions(
            env={}, emulator_settings=EmulatorSettings(), remember_layout=False, poll_interval_s=0.5
        )
        desk = open_desk(app, paths, options, 30)
        panel = desk.prompt_panel
        panel.brief_form.set_field("subject", "A red fox trotting through fresh snow")
        panel.brief_form.set_field("camera", "low tracking shot, 35 mm")
        panel.brief_form.set_field("lighting", "blue hour, breath visible in the cold")
        wan = panel.environment.catalog.canonical_model(served[1]) or served[1]
        panel.model_combo.setCurrentIndex(panel.model_combo.findData(wan))
        panel.seconds_combo.setCurrentIndex(panel.seconds_combo.findData(5))
        panel.advanced.set_open(True)
        panel.advanced.negative_prompt.setPlainText("blurry, text, watermark, static frame")
        panel.advanced.seed.setText("1234")
        panel.advanced.steps.setText("30")
        panel.refresh_preflight()
        wait(app, 1.5)
        shoot(desk, out, "5-builder-other-model-advanced.png")
        panel.grab().save(str(out / "5b-builder-panel.png"))
        close_desk(desk)


def main() -> int:
    from tests.ui.provider_screenshots import providers_litellm, providers_sglang

    shots = (
        empty_window,
        busy_queue,
        builder_problems,
        builder_warning,
        builder_other_model,
        providers_litellm,
        providers_sglang,
    )
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(sys.argv[2:])
    unknown = wanted - {shot.__name__ for shot in shots}
    if unknown:
        print(f"unknown screenshots {sorted(unknown)}; choose from {[s.__name__ for s in shots]}")
        return 2
    app = QApplication([sys.argv[0]])
    for shot in shots:
        if not wanted or shot.__name__ in wanted:
            shot(app, out)
    QTimer.singleShot(0, app.quit)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
