"""Culling at speed (issue 16): a verdict moves straight on to the next clip that needs one,
already showing a picture and playing; the end of the view is announced; undo goes back; the
toggle turns it off; a filter limits where it goes; the reject reason is asked in place."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from sora_studio.core.models import JobStatus, ReviewStatus
from sora_studio.services.setting_keys import AUTO_ADVANCE_SETTING
from sora_studio.ui.review.clip_filter import ClipFilter
from sora_studio.ui.review.culling import needs_verdict
from sora_studio.ui.review.review_panel import ReviewPanel
from tests.ui.review.conftest import PROMPT, ClipSpec, Library, settle


def _specs() -> list[ClipSpec]:
    return [
        ClipSpec(prompt=PROMPT),
        ClipSpec(prompt=PROMPT, review=ReviewStatus.APPROVED),
        ClipSpec(prompt=PROMPT),
        ClipSpec(JobStatus.IN_PROGRESS, "a lighthouse in a storm", progress=40),
        ClipSpec(prompt=PROMPT, model="sora-2-pro"),
        ClipSpec(prompt=PROMPT),
        ClipSpec(prompt=PROMPT, model="sora-2-pro"),
    ]


@pytest.fixture
def culling_library(make_library: Callable[[Sequence[ClipSpec]], Library]) -> Library:
    return make_library(_specs())


@pytest.fixture
def desk_panel(qtbot, culling_library: Library) -> Iterator[ReviewPanel]:  # type: ignore[no-untyped-def]
    """The panel as the desk has it: auto-advance from the (unset) setting, reasons in place."""
    widget = ReviewPanel(
        culling_library.db_path, culling_library.library_root, reviewer="ana", with_audio=False
    )
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def _undecided(panel: ReviewPanel) -> list[int]:
    return [i for i in panel.culling.view_order() if needs_verdict(panel.model.job(i))]


def _open_first(qtbot, panel: ReviewPanel) -> int:  # type: ignore[no-untyped-def]
    first = _undecided(panel)[0]
    with qtbot.waitSignal(panel.player.media_loaded, timeout=10000):
        panel.select_clip(first)
    panel.grid.setFocus()
    return first


def test_a_verdict_advances_to_the_next_undecided_clip_playing(qtbot, desk_panel) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    assert panel.culling.auto_advance  # on by default
    order = _undecided(panel)
    first = _open_first(qtbot, panel)
    expected = order[1]
    poster_path = panel.model.clip_row(expected).video_path
    # While the first clip is on show, the next one's first frame is decoded ahead.
    qtbot.waitUntil(lambda: panel.culling.posters.get(poster_path) is not None, timeout=10000)
    qtbot.keyClick(panel.grid, Qt.Key.Key_1)
    # In the same turn of the event loop: the next clip is current and its picture is on show.
    assert panel.current_job_id == expected
    assert panel.grid.selected_job_ids() == [expected]
    assert panel.player.source == poster_path
    assert panel.player.video.showing_poster and not panel.player.video.current_image.isNull()
    assert panel.model.job(first).review_status is ReviewStatus.APPROVED  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: panel.player.is_playing, timeout=10000)
    qtbot.waitUntil(lambda: not panel.player.video.showing_poster, timeout=10000)
    assert panel.grid.hasFocus()
    # The decided and unfinished clips in between are passed over, in grid order.
    qtbot.keyClick(panel.grid, Qt.Key.Key_2)
    assert panel.current_job_id == order[2]
    settle(qtbot, panel)
    assert "Session: 2 decided" in panel.culling.summary_text()
    assert "50% approved" in panel.culling.summary_text()


def test_the_end_of_the_view_is_announced(qtbot, desk_panel) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    order = _undecided(panel)
    _open_first(qtbot, panel)
    for _ in order:
        qtbot.keyClick(panel.grid, Qt.Key.Key_A)
    finished = sum(
        1 for i in panel.culling.view_order() if panel.model.job(i).status is JobStatus.READY
    )  # type: ignore[union-attr]
    assert f"All {finished} clips in this view have a verdict" in panel.message.text()
    assert "Shift+U" in panel.message.text()
    assert _undecided(panel) == []
    settle(qtbot, panel)


def test_undo_goes_back_to_the_clip_it_changed(qtbot, desk_panel) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    first = _open_first(qtbot, panel)
    qtbot.keyClick(panel.grid, Qt.Key.Key_2)
    assert panel.current_job_id != first
    qtbot.keyClick(panel.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.current_job_id == first
    assert panel.model.job(first).review_status is ReviewStatus.UNREVIEWED  # type: ignore[union-attr]
    assert panel.culling.summary_text() == ""  # the undone verdict leaves the session
    settle(qtbot, panel)


def test_the_toggle_turns_auto_advance_off_and_is_stored(
    qtbot, desk_panel, culling_library
) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    first = _open_first(qtbot, panel)
    panel.culling.auto_advance_action.setChecked(False)
    qtbot.keyClick(panel.grid, Qt.Key.Key_1)
    assert panel.current_job_id == first
    assert "All" not in panel.message.text()
    settle(qtbot, panel)
    repo = culling_library.repo()
    try:
        assert repo.get_setting(AUTO_ADVANCE_SETTING) is False
    finally:
        repo.close()
    # Settings saved elsewhere are followed (the desk calls refresh_actions after a Save).
    panel.writer.send(_save(True))
    settle(qtbot, panel)
    panel.refresh_actions()
    assert panel.culling.auto_advance


def _save(on: bool):  # type: ignore[no-untyped-def]
    from sora_studio.services.desk_writes import SaveSettings

    return SaveSettings(settings=((AUTO_ADVANCE_SETTING, on),))


def test_with_a_filter_only_filtered_clips_are_visited(qtbot, desk_panel) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    panel.set_filter(ClipFilter(models=frozenset({"sora-2-pro"})))
    pro = panel.culling.view_order()
    assert len(pro) == 2
    _open_first(qtbot, panel)
    qtbot.keyClick(panel.grid, Qt.Key.Key_1)
    assert panel.current_job_id == pro[1]
    qtbot.keyClick(panel.grid, Qt.Key.Key_1)
    assert panel.current_job_id == pro[1]  # nothing else in this view: it stays
    assert "All 2 clips in this view have a verdict" in panel.message.text()
    settle(qtbot, panel)


def test_shift_u_shows_only_clips_without_a_verdict_and_visits_them(qtbot, desk_panel) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    panel.grid.setFocus()
    qtbot.keyClick(panel.grid, Qt.Key.Key_U, Qt.KeyboardModifier.ShiftModifier)
    assert panel.filter_bar.to_review.isChecked()
    view = panel.culling.view_order()
    assert all(panel.model.job(i).review_status is ReviewStatus.UNREVIEWED for i in view)  # type: ignore[union-attr]
    first = _open_first(qtbot, panel)
    qtbot.keyClick(panel.grid, Qt.Key.Key_1)
    # The judged clip leaves the view; the next one is on show, not one the grid picked.
    assert first not in panel.culling.view_order()
    assert panel.current_job_id == _undecided(panel)[0]
    # To the end: the clips judged left the view, yet they are what the announcement counts.
    while _undecided(panel):
        qtbot.keyClick(panel.grid, Qt.Key.Key_2)
    assert panel.proxy.rowCount() == 1  # the clip still rendering
    assert "All 6 clips in this view have a verdict" in panel.message.text()
    qtbot.keyClick(panel.grid, Qt.Key.Key_U, Qt.KeyboardModifier.ShiftModifier)
    assert not panel.filter_bar.to_review.isChecked()
    assert first in panel.culling.view_order()
    settle(qtbot, panel)


def test_the_session_summary_reaches_the_status_bar(qtbot) -> None:  # type: ignore[no-untyped-def]
    from sora_studio.ui.status_bar import StudioStatusBar

    bar = StudioStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    assert not bar.session_label.isVisible()
    bar.set_session("Session: 3 decided · 4.0 s per clip · 67% approved")
    assert bar.session_label.isVisible() and "3 decided" in bar.session_label.text()
    bar.set_session("")
    assert not bar.session_label.isVisible()


def test_reject_asks_for_the_reason_in_place(qtbot, desk_panel, culling_library) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    first = _open_first(qtbot, panel)
    qtbot.keyClick(panel.grid, Qt.Key.Key_R)
    bar = panel.reason_bar
    assert bar.isVisible() and bar.asking and bar.edit.hasFocus()
    assert panel.current_job_id == first  # nothing decided yet
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)  # changed my mind
    assert not bar.isVisible() and panel.grid.hasFocus()
    assert panel.model.job(first).review_status is ReviewStatus.UNREVIEWED  # type: ignore[union-attr]
    qtbot.keyClick(panel.grid, Qt.Key.Key_3)
    qtbot.keyClicks(bar.edit, "horizon tilts")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert not bar.isVisible() and panel.grid.hasFocus()
    assert panel.model.job(first).review_status is ReviewStatus.REJECTED  # type: ignore[union-attr]
    assert panel.current_job_id != first  # and on to the next clip
    settle(qtbot, panel)
    repo = culling_library.repo()
    try:
        assert [r.reason for r in repo.reviews_for(first)] == ["horizon tilts"]
    finally:
        repo.close()


def test_a_held_arrow_key_shows_pictures_and_opens_only_where_it_stops(qtbot, desk_panel) -> None:  # type: ignore[no-untyped-def]
    panel = desk_panel
    first = _open_first(qtbot, panel)
    opened = panel.player.source
    presses = 0
    while presses < 2 or panel.culling.playable(panel.model.clip_row(panel.current_job_id)) is None:  # type: ignore[arg-type]
        press = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, "", True
        )
        QApplication.sendEvent(panel.grid, press)
        presses += 1
        assert panel.player.source in (None, opened)  # passed over: nothing opened
    landed = panel.current_job_id
    assert landed != first and landed is not None
    qtbot.waitUntil(lambda: panel.player.source is not None, timeout=3000)
    assert panel.player.source == panel.model.clip_row(landed).video_path
