"""The review panel end to end: opening a clip, notes at the playhead, note -> request -> link,
clip actions, compare, and a live job update arriving for the clip on show."""

from __future__ import annotations

from PySide6.QtCore import Qt

from sora_studio.core.models import JobStatus, LineageKind
from sora_studio.ui.review.review_panel import ReviewPanel
from tests.ui.review.conftest import settle


def _open(qtbot, panel: ReviewPanel, job_id: int) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.player.media_loaded, timeout=10000) as blocker:
        panel.select_clip(job_id)
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: panel.player.duration_ms > 0, timeout=5000)


def test_selecting_a_clip_loads_player_notes_versions_and_actions(qtbot, panel, library) -> None:  # type: ignore[no-untyped-def]
    child = library.job_ids[6]
    _open(qtbot, panel, child)
    assert panel.current_job_id == child
    assert panel.player.source is not None and panel.player.source.endswith("video.mp4")
    assert panel.lineage.job_ids() == [library.job_ids[0], child]
    assert panel.actions_bar.buttons["regenerate"].isEnabled()
    # A missing-media clip opens without a video and says so.
    panel.select_clip(library.job_ids[5])
    assert panel.player.source is None
    assert not panel.actions_bar.buttons["edit"].isEnabled()


def test_n_adds_a_note_at_the_playhead_and_markers_follow(qtbot, panel, library, store) -> None:  # type: ignore[no-untyped-def]
    job_id = library.job_ids[0]
    _open(qtbot, panel, job_id)
    panel.player.seek(1500)
    qtbot.waitUntil(lambda: panel.player.position_ms == 1500, timeout=5000)
    panel.grid.setFocus()
    qtbot.keyClick(panel.grid, Qt.Key.Key_N)
    assert panel.notes.entry.hasFocus() and panel.notes.pin == (1500, None)
    qtbot.keyClicks(panel.notes.entry, "tail flickers")
    qtbot.keyClick(panel.notes.entry, Qt.Key.Key_Return)
    # On show at once, with its marker (and selected once the key press is handled); stored
    # by the writer thread a moment later.
    assert [n.text for n in panel.notes.model.notes()] == ["tail flickers"]
    assert [m.start_ms for m in panel.player.timeline.markers] == [1500]
    qtbot.waitUntil(lambda: getattr(panel.notes.selected_note(), "text", "") == "tail flickers")
    settle(qtbot, panel)
    stored = store.notes_for(job_id)
    assert [(n.start_ms, n.end_ms, n.text, n.author) for n in stored] == [
        (1500, None, "tail flickers", "ana")
    ]
    assert [n.id for n in panel.notes.model.notes()] == [stored[0].id]  # the stored note
    assert [m.start_ms for m in panel.player.timeline.markers] == [1500]
    # With an in/out range set, N pins the note to the range.
    panel.player.mark_in(500)
    panel.player.mark_out(2000)
    panel.begin_note()
    panel.notes.entry.setText("too grey here")
    assert panel.notes.commit_note()
    settle(qtbot, panel)
    assert (500, 2000) in [(n.start_ms, n.end_ms) for n in store.notes_for(job_id)]
    # Resolve through the panel; the marker turns resolved at once, the note when stored.
    panel.notes.select_note(stored[0].id)
    panel.notes.resolve_button.click()
    assert any(m.resolved for m in panel.player.timeline.markers)
    settle(qtbot, panel)
    assert store.get_note(stored[0].id).resolved  # type: ignore[union-attr]
    assert any(m.resolved for m in panel.player.timeline.markers)


def test_a_note_beyond_the_clip_end_is_refused_with_a_message(qtbot, panel, library, store) -> None:  # type: ignore[no-untyped-def]
    job_id = library.job_ids[0]
    _open(qtbot, panel, job_id)
    panel.notes.begin_note(60_000)
    panel.notes.entry.setText("way past the end")
    with qtbot.waitSignal(panel.status_message, timeout=5000) as said:
        panel.notes.commit_note()
    assert "beyond the clip's end" in said.args[0]
    assert "beyond the clip's end" in panel.message.text()
    assert store.notes_for(job_id) == []
    assert panel.notes.model.notes() == []  # the note shown meanwhile is gone again
    assert panel.player.timeline.markers == ()


def test_a_note_turned_into_an_edit_shows_the_job_the_engine_linked(
    qtbot, panel, library, store
) -> None:  # type: ignore[no-untyped-def]
    job_id = library.job_ids[0]
    _open(qtbot, panel, job_id)
    panel.notes.begin_note(1000)
    panel.notes.entry.setText("make the snow whiter")
    panel.notes.commit_note()
    settle(qtbot, panel)
    note = store.notes_for(job_id)[0]
    panel.notes.select_note(note.id)
    with qtbot.waitSignal(panel.note_action_requested) as blocker:
        panel.notes.turn_buttons["edit"].click()
    assert blocker.args == ["edit", job_id, "make the snow whiter", note.id]
    # The engine now makes the edit and links the note to it in the same transaction (the
    # panel keeps no list of notes waiting for a job); the new version's first update shows it.
    result = store.create_job(
        provider="emulator",
        fingerprint="edit",
        prompt="make the snow whiter",
        model="sora-2",
        size="1280x720",
        seconds=4,
        status=JobStatus.QUEUED_LOCAL,
        estimate_cents=40,
        parent_id=job_id,
        lineage_kind=LineageKind.EDIT,
    )
    store.link_note_result(note.id, result.id)
    panel.on_job_updated(result)
    assert f"#{result.id}" in panel.notes.model.index(0, 0).data()
    assert not panel.notes.turn_buttons["edit"].isEnabled()  # turned into work once only
    assert result.id in panel.lineage.job_ids()


def test_action_keys_and_buttons_emit_requests(qtbot, panel, library) -> None:  # type: ignore[no-untyped-def]
    job_id = library.job_ids[0]
    panel.select_clip(job_id)
    panel.grid.setFocus()
    requested: list[tuple[str, int]] = []
    panel.action_requested.connect(lambda name, jid: requested.append((name, jid)))
    for key in (Qt.Key.Key_E, Qt.Key.Key_X, Qt.Key.Key_M, Qt.Key.Key_P):
        qtbot.keyClick(panel.grid, key)
    panel.actions_bar.buttons["regenerate"].click()
    panel.actions_bar.buttons["delete"].click()
    assert requested == [
        ("edit", job_id),
        ("extend", job_id),
        ("remix", job_id),
        ("promote", job_id),
        ("regenerate", job_id),
        ("delete", job_id),
    ]
    # Promote shows the price difference: 4 s of pro 720p ($1.20) minus what it cost ($0.40).
    assert panel.actions_bar.buttons["promote"].text() == "Promote to Sora 2 Pro (P) +$0.80"
    assert panel.actions_bar.copy_prompt()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == panel.model.job(job_id).prompt  # type: ignore[union-attr]


def test_compare_two_selected_clips(qtbot, panel, library) -> None:  # type: ignore[no-untyped-def]
    child = library.job_ids[6]
    panel.select_clip(child)
    qtbot.keyClick(panel.grid, Qt.Key.Key_V)  # one clip with a parent: compare with the parent
    assert panel.right_tabs.currentWidget() is panel.compare
    assert panel.compare.job_a.id == library.job_ids[0]  # type: ignore[union-attr]
    assert panel.compare.job_b.id == child  # type: ignore[union-attr]
    assert "longer ending" in panel.compare.prompt_diff.toPlainText()


def test_job_update_for_the_clip_on_show_refreshes_it(qtbot, panel, library, store) -> None:  # type: ignore[no-untyped-def]
    rendering = library.job_ids[3]
    panel.select_clip(rendering)
    assert panel.player.source is None
    updated = store.update_job(rendering, progress=90)
    panel.on_job_updated(updated)
    assert panel.model.job(rendering).progress == 90  # type: ignore[union-attr]
    assert panel.grid.current_job_id() == rendering


def test_a_large_library_streams_in_without_moving_the_selection(
    qtbot, library, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from sora_studio.ui.review import review_panel

    monkeypatch.setattr(review_panel, "FIRST_PAGE", 3)
    widget = ReviewPanel(
        library.db_path,
        library.library_root,
        reviewer="ana",
        with_audio=False,
    )
    qtbot.addWidget(widget)
    try:
        assert widget.model.rowCount() == 3  # the newest screenful, read before the first paint
        newest = widget.model.job_ids()
        widget.select_clip(newest[1])
        with qtbot.waitSignal(widget.loading_finished, timeout=10000):
            pass
        assert sorted(widget.model.job_ids()) == sorted(library.job_ids)
        assert widget.model.job_ids()[:3] == newest  # the rest went in after them, in order
        assert widget.grid.current_job_id() == newest[1]
        assert widget.filter_bar.count_label.text() == f"{len(library.job_ids)} clips"
        assert widget.filter_bar.model_box.findData("sora-2-pro") > 0
    finally:
        widget.shutdown()


def test_transport_keys_follow_the_tab_on_show(qtbot, panel, library) -> None:  # type: ignore[no-untyped-def]
    child = library.job_ids[6]
    panel.select_clip(child)
    assert panel.compare_selection()
    qtbot.waitUntil(lambda: all(p.duration() > 0 for p in panel.compare.players), timeout=10000)
    panel.compare.setFocus()
    qtbot.keyClick(panel.compare, Qt.Key.Key_Space)  # the panel's shortcut, routed to compare
    assert panel.compare.is_playing and not panel.player.is_playing
    qtbot.keyClick(panel.compare, Qt.Key.Key_Space)
    assert not panel.compare.is_playing
    qtbot.keyClick(panel.compare, Qt.Key.Key_F)
    assert not panel.compare.side_by_side
    panel.right_tabs.setCurrentIndex(0)
    panel.grid.setFocus()
    assert panel.transport_key(Qt.Key.Key_L)
    assert panel.player.shuttle_rate == 1.0 and not panel.compare.is_playing
    panel.transport_key(Qt.Key.Key_K)


def test_progress_updates_of_a_rendering_clip_read_no_assets(qtbot, panel, library, store) -> None:  # type: ignore[no-untyped-def]
    # A busy queue sends many progress updates; each repaint must not query the database.
    rendering = library.job_ids[3]
    asked: list[int] = []
    real = panel.view.assets_for

    def counting(job_id: int):  # type: ignore[no-untyped-def]
        asked.append(job_id)
        return real(job_id)

    panel.view.assets_for = counting  # type: ignore[method-assign]
    for progress in (20, 40, 60):
        panel.on_job_updated(store.update_job(rendering, progress=progress))
        row = panel.model.clip_row(rendering)
        assert row.job.progress == progress and row.video_path is None
    assert asked == []
    ready = store.update_job(rendering, status=JobStatus.READY, progress=100)
    panel.on_job_updated(ready)
    panel.model.clip_row(rendering)
    assert asked == [rendering]  # a ready clip reads where its files were recorded
