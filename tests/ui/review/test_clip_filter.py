"""Filtering the grid: the pure ClipFilter rules and the proxy that applies them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sora_studio.core.models import Job, JobStatus, ReviewStatus
from sora_studio.ui.review.clip_filter import ClipFilter, ClipFilterProxy
from sora_studio.ui.review.clip_model import ClipModel, SortKey
from sora_studio.ui.review.clip_row import ClipRow, build_clip_row


def _model(jobs_list: list[Job]) -> ClipModel:
    def make(job: Job, version: int) -> ClipRow:
        return build_clip_row(job, version, Path("/nonexistent"), {})

    model = ClipModel(make)
    model.set_jobs(jobs_list)
    return model


def test_each_criterion(jobs) -> None:  # type: ignore[no-untyped-def]
    job = dataclasses.replace(
        jobs.make(1, JobStatus.READY),
        prompt="A Fox in SNOW at dawn #winter",
        review_status=ReviewStatus.APPROVED,
        character_ids=("char_mira",),
        created_at=1000.0,
    )
    assert ClipFilter().matches(job)
    assert ClipFilter(review_statuses=frozenset({ReviewStatus.APPROVED})).matches(job)
    assert not ClipFilter(review_statuses=frozenset({ReviewStatus.REJECTED})).matches(job)
    assert ClipFilter(models=frozenset({"sora-2"})).matches(job)
    assert not ClipFilter(models=frozenset({"sora-2-pro"})).matches(job)
    assert not ClipFilter(sizes=frozenset({"720x1280"})).matches(job)
    assert not ClipFilter(providers=frozenset({"openai"})).matches(job)
    assert ClipFilter(created_from=1000.0, created_to=1001.0).matches(job)
    assert not ClipFilter(created_from=1000.5).matches(job)
    assert not ClipFilter(created_to=1000.0).matches(job)
    assert ClipFilter(tag="#Winter").matches(job) and not ClipFilter(tag="summer").matches(job)
    assert ClipFilter(character="mira").matches(job)
    assert not ClipFilter(character="otto").matches(job)
    assert ClipFilter(text="snow fox").matches(job)  # every word, any order, any case
    assert not ClipFilter(text="snow cat").matches(job)
    failed = dataclasses.replace(job, status=JobStatus.BLOCKED)
    assert not ClipFilter(hide_failed=True).matches(failed)
    assert ClipFilter(hide_failed=True).matches(job)


def test_proxy_filters_and_passes_model_tester(qtmodeltester, jobs) -> None:  # type: ignore[no-untyped-def]
    model = _model(jobs.mixed())
    proxy = ClipFilterProxy(model)
    qtmodeltester.check(proxy, force_py=True)
    proxy.set_filter(ClipFilter(hide_failed=True))
    shown = {proxy.job_id_at(r) for r in range(proxy.rowCount())}
    assert shown == {1, 2, 3, 4, 5, 8, 10}  # failed 6, blocked 7, cancelled 9 hidden
    proxy.set_filter(ClipFilter(models=frozenset({"sora-2-pro"})))
    assert [proxy.job_id_at(r) for r in range(proxy.rowCount())] == [10]
    qtmodeltester.check(proxy, force_py=True)


def test_a_changed_job_is_refiltered_by_itself(jobs) -> None:  # type: ignore[no-untyped-def]
    model = _model(jobs.mixed())
    proxy = ClipFilterProxy(model)
    proxy.set_filter(ClipFilter(review_statuses=frozenset({ReviewStatus.APPROVED})))
    assert proxy.rowCount() == 0
    model.upsert_job(dataclasses.replace(model.job(1), review_status=ReviewStatus.APPROVED))  # type: ignore[arg-type]
    assert proxy.rowCount() == 1 and proxy.job_id_at(0) == 1


def test_proxy_sort_is_forwarded_to_the_model(jobs) -> None:  # type: ignore[no-untyped-def]
    model = _model(jobs.mixed())
    proxy = ClipFilterProxy(model)
    proxy.set_sort(SortKey.COST, descending=True)
    assert proxy.job_id_at(0) == 10
    assert proxy.proxy_index_of(10).row() == 0
