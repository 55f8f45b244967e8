"""QtMultimedia objects made safe for Python: no GIL on QtMultimedia's threads, signals queued.

GUI thread. Every object here is created on, and lives on, the GUI thread; QMediaPlayer's FFmpeg
backend decodes and renders on threads of its own (demuxer, stream, audio and video renderers).

Why this module exists (issue 12, the player deadlock): an object made from Python is a PySide
wrapper whose C++ virtuals ask Python, under the GIL, whether a Python subclass overrides them;
the answer is cached per object only after the first call. The FFmpeg audio renderer is
deleted on its own thread when the source changes, and its ``~QObject`` calls
``disconnectNotify`` on the ``QAudioOutput`` it was connected to while it holds one of Qt's
signal-slot mutexes. The first time that happens for a given audio output, its thread waits for
the GIL; meanwhile the GUI thread, holding the GIL in a QMediaPlayer call (``pause()`` from a
status handler, or ``setSource`` waiting for that very thread) waits for the mutex: a deadlock.

:func:`settle_overrides` asks those questions once, on the GUI thread, right after the object is
made, so a QtMultimedia thread later finds the cached answer and never needs the GIL.
:func:`connect_queued` connects a QtMultimedia signal so that Python only ever runs on the GUI
thread, from the event loop, never inside the player call that emitted it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, SignalInstance
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink


def _ignore(*_args: object) -> None:
    """The slot of the connection :func:`settle_overrides` makes and breaks at once."""


def settle_overrides(obj: QObject) -> None:
    """Make PySide decide, here on the GUI thread, that ``obj`` overrides neither
    ``connectNotify`` nor ``disconnectNotify`` (see the module docstring).

    Connecting from Python calls the C++ ``connectNotify`` virtual and disconnecting calls
    ``disconnectNotify``; each looks for a Python override once and caches "none" in the object.
    """
    obj.objectNameChanged.connect(_ignore)
    obj.objectNameChanged.disconnect(_ignore)


def connect_queued(signal: SignalInstance, slot: Callable[..., Any]) -> None:
    """Connect a QtMultimedia ``signal`` so that ``slot`` runs later on the GUI thread's event
    loop: never on a QtMultimedia thread, and never nested in the player call that emitted it
    (``stop()`` and ``setSource()`` emit status changes synchronously)."""
    signal.connect(slot, Qt.ConnectionType.QueuedConnection)


def make_video_sink(parent: QObject) -> QVideoSink:
    """A video sink for a player to render into (settled: see :func:`settle_overrides`)."""
    sink = QVideoSink(parent)
    settle_overrides(sink)
    return sink


def make_media_player(
    parent: QObject, sink: QVideoSink, *, with_audio: bool
) -> tuple[QMediaPlayer, QAudioOutput | None]:
    """A player rendering into ``sink``, with an audio output when ``with_audio``; every object
    settled before the player starts any thread of its own."""
    player = QMediaPlayer(parent)
    settle_overrides(player)
    audio: QAudioOutput | None = None
    if with_audio:
        audio = QAudioOutput(parent)
        settle_overrides(audio)
        player.setAudioOutput(audio)
    player.setVideoSink(sink)
    return player, audio
