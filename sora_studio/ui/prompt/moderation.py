"""The provider's moderation check of the prompt: asked off the GUI thread after a pause in
typing, and turned into a reason Render is held back or a warning.

Moderation is advisory: an outage or a provider without the endpoint says nothing, and a flag
that only echoes the local policy warnings ("murder" scores as violence) stays a warning instead
of blocking (``preflight.moderation_matches_warnings``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.prompt.environment import Moderator
from sora_studio.ui.prompt.preflight import moderation_matches_warnings

MODERATION_DEBOUNCE_MS = 800
CHANNEL = "moderation"


class ModerationCheck(QObject):
    """The latest verdict on the prompt; ``changed`` when one arrives. GUI thread only."""

    changed = Signal()

    def __init__(
        self,
        background: BackgroundOps,
        prompt: Callable[[], str],
        moderator: Moderator | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.background = background
        self.moderator = moderator  # set later when the provider's client is ready
        self._prompt = prompt
        self._verdict: tuple[str, bool, list[str]] | None = None  # (prompt, flagged, categories)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MODERATION_DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)

    def schedule(self) -> None:
        """Ask again once typing pauses (only when the provider has a moderation check)."""
        if self.moderator is not None:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.background.cancel(CHANNEL)

    def _flags(self) -> list[str] | None:
        """The flagged categories for the current prompt; None when not flagged (or stale)."""
        if self._verdict is None:
            return None
        prompt, flagged, categories = self._verdict
        if not flagged or prompt != self._prompt():
            return None
        return categories

    def message(self) -> str | None:
        """The flag as a reason Render is disabled, unless local warnings explain it."""
        categories = self._flags()
        if categories is None or moderation_matches_warnings(categories, self._prompt()):
            return None
        what = ", ".join(categories) if categories else "its content policy"
        return f"The provider's moderation check flags this prompt ({what}); rephrase it."

    def warning(self) -> str | None:
        """The flag as a warning, when it only echoes the local warnings."""
        categories = self._flags()
        if not categories or not moderation_matches_warnings(categories, self._prompt()):
            return None
        return (
            f"The provider's moderation check also flags this prompt ({', '.join(categories)}); "
            "the render may be refused."
        )

    def _start(self) -> None:
        moderator = self.moderator
        prompt = self._prompt()
        if moderator is None or not prompt.strip():
            return
        if self._verdict is not None and self._verdict[0] == prompt:
            return

        def done(result: tuple[bool, list[str]] | None) -> None:
            if result is None:
                return  # the provider has no opinion
            flagged, categories = result
            self._verdict = (prompt, bool(flagged), list(categories))
            self.changed.emit()

        self.background.submit(
            lambda _context: moderator(prompt),
            done,
            # Moderation is advisory: an outage must not block rendering, nor be logged as a bug.
            on_error=lambda _error: None,
            key=CHANNEL,
            owner=self,
        )
