"""Tags put on clips by hand, in the review panel: shown on the card and in the clip's details,
offered and applied by the filter bar's tag picker, and put on or taken off with ``T``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from sora_studio.core.errors import UserError
from sora_studio.core.models import ReviewStatus
from sora_studio.services.desk_writes import ChangeTags, DeskWrites
from sora_studio.services.tags import add_tag
from sora_studio.storage.repository import Repository
from sora_studio.ui.review.clip_model import ClipRoles
from sora_studio.ui.review.review_panel import ReviewPanel
from sora_studio.ui.review.tag_chips import NO_TAGS, chip_text, details_text
from sora_studio.ui.review.tag_editor import TagEditor
from tests.ui.review.conftest import Library, settle


def _tagged(panel: ReviewPanel, store: Repository, tags: dict[int, list[str]]) -> None:
    for job_id, words in tags.items():
        for word in words:
            add_tag(store, job_id, word, "ana")
    panel.reload()


def test_tags_show_on_the_card_in_the_details_and_in_the_picker(
    qtbot: QtBot, panel: ReviewPanel, library: Library, store: Repository
) -> None:
    first, second = library.job_ids[0], library.job_ids[1]
    _tagged(panel, store, {first: ["hero", "night"], second: ["hero"]})
    index = panel.model.index_of(first)
    assert index.data(ClipRoles.ManualTags) == ("hero", "night")
    assert index.data(ClipRoles.Tags) == ["nature", "hero", "night"]  # the prompt's #word first
    # The picker offers every tag in use: put on by hand, and the prompts' #words.
    assert panel.filter_bar.tag_choices() == ["hero", "nature", "night"]
    assert panel.tags.line.label.text() == NO_TAGS and not panel.tags.line.button.isEnabled()
    panel.select_clip(first)
    qtbot.waitUntil(lambda: panel.tags.line.label.text() == "Tags: #hero #night", timeout=3000)
    assert panel.tags.line.button.isEnabled()
    panel.select_clip(library.job_ids[2])
    qtbot.waitUntil(lambda: panel.tags.line.label.text() == NO_TAGS, timeout=3000)
    panel.grid.viewport().grab()  # the cards paint with their chips (no error)


def test_the_tag_picker_narrows_the_grid_and_combines_with_other_filters(
    qtbot: QtBot, panel: ReviewPanel, library: Library, store: Repository
) -> None:
    ids = library.job_ids
    _tagged(panel, store, {ids[0]: ["hero"], ids[1]: ["hero"], ids[2]: ["night"]})
    everything = panel.proxy.rowCount()
    bar = panel.filter_bar
    bar.tag_box.setCurrentIndex(bar.tag_box.findData("hero"))  # picked from the list
    bar.flush()
    assert bar.tag.text() == "#hero"
    shown = {panel.proxy.job_id_at(r) for r in range(panel.proxy.rowCount())}
    assert shown == {ids[0], ids[1]} and everything > 2
    bar.review.setCurrentIndex(bar.review.findData(ReviewStatus.APPROVED))  # ids[1] is approved
    bar.flush()
    assert [panel.proxy.job_id_at(r) for r in range(panel.proxy.rowCount())] == [ids[1]]
    bar.review.setCurrentIndex(0)
    bar.tag.setText("nature")  # typed: a prompt's #word still filters as before
    bar.flush()
    assert panel.proxy.rowCount() > 2
    bar.tag.setText("")
    bar.flush()
    assert panel.proxy.rowCount() == everything


def test_t_opens_the_editor_and_what_it_says_is_stored(
    qtbot: QtBot, panel: ReviewPanel, library: Library, store: Repository
) -> None:
    first, second = library.job_ids[0], library.job_ids[1]
    _tagged(panel, store, {first: ["hero", "maybe"]})
    panel.select_clip(first)
    panel.grid.setFocus()
    qtbot.keyClick(panel.grid, Qt.Key.Key_T)
    editor = panel.tags.editor
    assert isinstance(editor, TagEditor) and editor.isVisible()
    assert editor.heading.text() == f"Tags on clip #{first}"
    assert editor.tags() == ["hero", "maybe"]
    assert not editor.add_tag("  #  ")  # no word: refused in words, nothing added
    assert not editor.problem.isHidden() and "needs a word" in editor.problem.text()
    qtbot.keyClicks(editor.entry, "Night Sky")
    qtbot.keyClick(editor.entry, Qt.Key.Key_Return)  # Enter adds; it does not close
    assert editor.isVisible() and editor.tags() == ["hero", "maybe", "night-sky"]
    assert editor.problem.isHidden()
    editor.set_tag_on("maybe", False)
    assert editor.changes() == (("night-sky",), ("maybe",))
    ok = editor.buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    settle(qtbot, panel)
    assert store.tags_for(first) == ["hero", "night-sky"]
    assert panel.model.manual_tags(first) == ("hero", "night-sky")
    assert panel.tags.line.label.text() == "Tags: #hero #night-sky"
    assert "night-sky" in panel.filter_bar.tag_choices()
    assert panel.tags.editor is None

    # Two clips: the tag only one has is half-checked; checking it puts it on both.
    panel.grid.selectionModel().clearSelection()
    panel.select_clip(first)
    panel.grid.selectionModel().select(
        panel.proxy.proxy_index_of(second), panel.grid.selectionModel().SelectionFlag.Select
    )
    editor = panel.tags.edit()
    assert editor is not None and editor.heading.text() == "Tags on 2 clips"
    assert editor.changes() == ((), ())  # half-checked tags left as they are: no change
    editor.set_tag_on("hero", True)
    editor.accept()
    settle(qtbot, panel)
    assert store.tags_for(second) == ["hero"] and store.tags_for(first) == ["hero", "night-sky"]


def test_cancel_changes_nothing(
    qtbot: QtBot, panel: ReviewPanel, library: Library, store: Repository
) -> None:
    first = library.job_ids[0]
    _tagged(panel, store, {first: ["hero"]})
    panel.select_clip(first)
    editor = panel.tags.edit()
    assert editor is not None
    editor.set_tag_on("hero", False)
    editor.add_tag("new")
    editor.reject()
    settle(qtbot, panel)
    assert store.tags_for(first) == ["hero"]


def test_nothing_selected_says_so(panel: ReviewPanel) -> None:
    panel.grid.selectionModel().clearSelection()
    panel.grid.setCurrentIndex(panel.proxy.index(-1, 0))
    assert panel.tags.edit() is None
    assert panel.message.text() == "Select a clip to tag."


def test_a_bad_tag_refuses_the_whole_change(library: Library, store: Repository) -> None:
    writes = DeskWrites.open(Path(library.db_path))
    try:
        first = library.job_ids[0]
        with pytest.raises(UserError, match="is not a tag"):
            ChangeTags((first,), add=("good", "#"), author="ana").apply(writes)
        assert store.tags_for(first) == []
        done = ChangeTags((first, 99_999), add=("good",), author="ana").apply(writes)
        assert done.tags == ((first, ("good",)),) and done.changed == 1  # a gone clip: left out
    finally:
        writes.close()


def test_chip_and_details_words() -> None:
    def fits(limit: int) -> Callable[[str], bool]:
        return lambda text: len(text) <= limit

    assert chip_text(("hero", "night", "wide"), fits(40)) == "#hero #night #wide"
    assert chip_text(("hero", "night", "wide"), fits(15)) == "#hero #night +1"
    assert chip_text(("superlongtagname",), fits(5)) == "+1"
    assert chip_text((), fits(40)) == ""
    assert details_text(("a", "b")) == "Tags: #a #b" and details_text(()) == NO_TAGS
