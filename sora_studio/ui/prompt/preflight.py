"""How the builder words a pre-flight: why Render is disabled.

The pre-flight itself is :func:`sora_studio.services.preflight.compute_preflight`, the same pure
function the engine runs at submit, computed on the GUI thread on every edit.
"""

from __future__ import annotations

from sora_studio.services.orders import Preflight


def blocking_reasons(preflight: Preflight) -> list[str]:
    """Why Render is disabled, most important first; empty when it may be pressed."""
    reasons = [p.message for p in preflight.problems]
    reasons += [f.message for f in preflight.policy_flags]
    if not preflight.within_budget and preflight.budget_left_after_cents is not None:
        reasons.append(
            "This render would go past the budget cap; raise the cap in Settings, or choose "
            "fewer variants, a shorter clip or Batch."
        )
    return reasons
