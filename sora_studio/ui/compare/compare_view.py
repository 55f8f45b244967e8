"""Compare two clips: side by side with linked playback, or A/B flipped in place with one key.

GUI thread only. Two ``QMediaPlayer``s are driven together: play, pause, seek and frame steps go
to both, and while playing B is nudged back onto A's clock when it drifts more than a frame or
two. In flip mode both keep playing, only one picture is shown, and ``F`` swaps which, so the
swap is instant and lands on the same moment. Only the clip on show is heard.
Below the pictures: a word-level diff of the two prompts and the parameters that differ.

Keys: ``Space`` play/pause (``K`` pause, ``L`` play), ``,``/``.`` frame step, ``F`` flip A/B,
``S`` side by side / flip mode.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.models import Job
from sora_studio.core.timecode import format_timecode
from sora_studio.ui.compare.prompt_diff import (
    diff_html,
    has_changes,
    parameter_changes,
    word_diff,
)
from sora_studio.ui.player.timeline import TimelineWidget
from sora_studio.ui.player.video_canvas import VideoCanvas

DRIFT_TOLERANCE_MS = 80
FRAME_MS = 1000 / 24


class _Side(QWidget):
    """One clip: a caption over its picture."""

    def __init__(self, letter: str, parent: QWidget | None = None, *, audio: bool) -> None:
        super().__init__(parent)
        self.letter = letter
        self.caption = QLabel(f"{letter}: —", self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video = VideoCanvas(self)
        self.player = QMediaPlayer(self)
        self.audio: QAudioOutput | None = QAudioOutput(self) if audio else None
        if self.audio is not None:
            self.player.setAudioOutput(self.audio)
        self.player.setVideoSink(self.video.sink)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.video, 1)
        self.player.mediaStatusChanged.connect(self._on_status)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if (
            status == QMediaPlayer.MediaStatus.LoadedMedia
            and self.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState
        ):
            self.player.pause()  # shows the first frame without playing

    def load(self, job: Job | None, path: str | None) -> None:
        self.player.stop()
        self.video.clear("Loading…" if path else "No playable video")
        self.player.setSource(QUrl.fromLocalFile(path) if path else QUrl())
        if job is None:
            self.caption.setText(f"{self.letter}: —")
        else:
            missing = "" if path else "  (no video)"
            self.caption.setText(
                f"{self.letter}: #{job.id} · {job.model} · {job.size} · {job.seconds}s{missing}"
            )

    def set_muted(self, muted: bool) -> None:
        if self.audio is not None:
            self.audio.setMuted(muted)


class CompareView(QWidget):
    """Two clips, linked (GUI thread)."""

    flipped = Signal(str)  # "A" or "B": the clip now on show in flip mode
    mode_changed = Signal(bool)  # True: side by side

    def __init__(self, parent: QWidget | None = None, *, with_audio: bool = True) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.side_a = _Side("A", self, audio=with_audio)
        self.side_b = _Side("B", self, audio=with_audio)
        self.job_a: Job | None = None
        self.job_b: Job | None = None
        self._side_by_side = True
        self._sized = False
        self._showing = "A"
        self.pictures = QWidget(self)
        self._pair = QHBoxLayout()
        self._pair.setContentsMargins(0, 0, 0, 0)
        self._build(with_audio)
        self._apply_mode()
        self.side_a.player.positionChanged.connect(self._on_master_position)
        self.side_a.player.durationChanged.connect(self.timeline.set_duration)
        self.side_a.player.playbackStateChanged.connect(self._on_state)
        self.timeline.seek_requested.connect(self.seek)

    def _build(self, with_audio: bool) -> None:
        holder = QVBoxLayout(self.pictures)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addLayout(self._pair, 1)
        self.timeline = TimelineWidget(self)
        self.play_button = QPushButton("Play", self)
        self.play_button.setToolTip("Play / pause both (Space)")
        self.play_button.clicked.connect(self.play_pause)
        self.flip_button = QPushButton("Flip A/B (F)", self)
        self.flip_button.clicked.connect(self.flip)
        self.mode_button = QPushButton("Flip mode (S)", self)
        self.mode_button.clicked.connect(self.toggle_mode)
        self.time_label = QLabel("00:00.000", self)
        for button in (self.play_button, self.flip_button, self.mode_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.flip_button)
        controls.addWidget(self.mode_button)
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        self.prompt_diff = QTextBrowser(self)
        self.prompt_diff.setMinimumHeight(60)
        self.prompt_diff.setOpenLinks(False)
        self.parameters = QTableWidget(0, 3, self)
        self.parameters.setHorizontalHeaderLabels(["Parameter", "A", "B"])
        self.parameters.horizontalHeader().setStretchLastSection(True)
        self.parameters.verticalHeader().setVisible(False)
        self.parameters.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.parameters.setMinimumHeight(60)
        details = QWidget(self)
        details_layout = QHBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.prompt_diff, 3)
        details_layout.addWidget(self.parameters, 2)
        watch = QWidget(self)
        watch_layout = QVBoxLayout(watch)
        watch_layout.setContentsMargins(0, 0, 0, 0)
        watch_layout.addWidget(self.pictures, 1)
        watch_layout.addWidget(self.timeline)
        watch_layout.addLayout(controls)
        # A splitter, so a reviewer can trade picture size for room to read the diff.
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(watch)
        self.splitter.addWidget(details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # Pictures get two thirds the first time; the user's split is kept after that.
            self._sized = True
            height = max(self.height(), 300)
            self.splitter.setSizes([height * 2 // 3, height - height * 2 // 3])

    # -- content ---------------------------------------------------------------------------

    def set_clips(self, a: Job, a_path: str | None, b: Job, b_path: str | None) -> None:
        """Load clip ``a`` and clip ``b`` (video paths may be None when the file is missing)."""
        self.job_a, self.job_b = a, b
        self.side_a.load(a, a_path)
        self.side_b.load(b, b_path)
        chunks = word_diff(a.prompt, b.prompt)
        heading = "<b>Prompt, A → B</b>" if has_changes(chunks) else "<b>Prompt</b> (identical)"
        self.prompt_diff.setHtml(f"<p>{heading}</p><p>{diff_html(chunks)}</p>")
        changes = parameter_changes(a, b)
        self.parameters.setRowCount(len(changes))
        for row, change in enumerate(changes):
            for column, text in enumerate((change.name, change.before, change.after)):
                self.parameters.setItem(row, column, QTableWidgetItem(text))
        self.parameters.resizeColumnsToContents()
        self._showing = "A"
        self._apply_mode()

    # -- transport -------------------------------------------------------------------------

    @property
    def players(self) -> tuple[QMediaPlayer, QMediaPlayer]:
        return self.side_a.player, self.side_b.player

    @property
    def is_playing(self) -> bool:
        return self.side_a.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def play(self) -> None:
        position = self.side_a.player.position()
        self.side_b.player.setPosition(position)
        for player in self.players:
            player.play()

    def pause(self) -> None:
        for player in self.players:
            player.pause()
        # Land both on the same moment so a paused flip compares the same frame.
        self.side_b.player.setPosition(self.side_a.player.position())

    def play_pause(self) -> None:
        if self.is_playing:
            self.pause()
        else:
            self.play()

    def seek(self, ms: int) -> None:
        ms = max(0, ms)
        for player in self.players:
            player.setPosition(ms)
        self.timeline.set_position(ms)
        self.time_label.setText(format_timecode(ms))

    def step(self, frames: int) -> None:
        self.pause()
        frame = round(self.side_a.player.position() / FRAME_MS) + frames
        self.seek(round(max(0, frame) * FRAME_MS))

    # -- A/B -------------------------------------------------------------------------------

    @property
    def side_by_side(self) -> bool:
        return self._side_by_side

    @property
    def showing(self) -> str:
        """Which clip is on show in flip mode ("A" or "B")."""
        return self._showing

    def flip(self) -> None:
        """Swap A and B in place (switches to flip mode first if side by side)."""
        if self._side_by_side:
            self._side_by_side = False
            self.mode_changed.emit(False)
        else:
            self._showing = "B" if self._showing == "A" else "A"
        self._apply_mode()
        self.flipped.emit(self._showing)

    def toggle_mode(self) -> None:
        self._side_by_side = not self._side_by_side
        self._apply_mode()
        self.mode_changed.emit(self._side_by_side)

    def _apply_mode(self) -> None:
        for side in (self.side_a, self.side_b):
            self._pair.removeWidget(side)
        if self._side_by_side:
            self._pair.addWidget(self.side_a, 1)
            self._pair.addWidget(self.side_b, 1)
            self.side_a.show()
            self.side_b.show()
            self.side_a.set_muted(False)
            self.side_b.set_muted(True)
            self.mode_button.setText("Flip mode (S)")
        else:
            shown, hidden = (
                (self.side_a, self.side_b) if self._showing == "A" else (self.side_b, self.side_a)
            )
            self._pair.addWidget(shown, 1)
            hidden.hide()
            shown.show()
            shown.set_muted(False)
            hidden.set_muted(True)
            self.mode_button.setText("Side by side (S)")
        self.flip_button.setText(
            f"Flip A/B (F) — showing {self._showing}" if not self._side_by_side else "Flip A/B (F)"
        )

    # -- keys ------------------------------------------------------------------------------

    def handle_key(self, key: int) -> bool:
        """Apply a compare key; True if it was one (shared with the review panel's shortcuts)."""
        if key == Qt.Key.Key_Space:
            self.play_pause()
        elif key == Qt.Key.Key_K:
            self.pause()
        elif key == Qt.Key.Key_L:
            self.play()
        elif key == Qt.Key.Key_F:
            self.flip()
        elif key == Qt.Key.Key_S:
            self.toggle_mode()
        elif key == Qt.Key.Key_Comma:
            self.step(-1)
        elif key == Qt.Key.Key_Period:
            self.step(1)
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handle_key(event.key()):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- linking ---------------------------------------------------------------------------

    def _on_master_position(self, ms: int) -> None:
        self.timeline.set_position(ms)
        self.time_label.setText(format_timecode(max(0, ms)))
        b = self.side_b.player
        if self.is_playing and abs(b.position() - ms) > DRIFT_TOLERANCE_MS and ms < b.duration():
            b.setPosition(ms)

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        self.play_button.setText(
            "Pause" if state == QMediaPlayer.PlaybackState.PlayingState else "Play"
        )
        if state == QMediaPlayer.PlaybackState.StoppedState:
            self.side_b.player.pause()

    def shutdown(self) -> None:
        for player in self.players:
            player.stop()
            player.setSource(QUrl())
