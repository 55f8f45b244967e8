"""The pure part of culling: where a verdict moves on to, and the session summary."""

from __future__ import annotations

from sora_studio.core.culling import CullingSession, SessionSummary, next_needing_verdict
from sora_studio.core.models import ReviewStatus


def test_next_needing_verdict_goes_forward_then_wraps_and_skips() -> None:
    order = [10, 11, 12, 13, 14]
    open_ = {11, 13}
    needs = open_.__contains__
    assert next_needing_verdict(order, needs, 0) == 11
    assert next_needing_verdict(order, needs, 1, skip={11}) == 13
    assert next_needing_verdict(order, needs, 3, skip={13}) == 11  # wraps to the top
    assert next_needing_verdict(order, needs, -1) == 11
    assert next_needing_verdict(order, lambda _i: False, 2) is None
    assert next_needing_verdict([], needs, -1) is None
    assert next_needing_verdict([13], needs, 0, skip={13}) is None


def test_session_summary_counts_averages_and_undoes() -> None:
    session = CullingSession()
    assert session.summary() == SessionSummary(0, 0.0, 0.0)
    assert session.summary().text() == ""
    session.decided([1], ReviewStatus.APPROVED, 4.0)
    session.decided([2, 3], ReviewStatus.REJECTED, 4.0)  # one key on two clips: 2 s each
    summary = session.summary()
    assert summary.decided == 3
    assert round(summary.average_s, 3) == round(8 / 3, 3)
    assert summary.text() == "Session: 3 decided · 2.7 s per clip · 33% approved"
    session.decided([2], ReviewStatus.APPROVED, 1.0)  # judged again: the latest counts
    assert session.summary().decided == 3
    session.undone(
        {2: ReviewStatus.REJECTED, 3: ReviewStatus.UNREVIEWED, 99: ReviewStatus.APPROVED}
    )
    assert session.summary().decided == 2
    assert session.summary().approved_share == 0.5
