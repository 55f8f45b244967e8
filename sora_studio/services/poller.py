"""Asking a provider how its jobs are doing, with as few requests as possible.

Providers that can list (:func:`poll_jobs`): one active job is one ``GET /videos/{id}``; two or
more are ``GET /videos`` pages (newest first, 100 a page), stopping as soon as every active id has
been seen, or when the page reaches videos older than the oldest active job (nothing further down
can be ours). A job still unseen after that is retrieved on its own (a provider may not list
everything); a 404 there means the provider no longer knows it. When the list call itself is
refused (LiteLLM answers 400), :attr:`PollOutcome.list_refused` says so and every job is retrieved
by id instead, so a provider that cannot list never strands a job.

Providers that cannot list (:func:`retrieve_jobs`): each job is asked about by id, on its own
schedule (:class:`sora_studio.core.lifecycle.JobPacing`), which the caller keeps.

Pure of the database: it takes jobs and a client and returns what it learned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from sora_studio.api.remote import PollHints, RemotePage, RemoteVideo
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass, Job

PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 videos deep; beyond that the stragglers are retrieved one by one
MAX_STRAGGLER_RETRIEVES = 5
# Provider clocks and ours may differ; a video this much older than our submit time is still ours.
CLOCK_SKEW_S = 300.0


class StatusClient(Protocol):
    def retrieve(self, video_id: str) -> tuple[RemoteVideo, PollHints]: ...

    def list_page(
        self, *, after: str | None = None, limit: int = 100, order: Literal["asc", "desc"] = "desc"
    ) -> RemotePage: ...


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of one provider learned."""

    videos: dict[str, RemoteVideo] = field(default_factory=dict)  # remote id -> state
    missing: tuple[str, ...] = ()  # remote ids the provider says it does not have
    hints: PollHints | None = None
    error: ProviderError | None = None
    requests: int = 0
    list_refused: bool = False  # the provider answered the list call with a refusal (4xx)
    hints_by_id: dict[str, PollHints] = field(default_factory=dict)  # per-job retrieve hints


def _oldest_submit(jobs: Sequence[Job]) -> float | None:
    times = [j.submitted_at or j.created_at for j in jobs if (j.submitted_at or j.created_at)]
    return min(times) if times else None


def poll_jobs(client: StatusClient, jobs: Sequence[Job]) -> PollOutcome:
    """Current remote state of ``jobs`` (each must have a remote id)."""
    wanted = {j.remote_id for j in jobs if j.remote_id}
    if not wanted:
        return PollOutcome()
    if len(wanted) == 1:
        return _retrieve_each(client, sorted(wanted), requests=0, hints=None)
    found: dict[str, RemoteVideo] = {}
    requests = 0
    hints: PollHints | None = None
    after: str | None = None
    oldest = _oldest_submit(jobs)
    for _ in range(MAX_PAGES):
        try:
            page = client.list_page(after=after, limit=PAGE_SIZE, order="desc")
        except ProviderError as exc:
            if is_list_refusal(exc):
                # The server does not list (or not for us): ask about each job by id instead.
                rest = retrieve_jobs(client, jobs)
                return replace(rest, requests=rest.requests + requests + 1, list_refused=True)
            return PollOutcome(videos=found, hints=hints, error=exc, requests=requests + 1)
        requests += 1
        hints = page.hints
        for video in page.videos:
            if video.id in wanted:
                found[video.id] = video
        if wanted <= found.keys() or not page.has_more or not page.last_id:
            break
        if (
            oldest is not None
            and page.videos
            and page.videos[-1].created_at < oldest - CLOCK_SKEW_S
        ):
            break
        after = page.last_id
    stragglers = sorted(wanted - found.keys())[:MAX_STRAGGLER_RETRIEVES]
    if not stragglers:
        return PollOutcome(videos=found, hints=hints, requests=requests)
    rest = _retrieve_each(client, stragglers, requests=requests, hints=hints)
    return PollOutcome(
        videos={**found, **rest.videos},
        missing=rest.missing,
        hints=rest.hints,
        error=rest.error,
        requests=rest.requests,
    )


def is_list_refusal(exc: ProviderError) -> bool:
    """A list call the server will never answer (400/404/405/501), not a passing failure."""
    if exc.error_class in (ErrorClass.INVALID_REQUEST, ErrorClass.NOT_FOUND):
        return True
    return exc.status_code in (404, 405, 501)


def retrieve_jobs(client: StatusClient, jobs: Sequence[Job]) -> PollOutcome:
    """``GET /videos/{id}`` for each job, in order; stops at the first failure but a 404."""
    ids = [j.remote_id for j in jobs if j.remote_id]
    return _retrieve_each(client, ids, requests=0, hints=None)


def _retrieve_each(
    client: StatusClient, ids: Sequence[str], *, requests: int, hints: PollHints | None
) -> PollOutcome:
    found: dict[str, RemoteVideo] = {}
    by_id: dict[str, PollHints] = {}
    missing: list[str] = []
    for video_id in ids:
        try:
            video, hints = client.retrieve(video_id)
        except ProviderError as exc:
            requests += 1
            if exc.error_class is ErrorClass.NOT_FOUND:
                missing.append(video_id)
                continue
            return PollOutcome(found, tuple(missing), hints, exc, requests, hints_by_id=by_id)
        requests += 1
        # Keyed by the id we asked with: a gateway may answer with another form of the id.
        found[video_id] = video
        by_id[video_id] = hints
    return PollOutcome(found, tuple(missing), hints, None, requests, hints_by_id=by_id)
