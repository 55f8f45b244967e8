"""The render queue: model contract, one dataChanged per update, filters, order and actions."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QModelIndex, QModelRoleData, QModelRoleDataSpan, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QWidget

from sora_studio.core.models import AssetVariant, ErrorClass, Job, JobStatus
from sora_studio.services.library import asset_path, job_folder
from sora_studio.ui.notifications import Notifier, notification_text
from sora_studio.ui.queue.actions import DeleteChoice, QueueAction, allowed_actions
from sora_studio.ui.queue.filter_proxy import QueueFilterProxy
from sora_studio.ui.queue.model import JOB_ID_ROLE, RUNNING, Column, QueueModel
from sora_studio.ui.queue.updates import JobUpdateBuffer
from sora_studio.ui.queue_panel import COLUMN_WIDTHS, QueuePanel
from sora_studio.ui.thumbnail_cache import ThumbnailCache


def _model(tmp_path: Path, rows: list[Job]) -> QueueModel:
    cache = ThumbnailCache()
    model = QueueModel(
        cache, library_root=tmp_path / "library", clock=lambda: 1_767_268_900.0, tick_ms=0
    )
    model.set_jobs(rows)
    return model


def _panel(qtbot, tmp_path: Path, rows: list[Job], **kwargs) -> QueuePanel:
    panel = QueuePanel(_model(tmp_path, rows), tmp_path / "library", **kwargs)
    qtbot.addWidget(panel)
    return panel


def _visible_ids(proxy: QueueFilterProxy) -> list[int]:
    return [proxy.index(r, 0).data(JOB_ID_ROLE) for r in range(proxy.rowCount())]


def test_models_pass_the_model_tester(jobs, qtbot, qtmodeltester, tmp_path: Path) -> None:
    model = _model(tmp_path, jobs.mixed())
    qtmodeltester.check(model)
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_filter_key("failed")
    qtmodeltester.check(proxy)


def test_an_update_emits_one_data_changed_for_its_row(jobs, qtbot, tmp_path: Path) -> None:
    model = _model(tmp_path, jobs.mixed())
    job = model.job(2)
    assert job is not None
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, roles=(): seen.append((a.row(), b.row(), a.column(), b.column()))
    )
    model.upsert(dataclasses.replace(job, progress=77))
    row = model.row_of(2)
    # Progress only: every column but the preview (the proxy's sort column: no re-sort).
    assert seen == [(row, row, Column.PREVIEW + 1, len(Column) - 1)]
    assert model.index(row, Column.STATUS).data() == "Rendering 77%"
    model.upsert(dataclasses.replace(job, progress=77))  # identical: nothing to repaint
    assert len(seen) == 1


def test_new_jobs_are_added_and_deleted_jobs_removed(jobs, qtbot, tmp_path: Path) -> None:
    model = _model(tmp_path, [])
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert(jobs.make(42))
    assert model.rowCount() == 1
    with qtbot.waitSignal(model.rowsRemoved):
        model.upsert(jobs.make(42, JobStatus.DELETED))
    assert model.rowCount() == 0


def test_failed_and_blocked_are_separate_filters(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    proxy = panel.proxy
    assert len(_visible_ids(proxy)) == 10
    proxy.set_filter_key("failed")
    assert _visible_ids(proxy) == [6]
    proxy.set_filter_key("blocked")
    assert _visible_ids(proxy) == [7]
    proxy.set_filter_key("all")
    proxy.set_search_text("video_10")
    assert _visible_ids(proxy) == [10]


def test_running_first_then_local_queue_in_order_then_finished(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    ids = _visible_ids(panel.proxy)
    assert ids[:4] == [2, 3, 8, 10]  # running, oldest submission first
    assert ids[4:6] == [5, 4]  # the local queue by queue position
    assert ids[6:] == [1, 9, 6, 7]  # finished, most recently finished first
    # A job finishing moves to the finished group without a reset.
    job = panel.model.job(2)
    panel.model.upsert(
        dataclasses.replace(job, status=JobStatus.READY, completed_at=jobs.NOW + 500)
    )
    assert _visible_ids(panel.proxy)[5] == 2


def test_cells_show_money_times_and_errors(jobs, qtbot, tmp_path: Path) -> None:
    model = _model(tmp_path, jobs.mixed())
    row = model.row_of(10)
    assert model.index(row, Column.ESTIMATE).data() == "$8.40 B"
    assert model.index(row, Column.ELAPSED).data() == "1:30"
    assert model.index(model.row_of(7), Column.COST).data() == "not charged"
    error = model.index(model.row_of(6), Column.ERROR).data()
    assert error.startswith("Network: The provider had a server error")
    job = model.job(1)
    tooltip = model.index(model.row_of(1), Column.PROMPT).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == f"{job.prompt}\n{job.model} · {job.size} · {job.seconds} s"
    assert model.spend_cents() == Decimal(80) * 6 + Decimal(840)


def test_actions_follow_the_job_state(jobs) -> None:
    assert QueueAction.RETRY in allowed_actions(jobs.make(1, JobStatus.FAILED))
    assert QueueAction.RETRY not in allowed_actions(jobs.make(1, JobStatus.READY))
    assert QueueAction.CANCEL in allowed_actions(jobs.make(1, JobStatus.IN_PROGRESS))
    assert QueueAction.CANCEL not in allowed_actions(jobs.make(1, JobStatus.READY))
    assert QueueAction.MOVE_UP in allowed_actions(jobs.make(1, JobStatus.QUEUED_LOCAL))
    assert QueueAction.OPEN_FOLDER in allowed_actions(jobs.make(1, JobStatus.READY))
    assert QueueAction.DELETE not in allowed_actions(jobs.make(1, JobStatus.IN_PROGRESS))


def test_cancel_retry_and_reorder_become_signals(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    with qtbot.waitSignal(panel.cancel_requested) as cancel:
        assert panel.trigger(QueueAction.CANCEL, panel.model.job(2))
    assert cancel.args == [2]
    with qtbot.waitSignal(panel.retry_requested) as retry:
        assert panel.trigger(QueueAction.RETRY, panel.model.job(6))
    assert retry.args == [6]
    assert not panel.trigger(QueueAction.RETRY, panel.model.job(1))  # ready: nothing to retry
    # Job 4 is second in the local queue (position 11 after job 5's 10): up makes it first.
    with qtbot.waitSignal(panel.reorder_requested) as moved:
        assert panel.trigger(QueueAction.MOVE_UP, panel.model.job(4))
    assert moved.args == [4, 0]
    assert not panel.trigger(QueueAction.MOVE_UP, panel.model.job(5))  # already first


def test_delete_asks_first_and_can_keep_the_remote_copy(jobs, qtbot, tmp_path: Path) -> None:
    answers: list[DeleteChoice | None] = [None, DeleteChoice(remote=True)]
    asked: list[int] = []

    def confirm(_parent: QWidget | None, job):
        asked.append(job.id)
        return answers.pop(0)

    panel = _panel(qtbot, tmp_path, jobs.mixed(), confirm_delete=confirm)
    emitted: list[tuple[int, bool]] = []
    panel.delete_requested.connect(lambda job_id, remote: emitted.append((job_id, remote)))
    assert not panel.trigger(QueueAction.DELETE, panel.model.job(6))  # changed their mind
    assert panel.trigger(QueueAction.DELETE, panel.model.job(6))
    assert asked == [6, 6]
    assert emitted == [(6, True)]


def test_open_folder_and_copy_id(jobs, qtbot, tmp_path: Path) -> None:
    opened: list[QUrl] = []
    panel = _panel(qtbot, tmp_path, jobs.mixed(), open_url=lambda url: opened.append(url) or True)
    ready = panel.model.job(1)
    assert panel.trigger(QueueAction.OPEN_FOLDER, ready)
    assert opened[0].toLocalFile() == str(job_folder(tmp_path / "library", ready))
    assert panel.trigger(QueueAction.COPY_ID, ready)
    assert QGuiApplication.clipboard().text() == "video_1"


def test_selection_enables_only_the_matching_actions(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    assert panel.select_job(6)
    assert panel.selected_job().id == 6
    assert panel.queue_actions[QueueAction.RETRY].isEnabled()
    assert not panel.queue_actions[QueueAction.CANCEL].isEnabled()
    menu = panel.build_menu()
    assert [a.text() for a in menu.actions() if a.isEnabled() and not a.isSeparator()] == [
        "Retry",
        "Copy job id",
        "Delete…",
    ]


def test_empty_queue_explains_itself(jobs, qtbot, tmp_path: Path) -> None:
    panel = QueuePanel(_model(tmp_path, []), tmp_path)
    qtbot.addWidget(panel)
    assert panel.stack.currentWidget() is panel.empty
    assert "No renders yet" in panel.empty.text()
    panel.model.upsert(jobs.make(1))
    assert panel.stack.currentWidget() is panel.view
    panel.proxy.set_filter_key("blocked")
    panel._update_empty()
    assert panel.empty.text() == "No renders match this filter."


def test_ready_rows_show_their_thumbnail(jobs, qtbot, tmp_path: Path) -> None:
    library = tmp_path / "library"
    ready = jobs.mixed()[0]
    thumb = asset_path(library, ready, AssetVariant.THUMBNAIL)
    thumb.parent.mkdir(parents=True)
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    assert image.save(str(thumb), "WEBP")
    cache = ThumbnailCache()
    model = QueueModel(cache, library_root=library, tick_ms=0)
    model.set_jobs([ready])
    index = model.index(0, Column.PREVIEW)
    assert index.data(Qt.ItemDataRole.DecorationRole) is None  # decoding off the GUI thread
    with qtbot.waitSignal(model.dataChanged, timeout=5000) as changed:
        pass  # the one preview cell repaints when its thumbnail lands
    assert (changed.args[0].row(), changed.args[0].column()) == (0, Column.PREVIEW)
    pixmap = index.data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(pixmap, QPixmap) and pixmap.size() == QSize(64, 36)
    assert cache.shutdown()


def test_status_cells_paint(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    image = panel.grab().toImage()
    assert not image.isNull() and image.width() >= 1200
    assert panel.model.index(0, 0, QModelIndex()).isValid()


def test_notifications_only_when_the_window_is_not_focused(jobs, qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    notifier = Notifier(window, use_tray=False)
    ready = jobs.make(3, JobStatus.READY)
    assert notifier.job_changed(ready, JobStatus.DOWNLOADING)  # offscreen: never active
    assert notifier.toast.isVisible() or notifier.toast.text().startswith("<b>Render #3 is ready")
    assert not notifier.job_changed(ready, JobStatus.READY)  # no change, no noise
    assert not notifier.job_changed(jobs.make(4, JobStatus.IN_PROGRESS), JobStatus.QUEUED)
    title, body = notification_text(jobs.make(5, JobStatus.BLOCKED, error_message="Nope."))
    assert title == "Render #5 blocked by content policy" and body.endswith("Nope.")


def test_multi_data_answers_every_role_as_data_does(jobs, qtbot, tmp_path: Path) -> None:
    # Views ask for all of a cell's roles in one multiData call (one GIL hand-over, not eight).
    model = _model(tmp_path, jobs.mixed())
    roles = [
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        JOB_ID_ROLE,
    ]
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in roles:
                item = QModelRoleData(int(role))
                model.multiData(index, QModelRoleDataSpan(item, 1))
                assert item.data() == index.data(role), (row, column, role)
    outside = QModelRoleData(int(Qt.ItemDataRole.DisplayRole))
    model.multiData(QModelIndex(), QModelRoleDataSpan(outside, 1))
    assert outside.data() is None


def test_status_bars_repaint_from_cache_until_the_job_changes(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    job = panel.model.job(2)
    assert job is not None
    proxy_row = panel.proxy.mapFromSource(panel.model.index(panel.model.row_of(2), 0)).row()
    cell = panel.view.visualRect(panel.proxy.index(proxy_row, Column.STATUS))

    def status_cell() -> QImage:
        return panel.view.viewport().grab(cell).toImage()

    first = status_cell()
    assert status_cell() == first  # the same state paints the same pixels
    panel.model.upsert(dataclasses.replace(job, progress=min(100, job.progress + 50)))
    assert status_cell() != first  # a new progress is a new bar


def test_the_elapsed_tick_repaints_only_running_rows(jobs, qtbot, tmp_path: Path) -> None:
    model = _model(tmp_path, jobs.mixed())
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, roles=(): seen.append((a.row(), b.row(), a.column(), b.column()))
    )
    model._refresh_elapsed()  # what the one-second timer runs
    running = {
        row
        for row in range(model.rowCount())
        if model.job_at(row).status in RUNNING  # type: ignore[union-attr]
    }
    assert running, "the fixture has running jobs"
    covered = {row for top, bottom, _, _ in seen for row in range(top, bottom + 1)}
    assert covered == running
    assert all(a == b == Column.ELAPSED for _, _, a, b in seen)


def test_the_proxy_forwards_multi_data_to_its_source_row(jobs, qtbot, tmp_path: Path) -> None:
    # The proxy reorders rows: each proxy cell must answer with its own source row's values.
    model = _model(tmp_path, jobs.mixed())
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    for row in range(proxy.rowCount()):
        for column in range(proxy.columnCount()):
            index = proxy.index(row, column)
            source = proxy.mapToSource(index)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, JOB_ID_ROLE):
                item = QModelRoleData(int(role))
                proxy.multiData(index, QModelRoleDataSpan(item, 1))
                assert item.data() == source.data(role), (row, column, role)


def test_a_batch_inserts_once_and_changes_each_row_once(
    jobs, qtbot, qtmodeltester, tmp_path: Path
) -> None:
    model = _model(tmp_path, jobs.mixed())
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    before = model.rowCount()
    inserted: list[tuple[int, int]] = []
    changed: list[tuple[int, int, int]] = []
    statuses: list[tuple[int, object]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.dataChanged.connect(lambda a, b, roles=(): changed.append((a.row(), b.row(), a.column())))
    model.job_status_changed.connect(lambda job, previous: statuses.append((job.id, previous)))
    two, three = model.job(2), model.job(3)
    assert two is not None and three is not None
    model.apply_batch(
        [
            jobs.make(101),
            dataclasses.replace(two, progress=50),
            jobs.make(102),
            dataclasses.replace(two, progress=60),  # the latest update of a job wins
            dataclasses.replace(three, status=JobStatus.READY, progress=100),
            jobs.make(103),
        ]
    )
    assert inserted == [(before, before + 2)]
    # Each changed row is told once; a progress-only change spares the sort column.
    covered = sorted(row for first, last, _ in changed for row in range(first, last + 1))
    assert covered == sorted([model.row_of(2), model.row_of(3)])  # type: ignore[type-var]
    assert {(first, column) for first, _, column in changed} == {
        (model.row_of(2), Column.PREVIEW + 1),
        (model.row_of(3), Column.PREVIEW),
    }
    assert model.index(model.row_of(2), Column.STATUS).data() == "Rendering 60%"  # type: ignore[arg-type]
    assert {101, 102, 103} <= set(_visible_ids(proxy))
    assert (3, three.status) in statuses and (101, None) in statuses
    assert not any(job_id == 2 for job_id, _ in statuses)  # progress only: same status
    model.apply_batch([jobs.make(102, JobStatus.DELETED), dataclasses.replace(two, progress=70)])
    assert model.row_of(102) is None
    qtmodeltester.check(proxy)
    assert model.index(model.row_of(2), Column.STATUS).data() == "Rendering 70%"  # type: ignore[arg-type]


def test_the_update_buffer_coalesces_a_burst_into_one_batch(jobs, qtbot) -> None:
    batches: list[list[Job]] = []
    buffer = JobUpdateBuffer(batches.append, interval_ms=20)
    for progress in (10, 20, 30):
        buffer.add(jobs.make(1, JobStatus.IN_PROGRESS, progress=progress))
    buffer.add_many([jobs.make(2), jobs.make(3)])
    assert buffer.pending == 3 and batches == []
    qtbot.waitUntil(lambda: len(batches) == 1)
    assert [(j.id, j.progress) for j in batches[0]] == [(1, 30), (2, 0), (3, 0)]
    buffer.add(jobs.make(4))
    buffer.flush()  # applies at once
    assert [j.id for j in batches[1]] == [4] and buffer.pending == 0
    buffer.flush()  # nothing pending: no empty batch
    assert len(batches) == 2


def test_the_summary_counts_after_a_batch(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, [])
    panel.model.apply_batch([jobs.make(1, JobStatus.IN_PROGRESS), jobs.make(2, JobStatus.FAILED)])
    qtbot.waitUntil(lambda: panel.summary.text() == "1 active · 1 failed")
    panel.model.upsert(jobs.make(1, JobStatus.READY))
    qtbot.waitUntil(lambda: panel.summary.text() == "1 failed")
    panel.model.remove_job(2)
    qtbot.waitUntil(lambda: panel.summary.text() == "")


def test_the_header_shows_the_models_labels(jobs, qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path, jobs.mixed())
    header = panel.view.horizontalHeader()
    assert header.count() == len(Column)
    for column in Column:
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            shown = header.model().headerData(column, Qt.Orientation.Horizontal, role)
            assert shown == panel.model.headerData(column, Qt.Orientation.Horizontal, role)
    assert panel.view.columnWidth(Column.STATUS) == COLUMN_WIDTHS[Column.STATUS]


def test_error_text_colours_follow_the_theme(jobs, tmp_path: Path) -> None:
    from PySide6.QtGui import QPalette

    from sora_studio.ui.status_bar import StudioStatusBar
    from sora_studio.ui.theme import ERROR, ERROR_LIGHT, WARNING, WARNING_LIGHT

    failed = dataclasses.replace(
        jobs.make(1, JobStatus.FAILED, error_message="The render failed."),
        error_class=ErrorClass.TRANSIENT,
    )
    waiting = dataclasses.replace(
        jobs.make(2, JobStatus.RATE_LIMITED, error_message="Too many requests."),
        error_class=ErrorClass.RATE_LIMITED,
    )
    model = _model(tmp_path, [failed, waiting])
    status = StudioStatusBar()
    original = QGuiApplication.palette()
    try:
        for window, problem, warning in (
            ("#1e1f22", ERROR, WARNING),
            ("#f4f4f6", ERROR_LIGHT, WARNING_LIGHT),
        ):
            palette = QPalette(original)
            palette.setColor(QPalette.ColorRole.Window, QColor(window))
            QGuiApplication.setPalette(palette)
            colour = [
                model.index(model.row_of(i), Column.ERROR).data(Qt.ItemDataRole.ForegroundRole)
                for i in (1, 2)
            ]
            assert [c.name() for c in colour] == [problem, warning]
            status.set_spend(Decimal("4600"), Decimal("5000"))  # less than a tenth left
            assert warning in status.spend_label.text()
            status.set_spend(Decimal("5000"), Decimal("5000"))
            assert problem in status.spend_label.text()
    finally:
        QGuiApplication.setPalette(original)


def test_a_narrow_queue_hides_the_least_needed_columns_instead_of_scrolling(
    qtbot, tmp_path: Path, jobs
) -> None:  # type: ignore[no-untyped-def]
    panel = QueuePanel(_model(tmp_path, jobs.mixed()), tmp_path / "library")
    qtbot.addWidget(panel)
    panel.resize(1200, 300)
    panel.show()
    qtbot.waitExposed(panel)
    hidden = [c for c in Column if panel.view.isColumnHidden(c)]
    assert hidden == []
    panel.resize(560, 300)  # beside an open Assets dock
    qtbot.waitUntil(lambda: panel.view.isColumnHidden(Column.EXPECTED), timeout=2_000)
    assert panel.view.isColumnHidden(Column.ELAPSED)
    for kept in (Column.PROMPT, Column.STATUS, Column.COST, Column.ERROR):
        assert not panel.view.isColumnHidden(kept)
    assert panel.view.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
    assert panel.view.columnWidth(Column.PROMPT) < COLUMN_WIDTHS[Column.PROMPT]
    panel.resize(1200, 300)
    qtbot.waitUntil(lambda: not panel.view.isColumnHidden(Column.EXPECTED), timeout=2_000)
    assert panel.view.columnWidth(Column.PROMPT) == COLUMN_WIDTHS[Column.PROMPT]
    panel.view.setColumnWidth(Column.PROMPT, 300)  # the person widens it: a resize keeps that
    panel.resize(1250, 300)
    qtbot.wait(50)
    assert panel.view.columnWidth(Column.PROMPT) == 300
