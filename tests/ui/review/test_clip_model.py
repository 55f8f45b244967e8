"""The grid's item model: Qt's model contract, lazy rows, single-row updates, sorting."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QPersistentModelIndex

from sora_studio.core.models import Job, JobStatus, LineageKind, ReviewStatus
from sora_studio.ui.review.clip_model import ClipModel, ClipRoles, SortKey
from sora_studio.ui.review.clip_row import ClipRow, build_clip_row, versions_by_id


def _factory(built: list[int]):  # type: ignore[no-untyped-def]
    def make(job: Job, version: int) -> ClipRow:
        built.append(job.id)
        return build_clip_row(job, version, Path("/nonexistent-library"), {})

    return make


def test_model_passes_qt_model_tester(qtmodeltester, jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    qtmodeltester.check(model, force_py=True)
    model.upsert_job(jobs.make(99, JobStatus.READY))
    model.remove_job(3)
    qtmodeltester.check(model, force_py=True)


def test_rows_are_built_lazily_and_cached(jobs) -> None:  # type: ignore[no-untyped-def]
    built: list[int] = []
    model = ClipModel(_factory(built))
    model.set_jobs(jobs.mixed())
    assert built == []  # loading 10 jobs builds no rows
    row = model.index(0, 0).data(ClipRoles.Row)
    assert isinstance(row, ClipRow) and built == [row.job_id]
    model.index(0, 0).data(ClipRoles.Row)
    assert len(built) == 1


def test_newest_first_and_deleted_jobs_hidden(jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs([*jobs.mixed(), jobs.make(50, JobStatus.DELETED)])
    ids = model.job_ids()
    assert 50 not in ids
    assert ids == sorted(ids, reverse=True)  # created_at grows with id in the fixture


def test_update_emits_data_changed_for_one_row_only(qtbot, jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    row = model.row_of(2)
    assert row is not None
    updated = dataclasses.replace(model.job(2), progress=77)  # type: ignore[arg-type]
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.upsert_job(updated)
    top, bottom = blocker.args[0], blocker.args[1]
    assert top.row() == bottom.row() == row
    assert model.index(row, 0).data(ClipRoles.Job).progress == 77


def test_new_job_is_inserted_in_sort_order_and_persistent_indexes_follow(jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    held = QPersistentModelIndex(model.index_of(4))
    newest = jobs.make(100, JobStatus.QUEUED_LOCAL)
    model.upsert_job(newest)
    assert model.row_of(100) == 0
    middle = dataclasses.replace(jobs.make(101), created_at=model.job(5).created_at + 0.5)  # type: ignore[union-attr]
    model.upsert_job(middle)
    assert model.row_of(101) == model.row_of(5) - 1  # type: ignore[operator]
    assert held.isValid() and held.data(ClipRoles.JobId) == 4


def test_sorting_by_each_key(jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    held = QPersistentModelIndex(model.index_of(7))
    model.sort_by(SortKey.COST, descending=True)
    costs = [float(model.index(r, 0).data(ClipRoles.CostCents)) for r in range(model.rowCount())]
    assert costs == sorted(costs, reverse=True) and costs[0] == 840.0
    assert held.data(ClipRoles.JobId) == 7  # the layout change moved the persistent index
    model.sort_by(SortKey.DURATION, descending=False)
    seconds = [model.index(r, 0).data(ClipRoles.Seconds) for r in range(model.rowCount())]
    assert seconds == sorted(seconds)
    approved = dataclasses.replace(model.job(1), review_status=ReviewStatus.APPROVED)  # type: ignore[arg-type]
    model.set_jobs([approved, *[j for j in jobs.mixed() if j.id != 1]])
    model.sort_by(SortKey.STATUS, descending=False)
    assert model.job_at(model.rowCount() - 1).id == 1  # approved after every unreviewed clip
    model.sort_by(SortKey.DATE, descending=False)
    assert model.job_ids() == sorted(model.job_ids())


def test_roles_expose_plain_values(jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    job = dataclasses.replace(
        jobs.make(1, JobStatus.READY), prompt="dawn #Nature shot", character_ids=("ch_1",)
    )
    model.set_jobs([job])
    index = model.index(0, 0)
    assert index.data(ClipRoles.Status) == "ready"
    assert index.data(ClipRoles.Review) == "unreviewed"
    assert index.data(ClipRoles.Tags) == ["nature"]
    assert index.data(ClipRoles.Characters) == ["ch_1"]
    assert index.data(ClipRoles.CostCents) == 80.0
    assert "#1" in index.data() or index.data() == job.prompt
    assert b"jobId" in model.roleNames().values()


def test_versions_follow_parent_chains(jobs) -> None:  # type: ignore[no-untyped-def]
    root = jobs.make(1, JobStatus.READY)
    child = dataclasses.replace(jobs.make(2, JobStatus.READY), parent_id=1)
    grandchild = dataclasses.replace(
        jobs.make(3, JobStatus.READY), parent_id=2, lineage_kind=LineageKind.EXTENSION
    )
    orphan = dataclasses.replace(jobs.make(4), parent_id=999)
    versions = versions_by_id({j.id: j for j in (grandchild, child, root, orphan)})
    assert versions == {1: 1, 2: 2, 3: 3, 4: 1}
    row = build_clip_row(grandchild, 3, Path("/lib"), {})
    assert row.version_label == "v3 · extended"


def test_ready_job_without_its_video_is_missing_media(tmp_path: Path, jobs) -> None:  # type: ignore[no-untyped-def]
    job = dataclasses.replace(jobs.make(1, JobStatus.READY), cost_cents=Decimal(40))
    row = build_clip_row(job, 1, tmp_path, {})
    assert row.media_missing
    assert row.video_path is not None and row.video_path.startswith(str(tmp_path))
    rendering = build_clip_row(jobs.make(2, JobStatus.IN_PROGRESS), 1, tmp_path, {})
    assert not rendering.media_missing and rendering.is_rendering and rendering.video_path is None


def test_add_jobs_appends_a_later_page_in_one_batch(qtbot, jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    everything = jobs.mixed()
    newest_first = sorted(everything, key=lambda j: j.created_at, reverse=True)
    model.set_jobs(newest_first[:4])
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    assert model.add_jobs(newest_first) == len(everything) - 4  # known ones are only updated
    assert inserted == [(4, len(everything) - 1)]
    assert model.job_ids() == [j.id for j in newest_first]
    # A page that interleaves with what is shown still lands in sort order.
    late = dataclasses.replace(jobs.make(77), created_at=model.job(5).created_at + 0.5)  # type: ignore[union-attr]
    assert model.add_jobs([late]) == 1
    assert model.row_of(77) == model.row_of(5) - 1  # type: ignore[operator]


def test_a_burst_of_new_clips_goes_in_with_one_insert(qtbot, qtmodeltester, jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    held = QPersistentModelIndex(model.index_of(4))
    top = max(j.created_at for j in model.jobs())
    burst = [
        dataclasses.replace(jobs.make(200 + i, JobStatus.QUEUED_LOCAL), created_at=top + 1 + i)
        for i in range(5)
    ]
    changed = dataclasses.replace(model.job(2), progress=42)  # type: ignore[arg-type]
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.upsert_jobs([*burst, changed])
    assert inserted == [(0, 4)]
    assert model.job_ids()[:5] == [204, 203, 202, 201, 200]  # newest first
    assert model.job(2).progress == 42  # type: ignore[union-attr]
    assert held.isValid() and held.data(ClipRoles.JobId) == 4
    qtmodeltester.check(model, force_py=True)


def test_a_batch_that_interleaves_with_shown_clips_lands_in_sort_order(jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    newest = jobs.make(300, JobStatus.QUEUED_LOCAL)
    middle = dataclasses.replace(jobs.make(301), created_at=model.job(5).created_at + 0.5)  # type: ignore[union-attr]
    gone = dataclasses.replace(model.job(3), status=JobStatus.DELETED)  # type: ignore[arg-type]
    model.upsert_jobs([newest, middle, gone])
    ids = model.job_ids()
    assert ids[0] == 300 and 3 not in ids
    assert model.row_of(301) == model.row_of(5) - 1  # type: ignore[operator]


def test_a_batch_with_a_parent_and_its_child_numbers_their_versions(jobs) -> None:  # type: ignore[no-untyped-def]
    model = ClipModel(_factory([]))
    model.set_jobs(jobs.mixed())
    top = max(j.created_at for j in model.jobs())
    parent = dataclasses.replace(jobs.make(400), created_at=top + 1)
    child = dataclasses.replace(
        jobs.make(401), created_at=top + 2, parent_id=400, lineage_kind=LineageKind.REMIX
    )
    model.upsert_jobs([child, parent])
    assert model.index_of(401).data(ClipRoles.Row).version == 2
    assert model.index_of(400).data(ClipRoles.Row).version == 1
