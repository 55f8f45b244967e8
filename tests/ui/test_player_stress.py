"""Switching clips with sound quickly, many times, never freezes the player (issue 12).

The deadlock this guards against: QtMultimedia's FFmpeg audio renderer, deleted on its own thread
when the source changes, calls ``disconnectNotify`` on the Python-made ``QAudioOutput`` while it
holds a Qt signal-slot mutex; the first such call on an audio output waited for the GIL, which
the GUI thread held while it waited for that mutex in ``player.pause()`` (called from the status
handler, inside ``stop()``). See ``sora_studio.ui.player.media``.

The first call per audio output is the dangerous one, so the test makes a fresh player every few
switches. A deadlocked GUI thread holds the GIL, so no Python watchdog could run: the watchdog is
``faulthandler``'s own C thread, which dumps every thread's stack and ends the process with exit
code 1 when the GUI thread has not come back for ``WATCHDOG_S`` seconds. So that this ends only
the stress and its stacks are seen (pytest's capture would swallow them), the stress runs as a
pytest-qt test of its own in a child pytest (``-s``), and the test here checks how it ended. It
fails; it never hangs.
"""

from __future__ import annotations

import faulthandler
import os
import random
import subprocess
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtMultimedia import QMediaPlayer

from sora_studio.emulator.renderer import RenderSpec, render_video
from sora_studio.ui.player.player_panel import PlayerPanel

PLAYERS = 30  # fresh players (and audio outputs): the first switch on each is the risky one
SWITCHES = 8  # source changes per player
WAITS_MS = (0, 0, 1, 3, 10, 30, 60)  # between switches: mid-load, just loaded, playing
WATCHDOG_S = 20.0
CHILD = "SORA_PLAYER_STRESS_CHILD"  # set in the child pytest that runs the stress itself


@pytest.fixture(scope="module")
def clips_with_sound(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("stress-clips")
    clips = []
    for index, prompt in enumerate(("a paper boat", "a red kite", "a lighthouse")):
        folder = out / f"clip{index}"
        folder.mkdir()
        clips.append(str(render_video(RenderSpec(f"s{index}", prompt, 256, 144, 2), folder).video))
    return clips


@pytest.fixture
def watchdog() -> Iterator[object]:
    """Re-armed before every step: ends the run (dumping all stacks) if a step never returns."""

    def arm() -> None:
        faulthandler.dump_traceback_later(WATCHDOG_S, exit=True, file=sys.__stderr__)

    arm()
    yield arm
    faulthandler.cancel_dump_traceback_later()


def test_switching_clips_with_sound_quickly_never_deadlocks() -> None:
    env = os.environ | {CHILD: "1", "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*command, f"{__file__}::test_stress_switching_sources"],
        env=env,
        capture_output=True,
        text=True,
        timeout=WATCHDOG_S * 10,
    )
    said = (done.stdout + done.stderr)[-6000:]
    assert "Timeout (" not in said, f"the GUI thread stopped answering:\n{said}"
    assert done.returncode == 0, said
    assert "1 passed" in done.stdout, said


@pytest.mark.skipif(CHILD not in os.environ, reason="run in a child pytest by the test above")
def test_stress_switching_sources(
    qtbot,  # type: ignore[no-untyped-def]
    clips_with_sound: list[str],
    watchdog,  # type: ignore[no-untyped-def]
) -> None:
    rng = random.Random(12)
    loaded = 0
    for _ in range(PLAYERS):
        panel = PlayerPanel(with_audio=True)
        qtbot.addWidget(panel)
        panel.resize(320, 240)
        panel.show()
        for switch in range(SWITCHES):
            watchdog()
            panel.load(rng.choice(clips_with_sound))
            if switch % 3 == 2:
                panel.play()  # the audio renderer is busy when the next switch comes
            qtbot.wait(rng.choice(WAITS_MS))
            if panel.player.mediaStatus() in (
                QMediaPlayer.MediaStatus.LoadedMedia,
                QMediaPlayer.MediaStatus.BufferedMedia,
            ):
                loaded += 1
        watchdog()
        panel.shutdown()
        panel.close()
        panel.deleteLater()
    assert loaded > 0  # some switches came after a clip had loaded (the poster path ran)

    # Still a working player afterwards: it loads, shows a frame and plays.
    watchdog()
    panel = PlayerPanel(with_audio=True)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.media_loaded, timeout=10000) as blocker:
        panel.load(clips_with_sound[0])
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: panel.video.frames_shown > 0, timeout=5000)
    panel.play()
    qtbot.waitUntil(lambda: panel.position_ms > 200, timeout=5000)
    panel.shutdown()
