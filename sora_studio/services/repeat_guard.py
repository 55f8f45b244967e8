"""Catching the same paid render asked for twice by accident (Ctrl+Enter pressed twice).

An order identical to the one just sent (same prompt, model, size, seconds, reference image,
provider and extras) within ``window_s`` seconds is most likely a double key press, not a wish for
another take (``variants`` is how takes are asked for). The desk asks before sending it; the CLI
does not use this (a script may mean it). Pure: the caller passes the time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sora_studio.services.orders import RenderOrder

REPEAT_WINDOW_S = 10.0


def order_identity(order: RenderOrder) -> tuple[object, ...]:
    """What makes two orders the same shot (the brief's fields are in the prompt already)."""
    return (
        order.prompt,
        order.model,
        order.size,
        order.seconds,
        order.reference_path,
        order.provider,
        tuple(sorted(order.extras)),
        order.operation,
        order.parent_id,
    )


@dataclass
class RepeatGuard:
    """Remembers the last order sent and when (GUI thread)."""

    window_s: float = REPEAT_WINDOW_S
    _last: tuple[object, ...] | None = None
    _at: float = float("-inf")

    def is_repeat(self, order: RenderOrder, now: float) -> bool:
        """True when ``order`` is the one sent less than ``window_s`` seconds ago."""
        return self._last == order_identity(order) and now - self._at < self.window_s

    def sent(self, order: RenderOrder, now: float) -> None:
        self._last = order_identity(order)
        self._at = now
