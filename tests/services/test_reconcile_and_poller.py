"""Pure parts: matching unconfirmed jobs to remote videos, and list-based polling economy."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from sora_studio.api.remote import PollHints, RemotePage, RemoteVideo
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass, Job, JobStatus, Operation
from sora_studio.services.poller import poll_jobs
from sora_studio.services.reconcile import find_unconfirmed, match_jobs
from tests.job_factory import make_job

T0 = 1_800_000_000.0


def _job(job_id: int, *, prompt: str = "a boat", at: float = T0, remote: str | None = None) -> Job:
    return make_job(
        job_id,
        JobStatus.SUBMITTING,
        fingerprint="f",
        prompt=prompt,
        remote_id=remote,
        created_at=at,
        submitted_at=at if remote else None,
        updated_at=at,
    )


def _video(vid: str, *, prompt: str = "a boat", at: float = T0 + 1, **kw: object) -> RemoteVideo:
    values: dict[str, object] = {
        "id": vid,
        "status": "queued",
        "progress": 0,
        "model": "sora-2-2025-10-06",  # an alias: still the same model
        "size": "1280x720",
        "seconds": 4,
        "created_at": int(at),
        "prompt": prompt,
    }
    values.update(kw)
    return RemoteVideo(**values)  # type: ignore[arg-type]


def canonical(model: str) -> str:
    return "sora-2" if model.startswith("sora-2") and "pro" not in model else model


def test_identical_variants_get_distinct_videos_oldest_first() -> None:
    jobs = [_job(1), _job(2, at=T0 + 0.5)]
    videos = [_video("v2", at=T0 + 2), _video("v1", at=T0 + 1)]
    found = match_jobs(jobs, videos, taken=lambda _: False, canonical=canonical)
    assert {k: v.id for k, v in found.items()} == {1: "v1", 2: "v2"}


def test_no_match_for_other_fields_older_videos_or_taken_ids() -> None:
    job = _job(1)
    videos = [
        _video("other-prompt", prompt="a car"),
        _video("other-size", size="720x1280"),
        _video("other-seconds", seconds=8),
        _video("too-old", at=T0 - 3600),
        _video("taken"),
    ]
    found = match_jobs([job], videos, taken=lambda rid: rid == "taken", canonical=canonical)
    assert found == {}


def test_remix_matches_on_its_source() -> None:
    remix = replace(_job(1), operation=Operation.REMIX, source_remote_id="src")
    videos = [
        _video("wrong", remixed_from_video_id="elsewhere"),
        _video("right", at=T0 + 5, remixed_from_video_id="src"),
    ]
    found = match_jobs([remix], videos, taken=lambda _: False, canonical=canonical)
    assert found[1].id == "right"


class FakePages:
    """A provider stand-in with pages of videos, counting calls (the poller's own protocol)."""

    def __init__(self, videos: list[RemoteVideo], page_size: int = 3) -> None:
        self.videos = sorted(videos, key=lambda v: v.created_at, reverse=True)
        self.page_size = page_size
        self.calls: list[str] = []
        self.fail: ProviderError | None = None

    def retrieve(self, video_id: str) -> tuple[RemoteVideo, PollHints]:
        self.calls.append(f"retrieve {video_id}")
        for video in self.videos:
            if video.id == video_id:
                return video, PollHints(poll_after_ms=500)
        raise ProviderError(ErrorClass.NOT_FOUND, "no such video")

    def list_page(
        self, *, after: str | None = None, limit: int = 100, order: Literal["asc", "desc"] = "desc"
    ) -> RemotePage:
        self.calls.append(f"list after={after}")
        if self.fail is not None:
            raise self.fail
        start = 0 if after is None else [v.id for v in self.videos].index(after) + 1
        chunk = self.videos[start : start + self.page_size]
        has_more = start + self.page_size < len(self.videos)
        return RemotePage(tuple(chunk), has_more, chunk[-1].id if chunk else None)


def test_one_job_is_retrieved_alone() -> None:
    client = FakePages([_video("a")])
    outcome = poll_jobs(client, [_job(1, remote="a")])
    assert client.calls == ["retrieve a"] and outcome.videos["a"].id == "a"
    assert outcome.hints is not None and outcome.hints.poll_after_ms == 500


def test_many_jobs_use_list_pages_and_stop_once_all_are_seen() -> None:
    videos = [_video(f"v{i}", at=T0 + i) for i in range(10)]
    client = FakePages(videos, page_size=3)
    jobs = [_job(i, remote=f"v{i}", at=T0 + i) for i in (9, 8, 7, 6)]  # the newest four
    outcome = poll_jobs(client, jobs)
    assert set(outcome.videos) == {"v9", "v8", "v7", "v6"}
    assert client.calls == ["list after=None", "list after=v7"]  # 2 pages, not 4 retrieves


def test_unlisted_jobs_fall_back_to_retrieve_and_report_missing() -> None:
    client = FakePages([_video("v1"), _video("v2")], page_size=10)
    outcome = poll_jobs(client, [_job(1, remote="v1"), _job(2, remote="gone")])
    assert "v1" in outcome.videos and outcome.missing == ("gone",)
    assert client.calls == ["list after=None", "retrieve gone"]


def test_listing_error_is_reported_not_guessed() -> None:
    client = FakePages([_video("v1")])
    client.fail = ProviderError(ErrorClass.TRANSIENT, "down")
    result = find_unconfirmed(client, [_job(1)], taken=lambda _: False, canonical=canonical)
    assert result.error is not None and result.found == {} and result.not_found == ()
