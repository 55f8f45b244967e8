"""How the builder words a pre-flight: why Render is disabled, and what it warns about.

The pre-flight itself is :func:`sora_studio.services.preflight.compute_preflight`, the same pure
function the engine runs at submit, computed on the GUI thread on every edit. Blocking policy
flags are problems (Render is disabled); policy warnings are said, never a reason to disable.
Pure text functions, so the wording is tested without a widget.
"""

from __future__ import annotations

from collections.abc import Sequence

from sora_studio.core.models import PolicyFlag
from sora_studio.core.policy import MODERATION_CATEGORIES, policy_hits
from sora_studio.services.orders import Preflight

READY = "Ready. Ctrl+Enter renders."
RENDER_TIP = "Send this render (Ctrl+Enter)"
MAX_NAMED_PHRASES = 3  # the why-label names this many phrases, then counts the rest
SHORT_REASON_CHARS = 90  # a longer single reason is summarised; the field shows it in full
# Pre-flight fields in the order the builder shows them, with the name the why-label uses.
_PLACES = (
    ("model", "model"),
    ("size", "size"),
    ("seconds", "length"),
    ("reference", "reference image"),
    ("characters", "characters"),
    ("extras", "advanced settings"),
    ("variants", "variants"),
)


def blocking_reasons(preflight: Preflight) -> list[str]:
    """Why Render is disabled, most important first; empty when it may be pressed."""
    reasons = [p.message for p in preflight.problems]
    reasons += [f.message for f in preflight.blocking_flags]
    if not preflight.within_budget and preflight.budget_left_after_cents is not None:
        reasons.append(
            "This render would go past the budget cap; raise the cap in Settings, or choose "
            "fewer variants, a shorter clip or Batch."
        )
    return reasons


def problems_by_field(preflight: Preflight) -> dict[str, list[str]]:
    """Each problem's message under the field it concerns (``prompt``, ``size``...)."""
    by_field: dict[str, list[str]] = {}
    for problem in preflight.problems:
        by_field.setdefault(problem.field, []).append(problem.message)
    return by_field


def blocking_fields(preflight: Preflight, *, prompt_flagged: bool = False) -> list[str]:
    """Names of the places that hold Render back, in the order they appear in the builder.

    ``prompt_flagged``: the provider's moderation check holds the prompt back.
    """
    fields = {p.field for p in preflight.problems}
    names: list[str] = []
    if "prompt" in fields or preflight.blocking_flags or prompt_flagged:
        names.append("prompt")
    names += [label for field, label in _PLACES if field in fields]
    if not preflight.within_budget:
        names.append("budget")
    return names


def held_text(
    reasons: Sequence[str], *, engine_ready: bool, untouched: bool, places: Sequence[str]
) -> str:
    """The why-label while Render is held back by ``reasons`` (never empty)."""
    if not engine_ready:
        # Nothing the user did: say what is happening rather than list their fields.
        return f"Can’t render yet: {reasons[0]}"
    if untouched:
        return "Describe the shot in the brief (or as free text) to start."
    if len(reasons) == 1 and len(reasons[0]) <= SHORT_REASON_CHARS:
        return f"Can’t render yet: {reasons[0]}"
    where = ", ".join(places) if places else "see the notes above"
    count = f"{len(reasons)} problems" if len(reasons) > 1 else "1 problem"
    return f"Can’t render yet: {count} marked in red ({where})."


def warning_phrases(warnings: tuple[PolicyFlag, ...]) -> list[str]:
    """The warned phrases in reading order, each once (case-insensitively)."""
    seen: set[str] = set()
    phrases: list[str] = []
    for flag in warnings:
        key = flag.phrase.casefold()
        if key not in seen:
            seen.add(key)
            phrases.append(flag.phrase)
    return phrases


def _quoted_list(phrases: list[str]) -> str:
    quoted = [f"“{p}”" for p in phrases[:MAX_NAMED_PHRASES]]
    rest = len(phrases) - len(quoted)
    if rest:
        return ", ".join(quoted) + f" and {rest} more"
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def ready_text(preflight: Preflight) -> str:
    """The why-label when Render is enabled; names what the provider may refuse, if anything."""
    phrases = warning_phrases(preflight.warnings)
    if not phrases:
        return READY
    count = "1 warning" if len(phrases) == 1 else f"{len(phrases)} warnings"
    return (
        f"Ready, with {count}: the provider may refuse {_quoted_list(phrases)}. Ctrl+Enter renders."
    )


def render_tooltip(preflight: Preflight) -> str:
    """The enabled Render button's tooltip: what it does, then each warning in full."""
    messages = [f.message for f in preflight.warnings]
    if not messages:
        return RENDER_TIP
    lines = [RENDER_TIP, "", "The provider may refuse this prompt:"]
    lines += [f"• {m}" for m in messages]
    return "\n".join(lines)


def warning_text(preflight: Preflight, extra: Sequence[str] = ()) -> str:
    """The warning note under the prompt ("Warning: …"); empty when there is none.

    ``extra`` are further warnings from outside the pre-flight (the provider's moderation check).
    """
    messages = [f.message for f in preflight.warnings] + [m for m in extra if m]
    if not messages:
        return ""
    if len(messages) == 1:
        return f"Warning: {messages[0]}"
    return "Warnings (you can still render):\n" + "\n".join(f"• {m}" for m in messages)


def moderation_matches_warnings(categories: Sequence[str], prompt: str) -> bool:
    """True when every flagged moderation category is one a local *warning* in ``prompt`` feeds.

    The provider's moderation endpoint scores the same words the local rules warn about ("murder"
    scores as violence), so such a flag says nothing new and must not turn a warning into a
    refusal. A flag the local warnings do not explain (or one without categories) still blocks.
    """
    if not categories:
        return False
    explained: set[str] = set()
    for hit in policy_hits(prompt):
        if hit.block or hit.category is None:
            continue
        explained.add(hit.category)
        parent = MODERATION_CATEGORIES.get(hit.category)
        if parent is not None:
            explained.add(parent)
    return all(category in explained for category in categories)
