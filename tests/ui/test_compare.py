"""Compare view: word-level prompt diff, parameter changes, linked playback and the A/B flip."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from sora_studio.core.models import JobStatus, LineageKind
from sora_studio.emulator.renderer import RenderSpec, render_video
from sora_studio.ui.compare.compare_view import CompareView
from sora_studio.ui.compare.prompt_diff import (
    DiffChunk,
    diff_html,
    diff_summary,
    has_changes,
    parameter_changes,
    word_diff,
)


def test_word_diff_marks_replacements_inserts_and_deletes() -> None:
    chunks = word_diff("a fox runs in deep snow", "a red fox walks in snow, slowly")
    assert chunks == [
        DiffChunk("equal", "a"),
        DiffChunk("insert", "red"),
        DiffChunk("equal", "fox"),
        DiffChunk("delete", "runs"),
        DiffChunk("insert", "walks"),
        DiffChunk("equal", "in"),
        DiffChunk("delete", "deep"),
        DiffChunk("equal", "snow,"),
        DiffChunk("insert", "slowly"),
    ]
    assert diff_summary(chunks) == "+red  −runs  +walks  −deep  +slowly"
    assert not has_changes(word_diff("same  words\nhere", "same words here"))
    assert diff_summary(word_diff("x", "x")) == "same prompt"
    html = diff_html(word_diff("<b>", "<i>"))
    assert "&lt;b&gt;" in html and "line-through" in html and "underline" in html
    assert len(diff_summary(word_diff("a", "a " + "word " * 50), 30)) == 30


def test_parameter_changes_lists_only_what_differs(jobs) -> None:  # type: ignore[no-untyped-def]
    a = dataclasses.replace(jobs.make(1, JobStatus.READY), cost_cents=Decimal(80))
    b = dataclasses.replace(
        a,
        id=2,
        model="sora-2-pro",
        size="1920x1080",
        lineage_kind=LineageKind.PROMOTION,
        cost_cents=Decimal(560),
    )
    changes = {c.name: (c.before, c.after) for c in parameter_changes(a, b)}
    assert changes == {
        "Model": ("sora-2", "sora-2-pro"),
        "Size": ("1280x720", "1920x1080"),
        "Made by": ("original", "promotion"),
        "Cost": ("$0.80", "$5.60"),
    }


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("compare")
    a = render_video(RenderSpec("a", "a fox in snow", 320, 180, 4), out / "a").video
    b = render_video(RenderSpec("b", "a fox in snow at night", 320, 180, 4), out / "b").video
    return a, b


@pytest.fixture
def view(qtbot, clips, jobs) -> Iterator[CompareView]:  # type: ignore[no-untyped-def]
    widget = CompareView(with_audio=False)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    a = dataclasses.replace(jobs.make(1, JobStatus.READY), prompt="a fox in snow")
    b = dataclasses.replace(
        jobs.make(2, JobStatus.READY),
        prompt="a fox in snow at night",
        parent_id=1,
        lineage_kind=LineageKind.REMIX,
    )
    widget.set_clips(a, str(clips[0]), b, str(clips[1]))
    qtbot.waitUntil(lambda: all(p.duration() > 0 for p in widget.players), timeout=10000)
    yield widget
    widget.shutdown()


def test_shows_diff_and_parameters(view) -> None:  # type: ignore[no-untyped-def]
    assert "at night" in view.prompt_diff.toHtml() and "A → B" in view.prompt_diff.toPlainText()
    names = [view.parameters.item(r, 0).text() for r in range(view.parameters.rowCount())]
    assert names == ["Made by"]
    assert view.side_a.caption.text().startswith("A: #1")


def test_linked_seek_step_and_play(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    a, b = view.players
    view.seek(1500)
    qtbot.waitUntil(lambda: a.position() == 1500 and b.position() == 1500, timeout=5000)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Period)
    expected = round(37 * 1000 / 24)
    qtbot.waitUntil(lambda: a.position() == expected == b.position(), timeout=5000)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert view.is_playing and b.isPlaying()
    qtbot.waitUntil(lambda: a.position() > expected + 200, timeout=5000)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not view.is_playing and not b.isPlaying()
    qtbot.waitUntil(lambda: abs(a.position() - b.position()) <= 1, timeout=5000)


def test_one_key_flip_in_place(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    assert view.side_by_side and view.side_a.isVisible() and view.side_b.isVisible()
    view.setFocus()
    with qtbot.waitSignal(view.flipped) as first:
        qtbot.keyClick(view, Qt.Key.Key_F)  # side by side -> flip mode showing A
    assert first.args == ["A"] and not view.side_by_side
    assert view.side_a.isVisible() and not view.side_b.isVisible()
    view.seek(2000)
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.showing == "B" and view.side_b.isVisible() and not view.side_a.isVisible()
    assert view.side_b.geometry() == view.side_a.geometry() or view.side_b.width() > 0
    assert view.players[1].position() == 2000  # same moment after the flip
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.showing == "A"
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert view.side_by_side and view.side_b.isVisible()
