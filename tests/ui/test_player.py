"""The clip player on QtMultimedia: load, seek, frame steps, J/K/L shuttle, in/out loop, speed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from sora_studio.emulator.renderer import RenderSpec, render_video
from sora_studio.ui.player.player_panel import PlayerPanel
from sora_studio.ui.player.timeline import Marker, TimelineWidget


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("player-clip")
    return render_video(
        RenderSpec("player", "a paper boat on a rainy street", 320, 180, 4), out
    ).video


@pytest.fixture
def player(qtbot, clip: Path) -> Iterator[PlayerPanel]:  # type: ignore[no-untyped-def]
    panel = PlayerPanel(with_audio=False)
    qtbot.addWidget(panel)
    panel.resize(640, 420)
    panel.show()
    with qtbot.waitSignal(panel.media_loaded, timeout=10000) as blocker:
        panel.load(str(clip))
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: panel.duration_ms > 0, timeout=5000)
    yield panel
    panel.shutdown()


def test_loads_with_duration_fps_and_a_poster_frame(qtbot, player) -> None:  # type: ignore[no-untyped-def]
    assert abs(player.duration_ms - 4000) <= 50
    assert player.fps == pytest.approx(24.0)
    qtbot.waitUntil(lambda: player.video.frames_shown > 0, timeout=5000)
    assert not player.video.current_image.isNull()
    assert player.timeline.duration_ms == player.duration_ms


def test_seek_and_frame_steps(qtbot, player) -> None:  # type: ignore[no-untyped-def]
    player.seek(1000)
    qtbot.waitUntil(lambda: player.position_ms == 1000, timeout=5000)
    assert player.timeline.position_ms == 1000
    player.setFocus()
    qtbot.keyClick(player, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: player.position_ms == round(25 * 1000 / 24), timeout=5000)
    qtbot.keyClick(player, Qt.Key.Key_Comma)
    qtbot.keyClick(player, Qt.Key.Key_Comma)
    qtbot.waitUntil(lambda: player.position_ms == round(23 * 1000 / 24), timeout=5000)
    player.seek(99_000)  # clamped to the end
    qtbot.waitUntil(lambda: player.position_ms == player.duration_ms, timeout=5000)
    assert "/ 00:04" in player.time_label.text()


def test_space_plays_and_in_out_loop_wraps(qtbot, player) -> None:  # type: ignore[no-untyped-def]
    player.setFocus()
    player.seek(1000)
    qtbot.keyClick(player, Qt.Key.Key_I)
    player.seek(1400)
    qtbot.waitUntil(lambda: player.position_ms == 1400, timeout=5000)
    qtbot.keyClick(player, Qt.Key.Key_O)
    assert player.in_out == (1000, 1400) and player.loop_button.isChecked()
    assert (player.timeline.in_ms, player.timeline.out_ms) == (1000, 1400)
    seen: list[int] = []
    player.position_changed.connect(seen.append)
    qtbot.keyClick(player, Qt.Key.Key_Space)  # outside the loop: playback starts at the in point
    assert player.is_playing
    # It reaches the out point and wraps back to the in point at least once.
    qtbot.waitUntil(
        lambda: any(a >= 1300 and b < a for a, b in itertools.pairwise(seen)),
        timeout=8000,
    )
    assert all(999 <= ms <= 1500 for ms in seen)
    qtbot.keyClick(player, Qt.Key.Key_Space)
    assert not player.is_playing
    qtbot.keyClick(player, Qt.Key.Key_Escape)
    assert player.in_out == (None, None) and not player.loop_button.isChecked()


def test_jkl_shuttle(qtbot, player) -> None:  # type: ignore[no-untyped-def]
    player.setFocus()
    qtbot.keyClick(player, Qt.Key.Key_L)
    assert player.is_playing and player.shuttle_rate == 1.0
    qtbot.keyClick(player, Qt.Key.Key_L)
    assert player.shuttle_rate == 2.0 and player.player.playbackRate() == 2.0
    qtbot.keyClick(player, Qt.Key.Key_K)
    assert not player.is_playing and player.shuttle_rate == 0.0
    assert player.player.playbackRate() == 1.0
    player.seek(3000)
    qtbot.waitUntil(lambda: player.position_ms == 3000, timeout=5000)
    qtbot.keyClick(player, Qt.Key.Key_J)
    assert player.shuttle_rate == -1.0 and not player.is_playing
    qtbot.waitUntil(lambda: player.position_ms < 2800, timeout=5000)  # steps backwards
    qtbot.keyClick(player, Qt.Key.Key_K)
    stopped_at = player.position_ms
    qtbot.wait(120)
    assert player.position_ms == stopped_at


def test_speed(qtbot, player) -> None:  # type: ignore[no-untyped-def]
    player.set_speed(0.5)
    assert player.speed == 0.5 and player.speed_box.currentData() == 0.5
    player.play()
    assert player.player.playbackRate() == 0.5
    player.pause()
    with pytest.raises(ValueError, match="positive"):
        player.set_speed(0)


def test_unplayable_file_reports_and_nothing_crashes(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not a video")
    panel = PlayerPanel(with_audio=False)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.error_occurred, timeout=10000):
        panel.load(str(bad))
    assert panel.status_label.text().startswith("Cannot play")
    panel.load(None)
    assert panel.source is None
    panel.shutdown()


def test_timeline_maps_clicks_and_paints_markers(qtbot) -> None:  # type: ignore[no-untyped-def]
    timeline = TimelineWidget()
    qtbot.addWidget(timeline)
    timeline.resize(416, 34)
    timeline.set_duration(4000)
    assert timeline.ms_at(timeline.x_for(1000)) == 1000
    with qtbot.waitSignal(timeline.seek_requested) as blocker:
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=timeline.rect().center())
    assert abs(blocker.args[0] - 2000) <= 20
    timeline.set_markers((Marker(1000), Marker(2000, 3000, resolved=True)))
    timeline.set_in_out(500, 3500)
    image = timeline.grab().toImage()
    marker_x = round(timeline.x_for(1000))
    assert image.pixelColor(marker_x, timeline.track_rect().top() - 8).name() == "#f0b429"
