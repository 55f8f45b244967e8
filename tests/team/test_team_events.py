"""The team event log's model: JSON round trips, clear refusals, and the verdict fold."""

from __future__ import annotations

import json

import pytest

from sora_studio.core.team_events import (
    ClipUpserted,
    EventFormatError,
    MediaRef,
    NoteAdded,
    NoteResolved,
    VerdictGiven,
    event_from_json,
    event_to_dict,
    event_to_json,
    fold_verdicts,
)

CLIP = ClipUpserted(
    clip_id="c1",
    provider="emulator",
    model="sora-2",
    prompt="a paper boat",
    size="1280x720",
    seconds=4,
    status="ready",
    author="ana",
    cost_cents="40",
    parent_clip_id="c0",
    lineage_kind="remix",
    completed_at=12.5,
    media=(MediaRef("video", "media/1/video.mp4", 1234, "ab" * 32),),
)


@pytest.mark.parametrize(
    "event",
    [
        CLIP,
        VerdictGiven(clip_id="c1", status="approved", author="ana", lead=True, reason="ok"),
        VerdictGiven(clip_id="c1", status="unreviewed", author="ana"),
        NoteAdded(clip_id="c1", note_id="n1", start_ms=500, end_ms=900, text="hi", author="bo"),
        NoteResolved(note_id="n1", resolved=False, author="bo"),
    ],
)
def test_events_round_trip_through_json(event: object) -> None:
    text = event_to_json(event)  # type: ignore[arg-type]
    assert event_from_json(text) == event
    assert event_to_json(event_from_json(text)) == text  # stable text


def test_every_event_gets_its_own_uuid_author_and_time() -> None:
    a = VerdictGiven(clip_id="c", status="approved")
    b = VerdictGiven(clip_id="c", status="approved")
    assert a.event_id != b.event_id and len(a.event_id) == 36
    assert a.at > 0


def _mutated(**changes: object) -> str:
    data = event_to_dict(CLIP)
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not ...})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (_mutated(kind="shrug"), "unknown event kind 'shrug'"),
        (_mutated(v=2), "format version 2"),
        (_mutated(seconds="4"), "field 'seconds' should be int, got str"),
        (_mutated(seconds=True), "field 'seconds' should be int, got bool"),
        (_mutated(prompt=...), "field 'prompt' is missing"),
        (_mutated(extra=1), "unknown fields ['extra']"),
        (_mutated(event_id="nope"), "is not a uuid"),
        (_mutated(media=[{"variant": "video"}]), "a media entry lacks"),
        (_mutated(media="x"), "'media' should be a list"),
        (_mutated(status="melting"), "unknown job status 'melting'"),
    ],
)
def test_malformed_events_are_refused_saying_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(EventFormatError, match=None) as caught:
        event_from_json(text)
    assert says in str(caught.value)


def test_a_verdict_with_an_unknown_status_is_refused() -> None:
    data = event_to_dict(VerdictGiven(clip_id="c", status="approved"))
    data["status"] = "maybe"
    with pytest.raises(EventFormatError, match="unknown status 'maybe'"):
        event_from_json(json.dumps(data))


def _v(who: str, status: str, at: float, lead: bool = False) -> VerdictGiven:
    return VerdictGiven(clip_id="c", status=status, author=who, at=at, lead=lead)


def test_agreeing_reviewers_are_not_disputed() -> None:
    state = fold_verdicts([_v("ana", "approved", 1), _v("bo", "approved", 2)])
    assert state.status == "approved" and not state.disputed
    assert state.by_reviewer == (("ana", "approved"), ("bo", "approved"))


def test_disagreeing_latest_verdicts_dispute_the_clip() -> None:
    state = fold_verdicts([_v("ana", "approved", 1), _v("bo", "rejected", 2)])
    assert state.disputed and state.status == "rejected"


def test_only_each_reviewers_latest_verdict_counts() -> None:
    verdicts = [_v("ana", "rejected", 1), _v("bo", "approved", 2), _v("ana", "approved", 3)]
    assert not fold_verdicts(verdicts).disputed


def test_a_lead_decision_settles_and_later_disagreement_disputes_again() -> None:
    verdicts = [_v("ana", "approved", 1), _v("bo", "rejected", 2), _v("lee", "changes", 3, True)]
    settled = fold_verdicts(verdicts)
    assert not settled.disputed and settled.status == "changes" and settled.decided_by == "lee"
    again = fold_verdicts([*verdicts, _v("bo", "rejected", 4)])
    assert again.disputed and again.decided_by == "lee"
    agreeing = fold_verdicts([*verdicts, _v("bo", "changes", 4)])
    assert not agreeing.disputed


def test_a_withdrawn_verdict_no_longer_counts() -> None:
    state = fold_verdicts(
        [_v("ana", "approved", 1), _v("bo", "rejected", 2), _v("bo", "unreviewed", 3)]
    )
    assert not state.disputed and state.status == "approved"
    assert fold_verdicts([_v("ana", "unreviewed", 1)]).status == "unreviewed"


def test_the_fold_does_not_depend_on_arrival_order() -> None:
    verdicts = [_v("ana", "approved", 1), _v("lee", "rejected", 2, True), _v("bo", "changes", 3)]
    assert fold_verdicts(verdicts) == fold_verdicts(list(reversed(verdicts)))
