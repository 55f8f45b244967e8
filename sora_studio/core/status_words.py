"""The words a person reads for each job status, verdict and error class, spelled once.

The render queue, the review grid's cards and badges, the verdict messages, the exports and the
CLI's plain output all show these, so a status never reads two ways. Machine-readable output
(``--json``, the values scripts match on) keeps the enum values instead.

Badges on a clip card are small, so a few words have a short form there (``short=True``):
"Blocked" for "Blocked by policy", "Changes" for "Needs changes". Pure: plain strings only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sora_studio.core.models import ErrorClass, JobStatus, ReviewStatus

JOB_STATUS_WORDS: Mapping[JobStatus, str] = MappingProxyType(
    {
        JobStatus.DRAFT: "Draft",
        JobStatus.QUEUED_LOCAL: "Waiting",
        JobStatus.SUBMITTING: "Submitting",
        JobStatus.QUEUED: "Queued",
        JobStatus.IN_PROGRESS: "Rendering",
        JobStatus.DOWNLOADING: "Downloading",
        JobStatus.READY: "Ready",
        JobStatus.FAILED: "Failed",
        JobStatus.BLOCKED: "Blocked by policy",
        JobStatus.RATE_LIMITED: "Rate limited",
        JobStatus.CANCELLED: "Cancelled",
        JobStatus.EXPIRED: "Expired",
        JobStatus.DELETED: "Deleted",
    }
)
_SHORT_JOB_STATUS_WORDS = {JobStatus.BLOCKED: "Blocked"}

REVIEW_WORDS: Mapping[ReviewStatus, str] = MappingProxyType(
    {
        ReviewStatus.UNREVIEWED: "Unreviewed",
        ReviewStatus.APPROVED: "Approved",
        ReviewStatus.CHANGES: "Needs changes",
        ReviewStatus.REJECTED: "Rejected",
    }
)
_SHORT_REVIEW_WORDS = {ReviewStatus.CHANGES: "Changes"}

ERROR_WORDS: Mapping[ErrorClass, str] = MappingProxyType(
    {
        ErrorClass.POLICY_BLOCKED: "Policy",
        ErrorClass.RATE_LIMITED: "Rate limit",
        ErrorClass.TRANSIENT: "Network",
        ErrorClass.AUTH: "Auth",
        ErrorClass.MODEL_UNAVAILABLE: "Model unavailable",
        ErrorClass.INVALID_REQUEST: "Invalid request",
        ErrorClass.NOT_FOUND: "Not found",
        ErrorClass.EXPIRED: "Expired",
        ErrorClass.DOWNLOAD_FAILED: "Download",
        ErrorClass.SUBMIT_UNCONFIRMED: "Unconfirmed",
        ErrorClass.LOST: "Lost by provider",
        ErrorClass.STALLED: "Stalled",
        ErrorClass.BUDGET_EXCEEDED: "Budget",
        ErrorClass.INTERNAL: "Internal",
    }
)


def job_status_word(status: JobStatus, *, short: bool = False) -> str:
    """``"Rendering"`` for ``in_progress``; ``short`` for a badge (``"Blocked"``)."""
    if short and status in _SHORT_JOB_STATUS_WORDS:
        return _SHORT_JOB_STATUS_WORDS[status]
    return JOB_STATUS_WORDS.get(status, status.value)


def review_word(status: ReviewStatus, *, short: bool = False) -> str:
    """``"Needs changes"`` for ``changes``; ``short`` for a badge (``"Changes"``)."""
    if short and status in _SHORT_REVIEW_WORDS:
        return _SHORT_REVIEW_WORDS[status]
    return REVIEW_WORDS.get(status, status.value)


def error_word(error_class: ErrorClass) -> str:
    """``"Network"`` for ``transient``: the short name of what went wrong."""
    return ERROR_WORDS.get(error_class, error_class.value)
