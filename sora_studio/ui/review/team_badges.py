"""What a grid cell says about a team library's verdicts: who decided, and disputes.

A clip of a team library carries each reviewer's verdict
(:class:`~sora_studio.core.team_events.VerdictState`). Its badge names who gave the verdict in
force ("Approved · Alice"; "Approved · Alice +1" when two agree; the lead who settled a dispute
is named first) or says "Disputed" while reviewers disagree; the tooltip lists each reviewer's
verdict. Pure functions (no Qt), so the words are testable on their own.
"""

from __future__ import annotations

from sora_studio.core.models import ReviewStatus
from sora_studio.core.status_words import review_word
from sora_studio.core.team_events import VerdictState

DISPUTED_WORD = "Disputed"
NAME_MAX = 14  # characters of a reviewer's name on a badge (the tooltip has it in full)


def _verdict_word(status: str, *, short: bool = False) -> str:
    try:
        return review_word(ReviewStatus(status), short=short)
    except ValueError:
        return status


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def team_badge(state: VerdictState | None, status: ReviewStatus) -> str | None:
    """The verdict badge's words for a team clip, or None to keep the plain verdict badge."""
    if state is None or not state.by_reviewer:
        return None
    if state.disputed:
        return DISPUTED_WORD
    if status is ReviewStatus.UNREVIEWED:
        return None
    agreeing = [who for who, verdict in state.by_reviewer if verdict == status.value]
    if not agreeing:
        return None
    if state.decided_by in agreeing:  # the lead's decision first
        agreeing.remove(state.decided_by)
        agreeing.insert(0, state.decided_by)
    more = f" +{len(agreeing) - 1}" if len(agreeing) > 1 else ""
    return f"{review_word(status, short=True)} · {_short(agreeing[0])}{more}"


def team_tooltip(state: VerdictState) -> str:
    """Each reviewer's verdict, one per line, and who settled the last dispute."""
    head = "Disputed: the reviewers disagree" if state.disputed else "Team verdicts"
    lines = [head]
    lines += [f"  {who}: {_verdict_word(verdict)}" for who, verdict in state.by_reviewer]
    if not state.by_reviewer:
        lines.append("  none in force (withdrawn)")
    if state.decided_by:
        lines.append(f"Decided by {state.decided_by} (lead)")
    elif state.disputed:
        lines.append("A lead's verdict settles it")
    return "\n".join(lines)
