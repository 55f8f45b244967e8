"""The main window: empty state, menus and shortcuts, the help overlay, job updates, remembered
layout, and the calls it sends through the desk's one seam to the PollWorker."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from sora_studio.app import Desk, DeskOptions, build_desk
from sora_studio.core.models import JobStatus
from sora_studio.paths import resolve_paths
from sora_studio.services.desk_writes import SaveSettings
from sora_studio.ui.layout_state import LayoutState
from sora_studio.ui.main_window import EmptyReview
from sora_studio.ui.shortcuts_overlay import KEYMAP


def _desk(tmp_path: Path, **options) -> Desk:
    opts = DeskOptions(env={}, start_engine=False, **options)
    return build_desk(QApplication.instance(), resolve_paths(tmp_path / "data"), opts)


def _set(qtbot, desk: Desk, key: str, value: str) -> None:
    """Store a setting as Settings' Save does (through the writer thread) and wait for it."""
    desk.writer.send(SaveSettings(settings=((key, value),)))
    qtbot.waitUntil(lambda: desk.writer.pending == 0)


@pytest.fixture
def desk(qtbot, tmp_path: Path):
    built = _desk(tmp_path, remember_layout=False)
    built.window.show()
    qtbot.waitExposed(built.window)
    yield built
    built.shutdown()


def test_empty_library_shows_what_to_do_first(desk: Desk) -> None:
    centre = desk.window.centralWidget()
    assert isinstance(centre, EmptyReview)
    texts = " ".join(label.text() for label in centre.findChildren(QLabel))
    assert "No clips yet — write a prompt on the left and press Render" in texts
    assert desk.queue_panel.stack.currentWidget() is desk.queue_panel.empty
    assert "Starting the render engine" in desk.prompt_panel.why_label.text()


def test_review_widget_can_be_swapped_in(qtbot, desk: Desk, jobs) -> None:
    received = []

    class Grid(QLabel):
        """A ReviewWidget."""

        def as_widget(self) -> QLabel:
            return self

        def on_jobs_updated(self, jobs) -> None:
            received.extend(job.id for job in jobs)

        def refresh_actions(self) -> None:
            pass

        def shutdown(self) -> None:
            pass

    grid = Grid("grid")
    desk.window.set_review_widget(grid)
    assert desk.window.centralWidget() is grid
    desk.window.on_job_updated(jobs.make(7))
    qtbot.waitUntil(lambda: received == [7])  # updates arrive in ~50 ms batches


def test_job_updates_reach_queue_status_bar_and_spend(qtbot, desk: Desk, jobs) -> None:
    window = desk.window
    window.on_job_updated(jobs.make(1, JobStatus.IN_PROGRESS))
    window.on_job_updated(jobs.make(2, JobStatus.QUEUED_LOCAL))
    qtbot.waitUntil(lambda: desk.queue_model.rowCount() == 2)  # updates arrive in batches
    assert window.status.jobs_label.text() == "2 in flight"
    window.on_job_updated(jobs.make(1, JobStatus.READY))
    qtbot.waitUntil(lambda: window.status.jobs_label.text() == "1 in flight")
    _set(qtbot, desk, "budget_cap_cents", "2500")
    window.refresh_spend()
    assert window.status.spend_label.text() == "Spend $0.00 of $25.00"
    qtbot.waitUntil(lambda: desk.prompt_panel.budget_label.text().endswith("of $25.00"))


def test_every_action_has_a_menu_entry_and_the_keymap_is_shown(qtbot, desk: Desk) -> None:
    window = desk.window
    shortcuts = {
        a.shortcut().toString()
        for a in window.actions_by_name.values()
        if not a.shortcut().isEmpty()
    }
    assert {"Ctrl+,", "Ctrl+Q", "Ctrl+Shift+P", "?", "Ctrl+L"} <= shortcuts
    assert desk.prompt_panel.render_action.shortcut().toString() == "Ctrl+Return"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Render", "&Queue", "&View", "&Help"]
    assert not window.overlay.isVisible()
    window.actions_by_name["shortcuts"].trigger()
    assert window.overlay.isVisible()
    overlay_text = " ".join(label.text() for label in window.overlay.findChildren(QLabel))
    for _section, keys, what in KEYMAP:
        assert keys in overlay_text and what in overlay_text
    window.resize(window.width() + 40, window.height() + 30)
    qtbot.waitUntil(lambda: window.overlay.geometry() == window.rect())
    qtbot.keyClick(window.overlay, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()


def test_actions_become_queued_signals_for_the_worker(qtbot, desk: Desk, jobs) -> None:
    window, engine = desk.window, desk.engine
    assert window.engine is engine  # one seam for the window and the clip operations
    desk.prompt_panel.set_engine_ready(True)
    desk.prompt_panel.brief_form.set_field("subject", "A kite over the sea")
    with qtbot.waitSignal(engine.submit_order) as submitted:
        assert desk.prompt_panel.submit()
    assert submitted.args[0].prompt == "A kite over the sea."
    with qtbot.waitSignal(engine.pause_queue):
        window.actions_by_name["pause"].trigger()
    assert window.actions_by_name["pause"].text() == "Resume queue"
    with qtbot.waitSignal(engine.resume_queue):
        desk.queue_panel.pause_button.click()
    window.on_job_updated(jobs.make(3, JobStatus.IN_PROGRESS))
    window.flush_job_updates()
    assert desk.queue_model.row_of(3) is not None
    with qtbot.waitSignal(engine.cancel_job) as cancelled:
        desk.queue_panel.cancel_requested.emit(3)
    assert cancelled.args == [3]
    with qtbot.waitSignal(engine.delete_job) as deleted:
        desk.queue_panel.delete_requested.emit(3, True)
    assert deleted.args == [3, True]


def test_connection_problems_show_in_the_status_bar(desk: Desk, dialogs) -> None:
    desk.window.on_connection_changed(False, "connection refused")
    assert "unreachable" in desk.window.status.provider_label.text()
    assert desk.window.status.provider_label.toolTip() == "connection refused"
    desk.window.on_submit_failed("Budget exceeded: raise the cap.")
    assert dialogs.kinds() == ["warning"]


def test_layout_is_remembered_between_sessions(qtbot, tmp_path: Path) -> None:
    first = _desk(tmp_path)
    first.window.show()
    first.window.resize(790, 560)
    first.window.queue_dock.hide()
    first.window.close()
    first.shutdown()
    assert LayoutState(tmp_path / "data").path.exists()
    second = _desk(tmp_path)
    second.window.show()
    assert second.window.size().width() == 790
    assert not second.window.queue_dock.isVisible()
    second.shutdown()


def test_theme_follows_the_setting(qtbot, desk: Desk) -> None:
    # What Settings' Save does: the writer stores it, then the desk re-reads its settings.
    desk.save_settings(SaveSettings(settings=(("theme", "light"),)))
    qtbot.waitUntil(lambda: not desk.theme.is_dark)
    assert desk.app.palette().window().color().lightness() > 200
    desk.save_settings(SaveSettings(settings=(("theme", "dark"),)))
    qtbot.waitUntil(lambda: desk.theme.is_dark)
    assert desk.app.palette().window().color().lightness() < 60


def test_budget_in_status_bar_uses_committed_spend(qtbot, desk: Desk) -> None:
    _set(qtbot, desk, "budget_cap_cents", "1000")
    desk.window.refresh_spend()
    cap, committed = desk.spend()
    assert cap == Decimal(1000) and committed == Decimal(0)


def test_question_mark_types_into_fields_and_opens_help_elsewhere(qtbot, desk: Desk) -> None:
    window = desk.window
    subject = desk.prompt_panel.brief_form.fields["subject"]
    window.activateWindow()
    subject.setFocus()
    qtbot.keyClicks(subject, "Why?")
    assert subject.text() == "Why?"
    assert not window.overlay.isVisible()
    window.queue_panel.view.setFocus()
    qtbot.keyClicks(window.queue_panel.view, "?")
    assert window.overlay.isVisible()
