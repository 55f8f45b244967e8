"""Jobs and assets: round trips, updates, queries, lineage, money exactness."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import (
    Asset,
    AssetVariant,
    Brief,
    ErrorClass,
    Job,
    JobStatus,
    LineageKind,
    Operation,
    ReviewStatus,
)
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository

MakeJob = Callable[..., Job]


def test_job_round_trips_every_field(repo: Repository, make_job: MakeJob, db_path: Path) -> None:
    parent = make_job()
    batch = repo.create_batch(provider="emulator", model="sora-2")
    brief = Brief(subject="a kite", camera="slow dolly", audio="wind", free_text="golden hour")
    job = make_job(
        fingerprint="fp-full",
        status=JobStatus.QUEUED_LOCAL,
        operation=Operation.REMIX,
        brief=brief,
        estimate_cents=Decimal("12.345"),
        parent_id=parent.id,
        lineage_kind=LineageKind.REMIX,
        use_batch=True,
        reference_path="/refs/kite.png",
        character_ids=("char_1", "char_2"),
        source_remote_id="video_src",
        batch_id=batch.id,
    )
    job = repo.update_job(
        job.id,
        progress=55,
        error_class=ErrorClass.TRANSIENT,
        error_message="try again",
        cost_cents=Decimal("10.005"),
        completed_at=123.5,
        expires_at=456.25,
    )
    job = repo.attach_remote_id(job.id, "video_abc")

    # Through a second, fresh connection, so nothing comes from a cache.
    other = Repository(open_db(db_path))
    try:
        again = other.require_job(job.id)
    finally:
        other.close()
    assert again == job
    assert again.brief == brief
    assert again.character_ids == ("char_1", "char_2")
    assert again.estimate_cents == Decimal("12.345")
    assert again.cost_cents == Decimal("10.005")
    assert again.operation is Operation.REMIX
    assert again.lineage_kind is LineageKind.REMIX
    assert again.error_class is ErrorClass.TRANSIENT
    assert again.use_batch is True
    assert again.batch_id == batch.id
    assert again.remote_id == "video_abc"
    assert again.submitted_at is not None
    assert again.review_status is ReviewStatus.UNREVIEWED


def test_money_stays_exact(repo: Repository, make_job: MakeJob) -> None:
    # Three renders at 0.1 dollars (10 cents), and three at a tenth of a cent: floats drift,
    # Decimal text does not.
    tenth_dollar = Decimal("0.1") * 100
    jobs = [make_job(estimate_cents=tenth_dollar) for _ in range(3)]
    jobs += [make_job(estimate_cents=Decimal("0.1")) for _ in range(3)]
    stored = [repo.require_job(j.id).estimate_cents for j in jobs]
    assert sum(stored[:3], Decimal(0)) == Decimal("30")
    assert sum(stored[3:], Decimal(0)) == Decimal("0.3")
    assert 0.1 + 0.1 + 0.1 != 0.3  # the trap we are avoiding
    assert str(stored[3]) == "0.1"


def test_nan_money_is_refused(repo: Repository, make_job: MakeJob) -> None:
    with pytest.raises(ValueError, match="finite"):
        make_job(estimate_cents=Decimal("NaN"))


def test_create_job_commits_immediately(repo: Repository, make_job: MakeJob, db_path: Path) -> None:
    job = make_job(status=JobStatus.SUBMITTING)
    reader = Repository(open_db(db_path))
    try:
        assert reader.require_job(job.id).status is JobStatus.SUBMITTING
    finally:
        reader.close()


def test_update_job_validates_and_converts(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    updated = repo.update_job(job.id, status="in_progress", cost_cents="7.5")
    assert updated.status is JobStatus.IN_PROGRESS
    assert updated.cost_cents == Decimal("7.5")
    assert updated.updated_at > job.updated_at
    with pytest.raises(ValueError, match="cannot change review_status"):
        repo.update_job(job.id, review_status=ReviewStatus.APPROVED)
    with pytest.raises(ValueError, match="cannot change colour"):
        repo.update_job(job.id, colour="red")
    with pytest.raises(ValueError):
        repo.update_job(job.id, status="not-a-status")
    with pytest.raises(UserError, match="no job with id 999"):
        repo.update_job(999, progress=1)
    with pytest.raises(UserError):
        repo.update_job(job.id, progress=101)  # CHECK constraint, reported clearly


def test_get_and_require(repo: Repository) -> None:
    assert repo.get_job(42) is None
    with pytest.raises(UserError, match="no job with id 42"):
        repo.require_job(42)


def test_remote_id_is_unique_and_findable(repo: Repository, make_job: MakeJob) -> None:
    first = make_job()
    second = make_job()
    repo.attach_remote_id(first.id, "video_1")
    found = repo.find_job_by_remote_id("video_1")
    assert found is not None and found.id == first.id
    assert repo.find_job_by_remote_id("video_none") is None
    with pytest.raises(UserError, match="already belongs to job"):
        repo.attach_remote_id(second.id, "video_1")


def test_find_by_fingerprint(repo: Repository, make_job: MakeJob) -> None:
    a = make_job(fingerprint="same", status=JobStatus.SUBMITTING)
    b = make_job(fingerprint="same", status=JobStatus.READY)
    make_job(fingerprint="other")
    assert [j.id for j in repo.find_jobs_by_fingerprint("same")] == [a.id, b.id]
    only = repo.find_jobs_by_fingerprint("same", statuses=[JobStatus.SUBMITTING])
    assert [j.id for j in only] == [a.id]


def test_list_filters_orders_and_limits(repo: Repository, make_job: MakeJob) -> None:
    a = make_job(status=JobStatus.READY, provider="emulator")
    b = make_job(status=JobStatus.FAILED, provider="openai")
    c = make_job(status=JobStatus.READY, provider="openai")
    assert [j.id for j in repo.list_jobs()] == [c.id, b.id, a.id]
    assert [j.id for j in repo.list_jobs(order="created_at ASC")] == [a.id, b.id, c.id]
    assert [j.id for j in repo.list_jobs(statuses=[JobStatus.READY])] == [c.id, a.id]
    assert [j.id for j in repo.list_jobs(provider="openai")] == [c.id, b.id]
    assert [j.id for j in repo.list_jobs(limit=1)] == [c.id]
    assert repo.list_jobs(statuses=[]) == []
    assert repo.job_ids(statuses=[JobStatus.READY], order="id ASC") == [a.id, c.id]
    assert repo.count_jobs(JobStatus.READY) == 2
    assert repo.count_jobs() == 3
    with pytest.raises(ValueError, match="order must be one of"):
        repo.list_jobs(order="id; DROP TABLE jobs")


def test_jobs_in_status_and_queue_positions(repo: Repository, make_job: MakeJob) -> None:
    first = make_job(status=JobStatus.QUEUED_LOCAL)
    second = make_job(status=JobStatus.QUEUED_LOCAL)
    make_job(status=JobStatus.READY)
    assert second.queue_position == first.queue_position + 1
    repo.update_job(first.id, queue_position=repo.next_queue_position())  # move to the back
    queued = repo.jobs_in_status(JobStatus.QUEUED_LOCAL, JobStatus.SUBMITTING)
    assert [j.id for j in queued] == [second.id, first.id]


def test_lineage(repo: Repository, make_job: MakeJob) -> None:
    root = make_job()
    remix = make_job(parent_id=root.id, lineage_kind=LineageKind.REMIX)
    extension = make_job(parent_id=remix.id, lineage_kind=LineageKind.EXTENSION)
    retry = make_job(parent_id=root.id, lineage_kind=LineageKind.RETRY)
    unrelated = make_job()
    assert [j.id for j in repo.children(root.id)] == [remix.id, retry.id]
    assert repo.lineage_root(extension.id).id == root.id
    assert repo.lineage_root(root.id).id == root.id
    family = [j.id for j in repo.lineage(extension.id)]
    assert family == [root.id, remix.id, extension.id, retry.id]
    assert unrelated.id not in family
    with pytest.raises(UserError, match="no job with id 77"):
        repo.lineage_root(77)
    with pytest.raises(UserError, match="parent"):
        make_job(parent_id=77)


def test_delete_job_cascades_and_orphans_children(repo: Repository, make_job: MakeJob) -> None:
    parent = make_job()
    child = make_job(parent_id=parent.id, lineage_kind=LineageKind.EDIT)
    repo.upsert_asset(Asset(parent.id, AssetVariant.VIDEO, "/v.mp4", 10, "ab" * 32, True))
    repo.add_review(parent.id, ReviewStatus.APPROVED, "ana")
    repo.undo_last_review(parent.id)
    note = repo.add_note(parent.id, 100, "too dark", "ana")
    repo.link_note_result(note.id, child.id)
    repo.log_event("submitted", {"x": 1}, job_id=parent.id)

    repo.delete_job(parent.id)

    assert repo.get_job(parent.id) is None
    assert repo.assets_for(parent.id) == {}
    assert repo.reviews_for(parent.id) == []
    assert repo.notes_for(parent.id) == []
    assert repo.require_job(child.id).parent_id is None
    assert repo.events()[0].job_id is None  # the audit log outlives the job
    with pytest.raises(UserError):
        repo.delete_job(parent.id)


def test_assets_upsert_and_lookup(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    video = Asset(job.id, AssetVariant.VIDEO, "/lib/1/video.mp4", 1234, "AB" * 32, False)
    stored = repo.upsert_asset(video)
    assert stored.sha256 == "ab" * 32
    assert stored.created_at > 0
    thumb = repo.upsert_asset(
        Asset(job.id, AssetVariant.THUMBNAIL, "/lib/1/t.webp", 99, "cd" * 32, True, 5.0)
    )
    assert thumb.created_at == 5.0
    verified = repo.upsert_asset(replace(stored, verified=True, bytes=2000))
    assets = repo.assets_for(job.id)
    assert set(assets) == {AssetVariant.VIDEO, AssetVariant.THUMBNAIL}
    assert assets[AssetVariant.VIDEO] == verified
    assert assets[AssetVariant.VIDEO].verified is True
    assert assets[AssetVariant.VIDEO].bytes == 2000
    assert repo.find_asset_by_sha256("AB" * 32) == verified
    assert repo.find_asset_by_sha256("ef" * 32) is None
    repo.delete_asset(job.id, AssetVariant.THUMBNAIL)
    assert set(repo.assets_for(job.id)) == {AssetVariant.VIDEO}
    with pytest.raises(UserError, match="job 999"):
        repo.upsert_asset(replace(video, job_id=999))


def test_filter_by_review_status(repo: Repository, make_job: MakeJob) -> None:
    approved = make_job(status=JobStatus.READY)
    rejected = make_job(status=JobStatus.READY)
    fresh = make_job(status=JobStatus.READY)
    repo.add_review(approved.id, ReviewStatus.APPROVED, "ana")
    repo.add_review(rejected.id, ReviewStatus.REJECTED, "ana")
    assert repo.job_ids(review_statuses=[ReviewStatus.APPROVED]) == [approved.id]
    assert repo.job_ids(review_statuses=["unreviewed", "rejected"], order="id ASC") == [
        rejected.id,
        fresh.id,
    ]
    assert repo.list_jobs(review_statuses=[]) == []
