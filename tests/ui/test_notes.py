"""Notes beside the player (model, panel requests) and the versions (lineage) tree."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from PySide6.QtCore import Qt

from sora_studio.core.models import JobStatus, LineageKind, Note, ReviewStatus
from sora_studio.ui.notes.lineage_view import LineageView
from sora_studio.ui.notes.notes_model import NoteRoles, NotesModel, note_time_label
from sora_studio.ui.notes.notes_panel import NotesPanel


def _note(note_id: int, start: int, text: str, end: int | None = None, **kw: object) -> Note:
    return Note(id=note_id, job_id=7, start_ms=start, text=text, author="ana", end_ms=end, **kw)  # type: ignore[arg-type]


def test_notes_model_contract_and_order(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = NotesModel()
    model.set_notes([_note(2, 3000, "later"), _note(1, 500, "early", 900)])
    qtmodeltester.check(model, force_py=True)
    assert [model.note_at(r).id for r in range(model.rowCount())] == [1, 2]
    model.add_note(_note(3, 1000, "middle"))
    assert model.row_of(3) == 1
    model.replace_note(dataclasses.replace(model.note_at(0), resolved=True))
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert model.index(0, 0).data(NoteRoles.Resolved) is True
    model.remove_note(2)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 2
    assert note_time_label(_note(9, 61_500, "x", 62_000)) == "01:01.500–01:02.000"


def test_panel_emits_add_seek_resolve_and_turn_into(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = NotesPanel()
    qtbot.addWidget(panel)
    assert not panel.isEnabled()  # no clip: nothing to note
    panel.set_notes(7, [_note(1, 1200, "hold this frame longer")])
    panel.show()
    with qtbot.waitActive(panel):
        panel.activateWindow()
    assert panel.isEnabled() and panel.view.isVisible() and not panel.empty_label.isVisible()
    panel.begin_note(2500)
    assert panel.entry.hasFocus() and panel.pin_label.text() == "@ 00:02.500"
    with qtbot.waitSignal(panel.add_requested) as added:
        qtbot.keyClicks(panel.entry, "colour drifts")
        qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert added.args == [2500, -1, "colour drifts"]
    assert panel.entry.text() == ""
    panel.begin_note(1000, 2000)
    panel.entry.setText("range note")
    with qtbot.waitSignal(panel.add_requested) as ranged:
        panel.commit_note()
    assert ranged.args == [1000, 2000, "range note"]
    rect = panel.view.visualRect(panel.model.index(0, 0))
    with qtbot.waitSignal(panel.seek_requested) as seek:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert seek.args == [1200]
    with qtbot.waitSignal(panel.resolve_requested) as resolve:
        panel.resolve_button.click()
    assert resolve.args == [1, True]
    with qtbot.waitSignal(panel.turn_into_requested) as turned:
        panel.turn_buttons["remix"].click()
    assert turned.args == [1, "remix", "hold this frame longer"]
    # A resolved, already-linked note shows Reopen and cannot be turned into work twice.
    panel.note_changed(_note(1, 1200, "hold this frame longer", resolved=True, result_job_id=9))
    assert panel.resolve_button.text() == "Reopen"
    assert not panel.turn_buttons["edit"].isEnabled()
    assert "→ #9" in panel.model.index(0, 0).data()


def test_empty_state_and_blank_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = NotesPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_notes(7, [])
    assert panel.empty_label.isVisible() and not panel.view.isVisible()
    panel.entry.setText("   ")
    assert not panel.commit_note()
    assert not panel.turn_selected_into("edit")


def test_lineage_tree_shows_cost_verdict_and_prompt_change(qtbot, jobs) -> None:  # type: ignore[no-untyped-def]
    root = dataclasses.replace(
        jobs.make(1, JobStatus.READY),
        prompt="a fox in the snow",
        cost_cents=Decimal(40),
        review_status=ReviewStatus.CHANGES,
    )
    remix = dataclasses.replace(
        jobs.make(2, JobStatus.READY),
        prompt="a fox in the snow at night",
        parent_id=1,
        lineage_kind=LineageKind.REMIX,
        cost_cents=Decimal(40),
        review_status=ReviewStatus.APPROVED,
    )
    extension = dataclasses.replace(
        jobs.make(3, JobStatus.IN_PROGRESS),
        prompt="a fox in the snow at night, it runs away",
        parent_id=2,
        lineage_kind=LineageKind.EXTENSION,
    )
    view = LineageView()
    qtbot.addWidget(view)
    view.set_lineage([extension, root, remix], current_job_id=2)
    top = view.tree.topLevelItem(0)
    assert top.text(0) == "v1  #1" and top.text(2) == "$0.40" and top.text(3) == "Needs changes"
    child = top.child(0)
    assert child.text(1) == "remix" and child.text(4) == "+at night"
    grandchild = child.child(0)
    assert grandchild.text(0) == "v3  #3" and grandchild.text(2) == "$0.80 est."
    assert grandchild.text(4) == "+it runs away"  # "night" -> "night," is not a change
    assert "runs away" in grandchild.toolTip(4)
    assert view.tree.currentItem() is child and child.font(0).bold()
    with qtbot.waitSignal(view.clip_selected) as picked:
        view.tree.itemClicked.emit(grandchild, 0)
    assert picked.args == [3]
    with qtbot.waitSignal(view.compare_requested) as compare:
        view.tree.itemDoubleClicked.emit(grandchild, 0)
    assert compare.args == [2, 3]


def test_turn_buttons_say_why_the_clip_cannot_take_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A provider without edit/extend: the note's buttons are off with the clip's own reason."""
    panel = NotesPanel()
    qtbot.addWidget(panel)
    panel.set_notes(7, [_note(1, 1200, "make the sky darker")])
    panel.view.setCurrentIndex(panel.model.index(0, 0))
    assert all(button.isEnabled() for button in panel.turn_buttons.values())
    why = "SGLang Diffusion (emulator) cannot edit a video."
    panel.set_turn_refusals({"edit": why, "extend": why, "remix": "", "promote": "other"})
    assert not panel.turn_buttons["edit"].isEnabled()
    assert panel.turn_buttons["edit"].toolTip() == why
    assert panel.turn_buttons["remix"].isEnabled()
    panel.set_turn_refusals({})
    assert panel.turn_buttons["edit"].isEnabled()
    assert "note's text" in panel.turn_buttons["edit"].toolTip()
