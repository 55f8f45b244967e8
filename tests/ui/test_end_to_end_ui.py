"""End to end through the desk: fill the builder, render on the built-in emulator through the real
engine and PollWorker, watch the queue row reach Ready, and find the three files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from sora_studio.app import Desk, DeskOptions, attach_review, build_desk
from sora_studio.core.models import AssetVariant, JobStatus
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.paths import resolve_paths
from sora_studio.ui.queue.model import Column


@pytest.fixture
def desk(qtbot, tmp_path: Path):
    app = QApplication.instance()
    options = DeskOptions(
        env={},
        emulator_settings=EmulatorSettings(poll_after_ms=50, seed=7),
        poll_interval_s=0.2,
        remember_layout=False,
    )
    built = build_desk(app, resolve_paths(tmp_path / "data"), options)
    attach_review(built)
    yield built
    built.shutdown()


def test_render_from_the_builder_to_files_on_disk(qtbot, desk: Desk) -> None:
    desk.window.show()
    qtbot.waitExposed(desk.window)
    assert not desk.prompt_panel.render_button.isEnabled()  # engine still starting
    with qtbot.waitSignal(desk.engine_attached, timeout=20_000):
        desk.start()
    panel = desk.prompt_panel
    # The builder's moderation check talks to the emulator's /v1/moderations endpoint.
    assert panel.moderator is not None
    assert panel.moderator("A paper boat in the rain") == (False, [])
    panel.brief_form.set_field("subject", "A paper boat drifting down a rainy street")
    panel.brief_form.set_field("camera", "low angle, slow dolly")
    panel.seconds_combo.setCurrentIndex(panel.seconds_combo.findData(4))
    panel.refresh_preflight()
    assert panel.render_button.isEnabled(), panel.why_label.text()
    with qtbot.waitSignal(desk.window.queue_panel.model.rowsInserted, timeout=10_000):
        panel.render_button.click()
    model = desk.queue_model
    job = model.job_at(0)
    assert job is not None and job.prompt.startswith("A paper boat drifting")

    def ready() -> bool:
        current = model.job(job.id)
        assert current is not None
        assert current.status not in (JobStatus.FAILED, JobStatus.BLOCKED), current.error_message
        return current.status is JobStatus.READY

    qtbot.waitUntil(ready, timeout=60_000)
    row = model.row_of(job.id)
    assert model.index(row, Column.STATUS).data() == "Ready"
    assets = desk.reader.assets_for(job.id)
    assert set(assets) == set(AssetVariant)
    for asset in assets.values():
        path = Path(asset.path)
        assert path.is_file() and path.stat().st_size == asset.bytes > 0
        assert desk.library_root in path.parents
    assert desk.window.status.jobs_label.text() == "No renders in flight"
