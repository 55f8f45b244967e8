"""The clip player: QtMultimedia playback with sound, shuttle keys, frame steps and an in/out loop.

GUI thread only. QMediaPlayer decodes and renders on threads of its own; its signals reach this
panel through queued connections, so Python runs only on the GUI thread, from the event loop, and
never inside the player call that emitted them (``stop()`` and ``setSource()`` emit status
changes synchronously). The player, its audio output and its video sink come from
:mod:`.media`, which keeps QtMultimedia's threads from ever needing the GIL (the deadlock of
issue 12).
Keys while it has focus (the review panel forwards the same keys as shortcuts):
``Space`` play/pause; ``J``/``K``/``L`` shuttle back / stop / forward, pressing ``J`` or ``L`` again
doubles the speed; ``,``/``.`` one frame back/forward; ``I``/``O`` set the loop's in/out point
(``Shift+I``/``Shift+O`` or ``Escape`` clear them). QMediaPlayer cannot play backwards, so reverse
shuttle is a timer that steps the paused player back.

``load(path, poster=image, play=True)`` is how the review panel moves on after a verdict: the
poster (the clip's first frame, decoded ahead by ``ui.player.posters``) is painted at once and
playback starts as soon as QtMultimedia has opened the file. :meth:`PlayerPanel.preview` shows a
picture without opening anything, for clips passed over while an arrow key is held.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaMetaData, QMediaPlayer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.timecode import format_timecode
from sora_studio.ui.player.media import connect_queued, make_media_player
from sora_studio.ui.player.timeline import Marker, TimelineWidget
from sora_studio.ui.player.video_canvas import VideoCanvas

DEFAULT_FPS = 24.0
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
SHUTTLE_MAX = 8.0
REVERSE_TICK_MS = 40


def has_opened(player: QMediaPlayer) -> bool:
    """True once ``player`` has opened the clip it was last given (its frames are that clip's)."""
    return player.mediaStatus() not in (
        QMediaPlayer.MediaStatus.NoMedia,
        QMediaPlayer.MediaStatus.LoadingMedia,
    )


class PlayerPanel(QWidget):
    """Video with transport controls and a timeline (GUI thread)."""

    position_changed = Signal(int)  # ms
    duration_changed = Signal(int)  # ms
    media_loaded = Signal(bool)  # True once playable, False on failure
    error_occurred = Signal(str)
    loop_changed = Signal(int, int)  # in ms, out ms (-1 when unset)

    def __init__(self, parent: QWidget | None = None, *, with_audio: bool = True) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.video = VideoCanvas(self)
        self.player: QMediaPlayer
        self.audio: QAudioOutput | None
        self.player, self.audio = make_media_player(self, self.video.sink, with_audio=with_audio)
        # The player, not this panel: a bound method kept by the canvas would make a reference
        # cycle that keeps the panel's wrapper alive after Qt deleted it.
        player = self.player
        self.video.accept_frames = lambda: has_opened(player)
        self.timeline = TimelineWidget(self)
        self._fps = DEFAULT_FPS
        self._fps_from_file = True
        self._in_ms: int | None = None
        self._out_ms: int | None = None
        self._shuttle = 0.0  # >0 forward rate, <0 reverse rate, 0 stopped
        self._speed = 1.0
        self._reverse_timer = QTimer(self)
        self._reverse_timer.setInterval(REVERSE_TICK_MS)
        self._reverse_timer.timeout.connect(self._reverse_tick)
        self._source: str | None = None
        self._loads = 0  # counts load() calls, so a deferred open of a superseded clip is dropped
        self._build_controls()
        connect_queued(self.player.positionChanged, self._on_position)
        connect_queued(self.player.durationChanged, self._on_duration)
        connect_queued(self.player.mediaStatusChanged, self._on_media_status)
        connect_queued(self.player.playbackStateChanged, self._on_state)
        connect_queued(self.player.errorOccurred, self._on_error)
        self.timeline.seek_requested.connect(self.seek)

    def _build_controls(self) -> None:
        self.play_button = QToolButton(self)
        self.play_button.setText("Play")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.play_pause)
        self.back_button = QToolButton(self)
        self.back_button.setText("◀|")
        self.back_button.setToolTip("One frame back (,)")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button = QToolButton(self)
        self.forward_button.setText("|▶")
        self.forward_button.setToolTip("One frame forward (.)")
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.loop_button = QToolButton(self)
        self.loop_button.setText("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setToolTip("Loop between in (I) and out (O)")
        self.loop_button.toggled.connect(self._on_loop_toggled)
        self.speed_box = QComboBox(self)
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip("Playback speed")
        self.speed_box.currentIndexChanged.connect(
            lambda i: self.set_speed(float(self.speed_box.itemData(i)))
        )
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.time_label = QLabel("00:00.000 / 00:00.000", self)
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel("", self)
        for button in (self.play_button, self.back_button, self.forward_button, self.loop_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.back_button,
            self.play_button,
            self.forward_button,
            self.loop_button,
            self.speed_box,
        ):
            bar.addWidget(widget)
        bar.addWidget(self.time_label)
        bar.addStretch(1)
        bar.addWidget(self.status_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.timeline)
        layout.addLayout(bar)

    # -- media -----------------------------------------------------------------------------

    def load(
        self,
        path: str | None,
        *,
        fps: float | None = None,
        poster: QImage | None = None,
        play: bool = False,
        paint_now: bool = False,
        placeholder: str | None = None,
    ) -> None:
        """Open ``path`` (None clears the player, saying ``placeholder`` or that the clip has
        no playable video); ``fps`` overrides the file's frame rate.

        ``poster`` is shown at once until the player's first frame arrives (``paint_now``:
        painted before this returns, not with the next paint); ``play`` starts playback as
        soon as the file is open (else the first frame is shown paused).

        No ``stop()`` first: ``setSource`` stops the old clip itself, and a stop of a loaded clip
        reports it loaded again, which used to start its decoders once more (the poster pause)
        only for ``setSource`` to tear them down at once.
        """
        self.stop_shuttle()
        self._in_ms = self._out_ms = None
        self.loop_button.setChecked(False)
        self.timeline.set_in_out(None, None)
        self._fps = fps or DEFAULT_FPS
        self._fps_from_file = fps is None
        self._source = path
        self.status_label.setText("")
        self.video.clear("Loading…" if path else placeholder or "No playable video for this clip")
        self._loads += 1
        if path and poster is not None:
            self.video.show_poster(poster)
            if paint_now:
                self.video.repaint()
                # The picture is up; opening the file (``setSource`` stops the old clip and
                # may take tens of ms) waits for the next turn of the event loop, so the key
                # press that asked for it returns at once and a held key can supersede it.
                load = self._loads
                QTimer.singleShot(0, self, lambda: self._open(load, path, play))
                return
        self._open(self._loads, path, play)

    def _open(self, load: int, path: str | None, play: bool) -> None:
        if load != self._loads:
            return  # another clip was asked for meanwhile
        self.player.setSource(QUrl.fromLocalFile(path) if path else QUrl())
        if path and play:
            self.player.setPlaybackRate(self._speed)
            self.player.play()

    def preview(self, picture: QImage | None, placeholder: str = "Loading…") -> None:
        """Pause and show ``picture`` (or ``placeholder``) without opening anything: a clip
        passed over quickly, which is opened only if the reviewer stops on it."""
        if self._source is not None:
            # Closed rather than paused: a pause would decode the old clip's frame over this.
            self.load(None)
        if picture is not None and not picture.isNull():
            self.video.show_poster(picture)
        else:
            self.video.clear(placeholder)

    @property
    def source(self) -> str | None:
        return self._source

    @property
    def position_ms(self) -> int:
        return int(self.player.position())

    @property
    def duration_ms(self) -> int:
        return int(self.player.duration())

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def frame_ms(self) -> float:
        return 1000.0 / self._fps

    @property
    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    @property
    def shuttle_rate(self) -> float:
        return self._shuttle

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def in_out(self) -> tuple[int | None, int | None]:
        return self._in_ms, self._out_ms

    def set_markers(self, markers: tuple[Marker, ...]) -> None:
        self.timeline.set_markers(markers)

    # -- transport -------------------------------------------------------------------------

    def play(self) -> None:
        self.stop_shuttle()
        self.player.setPlaybackRate(self._speed)
        if self._loop_active() and not self._inside_loop(self.position_ms):
            self.player.setPosition(self._loop_bounds()[0])
        self.player.play()

    def pause(self) -> None:
        self.stop_shuttle()
        self.player.pause()

    def play_pause(self) -> None:
        if self.is_playing or self._shuttle < 0:
            self.pause()
        else:
            self.play()

    def seek(self, ms: int) -> None:
        duration = self.duration_ms
        ms = max(0, ms if duration <= 0 else min(ms, duration))
        self.player.setPosition(ms)
        self.timeline.set_position(ms)

    def step(self, frames: int) -> None:
        """Pause and move ``frames`` frames (negative: back), landing on a frame boundary."""
        self.pause()
        frame = round(self.position_ms / self.frame_ms) + frames
        self.seek(round(max(0, frame) * self.frame_ms))

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self._speed = speed
        if self._shuttle == 0:
            self.player.setPlaybackRate(speed)
        if speed in SPEEDS and self.speed_box.currentData() != speed:
            with QSignalBlocker(self.speed_box):
                self.speed_box.setCurrentIndex(SPEEDS.index(speed))

    def shuttle_forward(self) -> None:
        """``L``: play forward; again doubles the speed up to 8×."""
        rate = 1.0 if self._shuttle <= 0 else min(SHUTTLE_MAX, self._shuttle * 2)
        self._reverse_timer.stop()
        self._shuttle = rate
        self.player.setPlaybackRate(rate)
        self.player.play()

    def shuttle_reverse(self) -> None:
        """``J``: play backwards (stepping the paused player); again doubles the speed."""
        rate = -1.0 if self._shuttle >= 0 else max(-SHUTTLE_MAX, self._shuttle * 2)
        self.player.pause()
        self._shuttle = rate
        self._reverse_timer.start()

    def stop_shuttle(self) -> None:
        """``K``: stop shuttling (and pause if a shuttle was playing)."""
        was_forward = self._shuttle > 0
        self._shuttle = 0.0
        self._reverse_timer.stop()
        self.player.setPlaybackRate(self._speed)
        if was_forward:
            self.player.pause()

    def mark_in(self, ms: int | None = None) -> None:
        self._in_ms = self.position_ms if ms is None else ms
        if self._out_ms is not None and self._out_ms <= self._in_ms:
            self._out_ms = None
        self._loop_points_changed()

    def mark_out(self, ms: int | None = None) -> None:
        self._out_ms = self.position_ms if ms is None else ms
        if self._in_ms is not None and self._in_ms >= self._out_ms:
            self._in_ms = None
        self._loop_points_changed()

    def clear_loop(self) -> None:
        self._in_ms = self._out_ms = None
        self.loop_button.setChecked(False)
        self._loop_points_changed()

    def _loop_points_changed(self) -> None:
        self.timeline.set_in_out(self._in_ms, self._out_ms)
        if self._in_ms is not None or self._out_ms is not None:
            self.loop_button.setChecked(True)
        self.loop_changed.emit(
            -1 if self._in_ms is None else self._in_ms, -1 if self._out_ms is None else self._out_ms
        )

    def _on_loop_toggled(self, on: bool) -> None:
        # Turning the loop on while playing outside it jumps to the in point, as editors do.
        if (
            on
            and self.is_playing
            and self._loop_active()
            and not self._inside_loop(self.position_ms)
        ):
            self.player.setPosition(self._loop_bounds()[0])

    def _loop_active(self) -> bool:
        return self.loop_button.isChecked() and (
            self._in_ms is not None or self._out_ms is not None
        )

    def _loop_bounds(self) -> tuple[int, int]:
        start = self._in_ms if self._in_ms is not None else 0
        end = self._out_ms if self._out_ms is not None else self.duration_ms
        return start, end

    def _inside_loop(self, ms: int) -> bool:
        start, end = self._loop_bounds()
        return start <= ms < end

    # -- keys ------------------------------------------------------------------------------

    def handle_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """Apply a transport key; True if it was one (shared with the panel's shortcuts)."""
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Space:
            self.play_pause()
        elif key == Qt.Key.Key_J:
            self.shuttle_reverse()
        elif key == Qt.Key.Key_K:
            self.stop_shuttle()
            self.pause()
        elif key == Qt.Key.Key_L:
            self.shuttle_forward()
        elif key in (Qt.Key.Key_Comma, Qt.Key.Key_Less):
            self.step(-1)
        elif key in (Qt.Key.Key_Period, Qt.Key.Key_Greater):
            self.step(1)
        elif key == Qt.Key.Key_I:
            if shift:
                self._in_ms = None
                self._loop_points_changed()
            else:
                self.mark_in()
        elif key == Qt.Key.Key_O:
            if shift:
                self._out_ms = None
                self._loop_points_changed()
            else:
                self.mark_out()
        elif key == Qt.Key.Key_Escape:
            self.clear_loop()
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handle_key(event.key(), event.modifiers()):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- player signals --------------------------------------------------------------------

    def _on_position(self, ms: int) -> None:
        if self.is_playing and self._loop_active():
            start, end = self._loop_bounds()
            if ms >= end > start:
                self.player.setPosition(start)
                ms = start
        self.timeline.set_position(ms)
        self._update_time_label(ms)
        self.position_changed.emit(ms)

    def _on_duration(self, ms: int) -> None:
        self.timeline.set_duration(ms)
        self._update_time_label(self.position_ms)
        self.duration_changed.emit(ms)

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status != self.player.mediaStatus():
            return  # queued: the player has moved on (another clip, say) since it said this
        if status == QMediaPlayer.MediaStatus.LoadedMedia:
            if self._fps_from_file:
                rate = self.player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
                if isinstance(rate, int | float) and rate > 0:
                    self._fps = float(rate)
            if self.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState:
                # Pausing a stopped player decodes and shows the first frame (a poster).
                self.player.pause()
            self.media_loaded.emit(True)
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            if self._loop_active():
                self.player.setPosition(self._loop_bounds()[0])
                self.player.play()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self.media_loaded.emit(False)

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")

    def _on_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        text = message or "the video could not be played"
        self.status_label.setText(f"Cannot play: {text}")
        self.error_occurred.emit(text)

    def _reverse_tick(self) -> None:
        step = round(REVERSE_TICK_MS * -self._shuttle)
        target = self.position_ms - step
        floor = self._in_ms if self._loop_active() and self._in_ms is not None else 0
        if target <= floor:
            if self._loop_active():
                target = self._loop_bounds()[1]
            else:
                target = 0
                self._reverse_timer.stop()
                self._shuttle = 0.0
        self.seek(target)

    def _update_time_label(self, ms: int) -> None:
        self.time_label.setText(
            f"{format_timecode(max(0, ms))} / {format_timecode(max(0, self.duration_ms))}"
        )

    def shutdown(self) -> None:
        """Stop playback and release the file (call before the widget goes away)."""
        self.stop_shuttle()
        self.player.stop()
        self.player.setSource(QUrl())
