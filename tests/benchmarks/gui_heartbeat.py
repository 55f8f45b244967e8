"""What the GUI benchmarks share: a heartbeat on the GUI thread and a percentile.

``Heartbeat`` fires a precise timer every ``beat_ms`` on the GUI thread and records how late
each beat came (the stall: whatever held the GUI thread, or the GIL, past the beat). The
benchmarks import it as a sibling module (they run as scripts from this folder).
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer

BEAT_MS = 5


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0..1) of ``values``, nearest rank; 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Heartbeat:
    """Records how late each beat fires on the GUI thread."""

    def __init__(self, beat_ms: int = BEAT_MS) -> None:
        self.beat_ms = beat_ms
        self.clock = QElapsedTimer()
        self.stalls_ms: list[float] = []
        self.ends_s: list[float] = []  # when each beat fired, seconds after start()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(beat_ms)
        self.timer.timeout.connect(self._beat)
        self._last = 0

    def start(self) -> None:
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _beat(self) -> None:
        now = self.clock.nsecsElapsed()
        self.stalls_ms.append(max(0.0, (now - self._last) / 1e6 - self.beat_ms))
        self.ends_s.append(now / 1e9)
        self._last = now

    def worst(self, count: int = 5) -> list[tuple[float, float]]:
        """The ``count`` longest stalls as (seconds after start when it ended, ms)."""
        pairs = sorted(zip(self.stalls_ms, self.ends_s, strict=True), reverse=True)[:count]
        return [(round(end, 2), round(ms, 1)) for ms, end in pairs]
