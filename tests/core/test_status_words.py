"""Every status, verdict and error class has its one word, and badges get their short forms."""

from __future__ import annotations

from sora_studio.core.models import ErrorClass, JobStatus, ReviewStatus
from sora_studio.core.status_words import (
    ERROR_WORDS,
    JOB_STATUS_WORDS,
    REVIEW_WORDS,
    error_word,
    job_status_word,
    review_word,
)


def test_every_value_has_a_word() -> None:
    assert set(JOB_STATUS_WORDS) == set(JobStatus)
    assert set(REVIEW_WORDS) == set(ReviewStatus)
    assert set(ERROR_WORDS) == set(ErrorClass)
    words = [*JOB_STATUS_WORDS.values(), *REVIEW_WORDS.values(), *ERROR_WORDS.values()]
    assert all(word and word[0].isupper() for word in words)


def test_badges_use_the_short_forms_and_nothing_else_changes() -> None:
    assert job_status_word(JobStatus.BLOCKED) == "Blocked by policy"
    assert job_status_word(JobStatus.BLOCKED, short=True) == "Blocked"
    assert job_status_word(JobStatus.IN_PROGRESS, short=True) == "Rendering"
    assert review_word(ReviewStatus.CHANGES) == "Needs changes"
    assert review_word(ReviewStatus.CHANGES, short=True) == "Changes"
    assert review_word(ReviewStatus.APPROVED, short=True) == "Approved"
    assert error_word(ErrorClass.TRANSIENT) == "Network"
