"""What each cell of the render queue says about a job: columns, words, times and ordering.

The words for statuses and error classes are the desk's own (``core.status_words``), so the
queue, the review grid and the CLI never name a status two ways.

Pure functions of a ``Job`` (no Qt), so the table model only routes roles to them and they can be
checked without a widget. ``RenderTimes`` learns how long finished renders took, to show how
long a running one is expected to take.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from sora_studio.core.models import Job, JobStatus
from sora_studio.core.pricing import format_cents
from sora_studio.core.status_words import error_word, job_status_word


class Column(IntEnum):
    PREVIEW = 0
    PROMPT = 1
    MODEL = 2
    SIZE = 3
    SECONDS = 4
    STATUS = 5
    ELAPSED = 6
    EXPECTED = 7
    ESTIMATE = 8
    COST = 9
    ERROR = 10


HEADERS = {
    Column.PREVIEW: "",
    Column.PROMPT: "Prompt",
    Column.MODEL: "Model",
    Column.SIZE: "Size",
    Column.SECONDS: "Sec",
    Column.STATUS: "Status",
    Column.ELAPSED: "Elapsed",
    Column.EXPECTED: "Expected",
    Column.ESTIMATE: "Estimate",
    Column.COST: "Cost",
    Column.ERROR: "Problem",
}
NUMBER_COLUMNS = frozenset(
    {Column.SECONDS, Column.ELAPSED, Column.EXPECTED, Column.ESTIMATE, Column.COST}
)

RUNNING = frozenset(
    {
        JobStatus.SUBMITTING,
        JobStatus.QUEUED,
        JobStatus.IN_PROGRESS,
        JobStatus.DOWNLOADING,
        JobStatus.RATE_LIMITED,
    }
)
WAITING = frozenset({JobStatus.QUEUED_LOCAL, JobStatus.DRAFT})
# Never charged, so kept apart from spend.
NOT_CHARGED = frozenset({JobStatus.BLOCKED, JobStatus.FAILED, JobStatus.CANCELLED})

# Seconds of wall time per second of video when nothing has finished yet to learn from.
_DEFAULT_RENDER_FACTOR = {"sora-2": 6.0, "sora-2-pro": 12.0}
PROMPT_ELIDE_CHARS = 90


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1:15"``; hours when needed."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def elapsed_seconds(job: Job, now: float) -> float | None:
    """Wall time from submission (or creation) to completion (or now); None while waiting."""
    if job.status in WAITING:
        return None
    start = job.submitted_at or job.created_at
    if not start:
        return None
    end = job.completed_at if job.status.is_terminal and job.completed_at else now
    return max(0.0, end - start)


def status_text(job: Job) -> str:
    """The status cell's label: ``Rendering 40%`` while a percentage means something."""
    label = job_status_word(job.status)
    if job.status in (JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING):
        return f"{label} {job.progress}%"
    return label


def sort_key(job: Job) -> tuple[int, float, int]:
    """Running jobs first (oldest first), then the local queue in order, then finished, newest
    first."""
    if job.status in RUNNING:
        return (0, job.submitted_at or job.created_at, job.id)
    if job.status in WAITING:
        return (1, float(job.queue_position), job.id)
    return (2, -(job.completed_at or job.updated_at or job.created_at), -job.id)


def cost_text(job: Job) -> str:
    if job.status in NOT_CHARGED:
        return "not charged"
    if job.cost_cents is None:
        return ""
    return format_cents(job.cost_cents)


def problem_text(job: Job) -> str:
    if job.error_class is None:
        return ""
    label = error_word(job.error_class)
    return f"{label}: {job.error_message}" if job.error_message else label


def prompt_text(job: Job) -> str:
    """The prompt on one line, cut to fit a table cell."""
    text = " ".join(job.prompt.split())
    if len(text) > PROMPT_ELIDE_CHARS:
        text = text[: PROMPT_ELIDE_CHARS - 1] + "…"
    return text


def cell_text(
    job: Job, column: Column, now: Callable[[], float], expected_s: Callable[[Job], float]
) -> str | None:
    """The text of ``job``'s cell in ``column``; the clock and the render-time estimate are
    only asked for by the cells that show them (this runs for every cell painted)."""
    if column == Column.PREVIEW:
        return None
    if column == Column.PROMPT:
        return prompt_text(job)
    if column == Column.MODEL:
        return job.model
    if column == Column.SIZE:
        return job.size
    if column == Column.SECONDS:
        return str(job.seconds)
    if column == Column.STATUS:
        return status_text(job)
    if column == Column.ELAPSED:
        elapsed = elapsed_seconds(job, now())
        return "" if elapsed is None else format_duration(elapsed)
    if column == Column.EXPECTED:
        return "" if job.status.is_terminal else "~" + format_duration(expected_s(job))
    if column == Column.ESTIMATE:
        return format_cents(job.estimate_cents) + (" B" if job.use_batch else "")
    if column == Column.COST:
        return cost_text(job)
    if column == Column.ERROR:
        return problem_text(job)
    return None


def cell_tooltip(job: Job, column: Column) -> str | None:
    if column == Column.PROMPT:  # with what a narrow queue's hidden columns say
        return f"{job.prompt}\n{job.model} · {job.size} · {job.seconds} s"
    if column == Column.ERROR and job.error_message:
        return job.error_message
    if column == Column.STATUS:
        text = f"Job #{job.id} · {job_status_word(job.status)}"
        if job.remote_id:
            text += f"\nRemote id {job.remote_id}"
        if job.error_message:
            text += f"\n{job.error_message}"
        return text
    if column == Column.ESTIMATE:
        kind = "Batch price" if job.use_batch else "standard price"
        return f"Estimated at submit ({kind})"
    if column == Column.COST and job.status in (JobStatus.BLOCKED, JobStatus.FAILED):
        return "Blocked and failed renders are kept apart from spend."
    return None


class RenderTimes:
    """How long renders take, learned from finished jobs of the same model, size and length."""

    def __init__(self) -> None:
        self._totals: dict[tuple[str, str, int], tuple[float, int]] = {}

    def clear(self) -> None:
        self._totals = {}

    def learn(self, job: Job) -> None:
        """Count ``job`` when it finished with both ends of its render known."""
        if job.status is not JobStatus.READY or not job.completed_at or not job.submitted_at:
            return
        key = (job.model, job.size, job.seconds)
        total, count = self._totals.get(key, (0.0, 0))
        self._totals[key] = (total + max(0.0, job.completed_at - job.submitted_at), count + 1)

    def expected(self, job: Job) -> float:
        """Expected render wall time: the mean of finished look-alikes, else a per-model guess."""
        learned = self._totals.get((job.model, job.size, job.seconds))
        if learned:
            total, count = learned
            return total / count
        factor = _DEFAULT_RENDER_FACTOR.get(job.model, 8.0)
        return max(20.0, job.seconds * factor)
