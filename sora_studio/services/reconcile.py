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

Servers that echo no prompt (SGLang Diffusion) are matched on what they do echo (model, size,
seconds, the created-at window, the remix source) and on local uniqueness: a job is attached only
when exactly one video fits it and that video fits no other job left unconfirmed. Anything less
certain stays "unconfirmed", with a message that says the provider may have rendered it. A server
that cannot list at all cannot be asked; its unconfirmed jobs are failed the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sora_studio.api.remote import RemoteVideo
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import Job, Operation
from sora_studio.services.poller import CLOCK_SKEW_S, PAGE_SIZE, StatusClient, is_list_refusal

MAX_RECONCILE_PAGES = 50

UNCONFIRMED_MESSAGE = (
    "Sora Studio stopped while sending this job, and the provider has no video matching it, so "
    "nothing was charged. Retry it to send it again."
)
UNLISTABLE_MESSAGE = (
    "Sora Studio stopped (or lost the connection) while sending this job, and this provider "
    "cannot list its videos, so whether it received the job cannot be checked. If it did, it "
    "may still render and charge for it. Retry it to send it again."
)
UNCERTAIN_MESSAGE = (
    "Sora Studio stopped while sending this job. The provider has more than one video that "
    "could be it and echoes no prompt to tell them apart, so none was attached; it may have "
    "rendered and charged for it. Retry it to send it again."
)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Which unconfirmed jobs were found remotely, and which were not."""

    found: dict[int, RemoteVideo] = field(default_factory=dict)  # job id -> its video
    not_found: tuple[int, ...] = ()
    error: ProviderError | None = None  # listing failed: decide nothing, try again later
    requests: int = 0
    uncertain: frozenset[int] = frozenset()  # not found, but some video may be it
    list_refused: bool = False  # the provider does not list: nothing can be checked


def _same_request(
    job: Job,
    video: RemoteVideo,
    canonical: Callable[[str], str],
    *,
    prompt_required: bool = True,
) -> bool:
    if video.prompt is not None and video.prompt != job.prompt:
        return False
    if video.prompt is None and prompt_required and job.operation is Operation.CREATE:
        return False  # this server echoes prompts; one without it is not a create of ours
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
    """Pair each job with at most one untaken video that matches it (pure; prompts echoed)."""
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


def match_unique(
    jobs: Sequence[Job],
    videos: Iterable[RemoteVideo],
    *,
    taken: Callable[[str], bool],
    canonical: Callable[[str], str],
) -> tuple[dict[int, RemoteVideo], frozenset[int]]:
    """Pairs that are certain without a prompt, and the jobs some video may be (pure).

    A job is paired only when exactly one untaken video fits it and that video fits no other
    job: the provider's echo of model, size, seconds and source cannot tell two fits apart.
    """
    pool = [v for v in videos if not taken(v.id)]
    fits: dict[int, list[RemoteVideo]] = {}
    claimants: dict[str, int] = {}
    for job in jobs:
        earliest = job.updated_at - CLOCK_SKEW_S
        fits[job.id] = [
            v
            for v in pool
            if v.created_at >= earliest and _same_request(job, v, canonical, prompt_required=False)
        ]
        for video in fits[job.id]:
            claimants[video.id] = claimants.get(video.id, 0) + 1
    found: dict[int, RemoteVideo] = {}
    uncertain: set[int] = set()
    for job_id, candidates in fits.items():
        if len(candidates) == 1 and claimants[candidates[0].id] == 1:
            found[job_id] = candidates[0]
        elif candidates:
            uncertain.add(job_id)
    return found, frozenset(uncertain)


def find_unconfirmed(
    client: StatusClient,
    jobs: Sequence[Job],
    *,
    taken: Callable[[str], bool],
    canonical: Callable[[str], str],
    certain_without_prompt: bool = False,
) -> MatchResult:
    """List the provider's recent videos and match them to ``jobs`` (one provider's).

    ``certain_without_prompt``: the server echoes no prompt, so pair only unique fits
    (:func:`match_unique`).
    """
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
            if is_list_refusal(exc):
                return MatchResult(
                    not_found=tuple(j.id for j in jobs),
                    requests=requests + 1,
                    list_refused=True,
                )
            return MatchResult(error=exc, requests=requests + 1)
        requests += 1
        seen.extend(page.videos)
        if not page.has_more or not page.last_id:
            break
        if page.videos and page.videos[-1].created_at < window_start:
            break
        after = page.last_id
    uncertain: frozenset[int] = frozenset()
    if certain_without_prompt:
        found, uncertain = match_unique(jobs, seen, taken=taken, canonical=canonical)
    else:
        found = match_jobs(jobs, seen, taken=taken, canonical=canonical)
    not_found = tuple(j.id for j in jobs if j.id not in found)
    return MatchResult(found=found, not_found=not_found, requests=requests, uncertain=uncertain)
