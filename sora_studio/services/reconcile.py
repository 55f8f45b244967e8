"""Finding out what happened to jobs whose create call was never confirmed.

A job is left ``submitting`` without a remote id when the process died (or the connection broke)
between committing the row and recording the provider's answer. The provider may or may not
have started the render. The Videos API accepts no idempotency key and returns no fingerprint,
so we recognise our video by what it echoes back:

* the same ``prompt``, ``size`` and ``seconds`` (for an extension, the stitched total, which is
  what the job stores), the same model once aliases are resolved through the catalog, and for a
  remix the same ``remixed_from_video_id``;
* created no earlier than the moment the job went to ``submitting`` (its ``updated_at``), minus
  a clock-skew allowance, because a video created before we asked cannot be ours;
* not already attached to another job (two identical variants get two different videos).

Candidates are taken oldest first, jobs in the order they were sent. The listing walks
``GET /videos`` newest first and stops once it reaches videos older than the oldest job's window.
A job with no match is marked failed with ``SUBMIT_UNCONFIRMED``: nothing was charged, and the
person retries it explicitly (never automatically, so a slow provider can never cause a second
paid render).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sora_studio.api.remote import RemoteVideo
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import Job, Operation
from sora_studio.services.poller import CLOCK_SKEW_S, PAGE_SIZE, StatusClient

MAX_RECONCILE_PAGES = 50

UNCONFIRMED_MESSAGE = (
    "Sora Studio stopped while sending this job, and the provider has no video matching it, so "
    "nothing was charged. Retry it to send it again."
)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Which unconfirmed jobs were found remotely, and which were not."""

    found: dict[int, RemoteVideo] = field(default_factory=dict)  # job id -> its video
    not_found: tuple[int, ...] = ()
    error: ProviderError | None = None  # listing failed: decide nothing, try again later
    requests: int = 0


def _same_request(job: Job, video: RemoteVideo, canonical: Callable[[str], str]) -> bool:
    if video.prompt is not None and video.prompt != job.prompt:
        return False
    if video.prompt is None and job.operation is Operation.CREATE:
        return False  # a create always echoes its prompt; without it we cannot tell
    if video.size and video.size != job.size:
        return False
    if video.seconds and video.seconds != job.seconds:
        return False
    if video.model and canonical(video.model) != canonical(job.model):
        return False
    return not (
        job.operation is Operation.REMIX
        and video.remixed_from_video_id
        and video.remixed_from_video_id != job.source_remote_id
    )


def match_jobs(
    jobs: Sequence[Job],
    videos: Iterable[RemoteVideo],
    *,
    taken: Callable[[str], bool],
    canonical: Callable[[str], str],
) -> dict[int, RemoteVideo]:
    """Pair each job with at most one untaken video that matches it (pure)."""
    pool = sorted((v for v in videos if not taken(v.id)), key=lambda v: (v.created_at, v.id))
    used: set[str] = set()
    found: dict[int, RemoteVideo] = {}
    for job in sorted(jobs, key=lambda j: (j.updated_at, j.id)):
        earliest = job.updated_at - CLOCK_SKEW_S
        for video in pool:
            if video.id in used or video.created_at < earliest:
                continue
            if _same_request(job, video, canonical):
                found[job.id] = video
                used.add(video.id)
                break
    return found


def find_unconfirmed(
    client: StatusClient,
    jobs: Sequence[Job],
    *,
    taken: Callable[[str], bool],
    canonical: Callable[[str], str],
) -> MatchResult:
    """List the provider's recent videos and match them to ``jobs`` (one provider's)."""
    if not jobs:
        return MatchResult()
    window_start = min(j.updated_at for j in jobs) - CLOCK_SKEW_S
    seen: list[RemoteVideo] = []
    requests = 0
    after: str | None = None
    for _ in range(MAX_RECONCILE_PAGES):
        try:
            page = client.list_page(after=after, limit=PAGE_SIZE, order="desc")
        except ProviderError as exc:
            return MatchResult(error=exc, requests=requests + 1)
        requests += 1
        seen.extend(page.videos)
        if not page.has_more or not page.last_id:
            break
        if page.videos and page.videos[-1].created_at < window_start:
            break
        after = page.last_id
    found = match_jobs(jobs, seen, taken=taken, canonical=canonical)
    not_found = tuple(j.id for j in jobs if j.id not in found)
    return MatchResult(found=found, not_found=not_found, requests=requests)
