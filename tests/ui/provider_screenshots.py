"""Screenshots of real providers in the desk (for ``make_screenshots.py``): Settings › Providers
after Test connection on a real LiteLLM proxy, an SGLang Diffusion profile with overridden
capabilities and a GPU-second price, and the clip actions of clips rendered through each, a
disabled action's tooltip included.

The LiteLLM proxy is the one the provider tests use (``tests/providers/litellm_proxy.py``: pinned
in ``.venv-litellm``, its own environment, off-machine requests trapped), in front of a built-in
emulator. Besides the tests' ``sora-2`` and ``sora-2-pro`` routes it routes ``veo-3.1-fast`` and
``veo-3.1`` to the emulator as a stand-in for Gemini (nothing here may reach the internet), so
the pictures show non-Sora models. SGLang Diffusion cannot run here (it needs a GPU and weights);
the emulator's ``sglang`` compat mode answers as it does. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from sora_studio.api.provider import ProviderProfile
from sora_studio.app import Desk, DeskOptions
from sora_studio.core.models import JobStatus
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.paths import AppPaths, resolve_paths
from sora_studio.services.orders import RenderOrder
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.settings_dialog import SettingsDialog
from tests.providers.litellm_proxy import (
    EMULATOR_DEFAULTS,
    MASTER_KEY,
    UPSTREAM_KEY,
    EgressTrap,
    emulator_routes,
    route,
    run_litellm,
    write_config,
)
from tests.ui.screenshot_desk import close_desk, open_desk, wait

KEY_VARIABLE = "LITELLM_KEY"


def save(image: QImage, out: Path, name: str) -> None:
    path = out / name
    image.save(str(path))
    print(f"wrote {path}")


@contextmanager
def litellm_stack(workdir: Path) -> Iterator[str]:
    """A LiteLLM proxy in front of an emulator; yields the proxy's base URL."""
    emulator = EmulatorServer(
        workdir / "emulator", EmulatorSettings(**EMULATOR_DEFAULTS, rpm_limit=100000)
    )
    emulator.start()
    egress = EgressTrap()
    try:
        # Veo through LiteLLM's Gemini route is the real set-up; here both Veo names route to
        # the emulator, which answers for any model it is sent.
        routes = [*emulator_routes(emulator.base_url)]
        for name, upstream in (("veo-3.1-fast", "sora-2"), ("veo-3.1", "sora-2-pro")):
            routes.append(
                route(name, f"openai/{upstream}", api_base=emulator.base_url, api_key=UPSTREAM_KEY)
            )
        config = write_config(workdir / "litellm.yaml", routes)
        with run_litellm(config, workdir, egress.url) as running:
            yield f"{running.root}/v1"
    finally:
        egress.stop()
        emulator.stop()


def _library(data: Path, profile: ProviderProfile) -> AppPaths:
    """A library whose default provider is ``profile`` (saved as Settings would)."""
    paths = resolve_paths(data)
    paths.database.parent.mkdir(parents=True, exist_ok=True)
    store = Repository(open_db(paths.database))
    store.upsert_provider_dict(profile.to_dict())
    store.set_setting("default_provider", profile.name)
    store.close()
    return paths


def _desk(app: QApplication, paths: AppPaths, env: dict[str, str]) -> Desk:
    return open_desk(
        app, paths, DeskOptions(env=env, remember_layout=False, poll_interval_s=0.3), 60
    )


def _settings(app: QApplication, desk: Desk, name: str) -> SettingsDialog:
    dialog = SettingsDialog(
        desk.reader,
        env=desk.options.env,
        library_default=desk.paths.library,
        save=desk.save_settings,
        parent=desk.window,
    )
    dialog.show()
    dialog.providers.select(name)
    wait(app, 0.3)
    return dialog


def _test_connection(app: QApplication, dialog: SettingsDialog) -> None:
    page = dialog.providers
    page.run_connection_test()
    if not wait(app, 60, lambda: page.probe.report is not None):
        raise RuntimeError(f"Test connection did not finish: {page.test_result.text()}")
    wait(app, 0.3)


def _apply_and_save(app: QApplication, desk: Desk, dialog: SettingsDialog) -> None:
    if not dialog.save():
        raise RuntimeError(dialog.problem.text())
    # Stored by the desk's writer thread; then the desk and the engine re-read the profiles.
    wait(app, 5, lambda: desk.writer.pending == 0)
    dialog.deleteLater()
    wait(app, 0.5)


def _render(app: QApplication, desk: Desk, *orders: RenderOrder) -> list[int]:
    ids: list[int] = []
    desk.worker.jobs_submitted.connect(lambda jobs: ids.extend(j.id for j in jobs))
    for order in orders:
        desk.engine.submit(order)

    def done() -> bool:
        if len(ids) < len(orders):
            return False
        jobs = [desk.reader.get_job(i) for i in ids]
        return all(j is not None and j.status.is_terminal for j in jobs)

    if not wait(app, 180, done):
        states = [(i, desk.reader.get_job(i)) for i in ids]
        raise RuntimeError(f"renders did not finish: {states}")
    for job_id in ids:
        job = desk.reader.get_job(job_id)
        if job is None or job.status is not JobStatus.READY:
            raise RuntimeError(
                f"render #{job_id} ended {job and job.status}: {job and job.error_message}"
            )
    desk.window.flush_job_updates()
    wait(app, 1.0)
    return ids


def _with_tooltip(window: QWidget, widget: QWidget, below: QWidget) -> QImage:
    """The window with ``widget``'s tooltip painted under ``below`` (a tooltip is a window of
    its own, which a grab of the main window leaves out)."""
    QToolTip.showText(widget.mapToGlobal(QPoint(12, widget.height() - 4)), widget.toolTip(), widget)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    wait(app, 0.6)
    image = window.grab().toImage()
    tips = [
        w
        for w in QApplication.topLevelWidgets()
        if w.metaObject().className() == "QTipLabel" and w.isVisible()
    ]
    if tips:
        # Where it shows under the pointer: the offscreen screen is smaller than the window,
        # so Qt's own placement is clamped to somewhere else.
        tip = tips[0]
        place = widget.mapTo(window, QPoint(12, 0))
        place.setY(below.mapTo(window, QPoint(0, below.height() + 4)).y())
        place.setX(max(4, min(place.x(), window.width() - tip.width() - 4)))
        painter = QPainter(image)
        painter.drawPixmap(place, tip.grab())
        painter.end()
    QToolTip.hideText()
    return image


def _show_clip(app: QApplication, desk: Desk, job_id: int) -> None:
    """Select the clip and wait for its first frame (a poster, not "Loading…")."""
    panel = desk.window.review_widget
    panel.select_clip(job_id)  # type: ignore[attr-defined]
    canvas = panel.player.video  # type: ignore[attr-defined]
    wait(app, 15, lambda: not canvas.current_image.isNull())
    wait(app, 0.5)


def _save_action_tooltip(
    app: QApplication, desk: Desk, job_id: int, action: str, out: Path, name: str
) -> None:
    """The clip shown, with the tooltip of its ``action`` button (why that action is disabled)."""
    _show_clip(app, desk, job_id)
    bar = desk.window.review_widget.actions_bar  # type: ignore[attr-defined]
    save(_with_tooltip(desk.window, bar.buttons[action], bar), out, name)


def providers_litellm(app: QApplication, out: Path) -> None:
    """A new profile saved as "Other /v1/videos server" in front of a real LiteLLM proxy: Test
    connection finds it is LiteLLM and which models it routes; then a Veo 3.1 Fast clip."""
    with tempfile.TemporaryDirectory(prefix="shots-litellm-") as tmp:
        work = Path(tmp)
        with litellm_stack(work) as base_url:
            profile = ProviderProfile(
                name="studio-gateway",
                kind="gateway",
                base_url=base_url,
                key_source=f"env:{KEY_VARIABLE}",
                preset="generic",
                concurrency_limit=2,
            )
            desk = _desk(app, _library(work / "data", profile), {KEY_VARIABLE: MASTER_KEY})
            dialog = _settings(app, desk, profile.name)
            _test_connection(app, dialog)
            save(dialog.grab().toImage(), out, "6-settings-providers-litellm-tested.png")
            dialog.providers.probe.apply_button.click()
            wait(app, 0.3)
            page = dialog.providers
            page.scroll_area.verticalScrollBar().setValue(
                page.probe.y() + page.probe.found_title.y()
            )
            wait(app, 0.3)
            save(dialog.grab().toImage(), out, "6b-settings-providers-litellm-applied.png")
            _apply_and_save(app, desk, dialog)
            veo, sora = _render(
                app,
                desk,
                RenderOrder(
                    prompt="A red kite over sand dunes at golden hour, handheld",
                    model="veo-3.1-fast",
                    size="1280x720",
                    seconds=8,
                    provider=profile.name,
                ),
                RenderOrder(
                    prompt="A paper boat drifting down a rain-soaked street at dusk",
                    model="sora-2",
                    size="1280x720",
                    seconds=4,
                    provider=profile.name,
                ),
            )
            _save_action_tooltip(app, desk, veo, "remix", out, "8-clip-actions-litellm-veo.png")
            _show_clip(app, desk, sora)
            save(desk.window.grab().toImage(), out, "8b-clip-actions-litellm-sora.png")
            close_desk(desk)


def providers_sglang(app: QApplication, out: Path) -> None:
    """An SGLang Diffusion profile (the emulator imitating one) with capabilities the person
    overrode and a GPU-second price for Wan; then a Wan clip whose Edit is refused."""
    with tempfile.TemporaryDirectory(prefix="shots-sglang-") as tmp:
        work = Path(tmp)
        server = EmulatorServer(
            work / "sglang", EmulatorSettings(compat="sglang", min_job_seconds=0.0, seed=7)
        )
        base_url = server.start()
        try:
            profile = ProviderProfile(
                name="wan-box",
                kind="gateway",
                base_url=base_url,
                key_source="none",
                preset="sglang",
                concurrency_limit=1,
                # This server keeps jobs on disk across restarts and answers DELETE by stopping
                # the render (a patched build): the person says so here.
                capability_overrides={"keeps_jobs": True, "delete_cancels": True},
                catalog_overrides={
                    "models": {
                        "wan-2.2-ti2v-5b": {"price_per_gpu_second": {"usd": "0.0011", "gpus": 1}}
                    }
                },
            )
            desk = _desk(app, _library(work / "data", profile), {})
            dialog = _settings(app, desk, profile.name)
            _test_connection(app, dialog)
            dialog.providers.probe.apply_button.click()
            wait(app, 0.3)
            page = dialog.providers
            page.scroll_area.verticalScrollBar().setValue(page.capabilities.y() - 8)
            wait(app, 0.3)
            save(dialog.grab().toImage(), out, "7-settings-providers-sglang-overrides.png")
            save(
                page.scroll_area.widget().grab().toImage(),
                out,
                "7b-settings-providers-sglang-full.png",
            )
            _apply_and_save(app, desk, dialog)
            served = desk.profiles.catalog(profile.name).model_names()
            (wan,) = _render(
                app,
                desk,
                RenderOrder(
                    prompt="A red fox trotting through fresh snow, low tracking shot",
                    model=served[0],
                    size="1280x704",
                    seconds=5,
                    provider=profile.name,
                ),
            )
            _save_action_tooltip(app, desk, wan, "edit", out, "9-clip-actions-sglang-wan.png")
            close_desk(desk)
        finally:
            server.stop()
