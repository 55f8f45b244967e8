"""Each panel runs on its own (``python -m sora_studio.ui.queue`` / ``.prompt`` / ``.review``): it
opens, paints and closes offscreen, and what it shows is wired to sample data the way the desk
would be."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPlainTextEdit

from sora_studio.core.models import AssetVariant, JobStatus, ReviewStatus
from sora_studio.preview_media import emulator_moderation
from sora_studio.services.library import asset_path
from sora_studio.services.library_view import LibraryView
from sora_studio.ui.prompt import __main__ as prompt_preview
from sora_studio.ui.prompt_panel import PromptPanel
from sora_studio.ui.queue import __main__ as queue_preview
from sora_studio.ui.queue.actions import QueueAction
from sora_studio.ui.queue.samples import sample_jobs
from sora_studio.ui.queue_panel import QueuePanel
from sora_studio.ui.review import __main__ as review_preview
from sora_studio.ui.review.review_panel import ReviewPanel
from sora_studio.ui.review.samples import SAMPLE_CLIPS


@pytest.mark.parametrize(
    ("module", "size"),
    [("queue", (1100, 600)), ("prompt", (860, 900)), ("review", review_preview.SIZE)],
)
def test_the_preview_opens_paints_and_closes(tmp_path: Path, module: str, size: tuple) -> None:
    shot = tmp_path / f"{module}.png"
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    options = ["--quit-after-paint", "--screenshot", str(shot), "--theme", "light"]
    done = subprocess.run(
        [sys.executable, "-m", f"sora_studio.ui.{module}", *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == size
    # A real picture, not a blank window: many distinct colours across it.
    grid = [(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)]
    assert len({image.pixel(x, y) for x, y in grid}) > 50


def test_queue_preview_shows_every_state_with_real_clips(qtbot, tmp_path: Path) -> None:
    window = queue_preview.build(tmp_path)
    qtbot.addWidget(window)
    panel = window.panel
    assert isinstance(panel, QueuePanel)
    jobs = panel.model.jobs()
    assert len(jobs) == len(sample_jobs(0.0))
    assert {JobStatus.READY, JobStatus.FAILED, JobStatus.QUEUED_LOCAL} <= {j.status for j in jobs}
    for job in jobs:
        video = asset_path(tmp_path, job, AssetVariant.VIDEO)
        assert video.exists() == (job.status is JobStatus.READY)
    # What the panel asks for is applied to the sample jobs, as an engine would.
    running = next(j for j in jobs if j.status is JobStatus.IN_PROGRESS)
    assert panel.trigger(QueueAction.CANCEL, running)
    assert panel.model.job(running.id).status is JobStatus.CANCELLED
    failed = next(j for j in jobs if j.status is JobStatus.FAILED)
    assert panel.trigger(QueueAction.RETRY, failed)
    assert panel.model.jobs()[-1].status is JobStatus.QUEUED_LOCAL
    window.close()


def test_prompt_preview_renders_nothing_but_shows_the_order(qtbot, tmp_path: Path) -> None:
    window = prompt_preview.build(tmp_path)
    qtbot.addWidget(window)
    panel = window.findChild(PromptPanel)
    sent = window.findChild(QPlainTextEdit, "")
    assert panel is not None and sent is not None
    assert panel.model_combo.currentData() == "sora-2"  # the emulator's catalog
    assert [c.name for c in panel.environment.own_characters()] == ["Captain Pip", "Moss"]
    assert all(Path(c.source_path or "").exists() for c in panel.environment.characters)
    assert panel.submit()
    assert "model: sora-2" in sent.toPlainText()
    assert "provider: emulator" in sent.toPlainText()
    # The moderation check is the emulator's own.
    assert emulator_moderation("a calm sea") == (False, [])
    flagged, categories = emulator_moderation("a brutal murder, gore everywhere")
    assert flagged and categories
    window.close()


def test_review_preview_judges_and_notes_real_clips_in_its_library(qtbot, tmp_path: Path) -> None:
    window = review_preview.build(tmp_path)
    qtbot.addWidget(window)
    panel = window.panel
    assert isinstance(panel, ReviewPanel)
    jobs = panel.model.jobs()
    assert len(jobs) == len(SAMPLE_CLIPS) >= 12
    assert len({j.model for j in jobs}) > 1 and len({j.prompt for j in jobs}) == len(jobs)
    assert {j.review_status for j in jobs} == set(ReviewStatus)
    for job in jobs:  # each a real render with its pictures
        for variant in AssetVariant:
            assert asset_path(panel.library_root, job, variant).stat().st_size > 0
    newest = max(j.id for j in jobs)
    assert panel.current_job_id == newest
    assert panel.notes.model.notes()  # the clip on show has notes
    # A verdict and a note go through the panel's writer into the throwaway library.
    judged = next(j for j in jobs if j.review_status is ReviewStatus.UNREVIEWED)
    with qtbot.waitSignal(panel.verdicts.reconciled, timeout=10_000):
        panel.record_verdict([judged.id], ReviewStatus.REJECTED, "too dark")
    with qtbot.waitSignal(panel.clip_notes.changed, timeout=10_000):
        panel.clip_notes.add(250, None, "check the horizon")
    qtbot.waitUntil(lambda: panel.writer.pending == 0, timeout=10_000)
    assert "Rejected" in window.statusBar().currentMessage()
    view = LibraryView.open(panel.database)
    try:
        assert view.reviews_for(judged.id)[-1].status is ReviewStatus.REJECTED
        assert "check the horizon" in [n.text for n in view.notes_for(newest)]
    finally:
        view.close()
    # What needs the engine is only said.
    panel.action_requested.emit("remix", newest)
    assert f"remix of clip #{newest}" in window.statusBar().currentMessage()
    window.close()
