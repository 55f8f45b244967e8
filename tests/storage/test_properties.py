"""Property tests: money text round-trips exactly; undo behaves like popping a stack."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sora_studio.core.models import ReviewStatus
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.rows import decimal_from_db, decimal_to_db
from tests.job_factory import add_job

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)


@given(finite_decimals)
def test_money_text_round_trips_exactly(amount: Decimal) -> None:
    back = decimal_from_db(decimal_to_db(amount))
    assert back == amount
    assert str(back) == str(amount)  # same digits and exponent, not merely equal


# Each step: a review status to add, or None for undo.
review_steps = st.lists(st.one_of(st.none(), st.sampled_from(list(ReviewStatus))), max_size=12)


@settings(max_examples=40, deadline=None)
@given(steps=review_steps)
def test_undo_matches_a_stack_model(steps: list[ReviewStatus | None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = Repository(open_db(Path(folder) / "s.sqlite3"))
        try:
            job = add_job(repo)
            model: list[ReviewStatus] = []
            appended = 0
            for step in steps:
                if step is None:
                    record = repo.undo_last_review(job.id)
                    if model:
                        model.pop()
                        appended += 1
                        assert record is not None
                    else:
                        assert record is None
                else:
                    repo.add_review(job.id, step, "ana")
                    model.append(step)
                    appended += 1
                expected = model[-1] if model else ReviewStatus.UNREVIEWED
                assert repo.latest_review_status(job.id) is expected
                assert repo.require_job(job.id).review_status is expected
            assert len(repo.reviews_for(job.id)) == appended  # nothing ever removed
        finally:
            repo.close()
