"""Full lifecycles against the emulator, one per operation, with lineage, files and cost."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from sora_studio.core.errors import UserError
from sora_studio.core.models import AssetVariant, JobStatus, LineageKind, Operation
from sora_studio.media.probe import probe_video
from tests.services.conftest import PROMPT, Studio, order


def _ready(studio: Studio, *job_ids: int) -> None:
    jobs = studio.settle(*job_ids)
    for job in jobs:
        assert job.status is JobStatus.READY, (job.error_class, job.error_message)


def test_create_downloads_three_verified_files_with_recipe(studio: Studio) -> None:
    [job] = studio.engine.submit(order())
    assert job.status is JobStatus.QUEUED_LOCAL and job.fingerprint
    assert job.estimate_cents == Decimal("40")
    _ready(studio, job.id)
    job = studio.job(job.id)
    assert job.cost_cents == Decimal("40") and job.remote_id
    assets = studio.repo.assets_for(job.id)
    assert set(assets) == set(AssetVariant)
    folder = Path(assets[AssetVariant.VIDEO].path).parent
    assert folder.name == str(job.id) and folder.parent.parent == studio.library
    assert all(a.verified and len(a.sha256) == 64 for a in assets.values())
    assert sorted(p.name for p in folder.iterdir()) == [
        "recipe.json",
        "spritesheet.jpg",
        "thumbnail.webp",
        "video.mp4",
    ]
    recipe = json.loads((folder / "recipe.json").read_text())
    assert recipe["prompt"] == PROMPT and Decimal(recipe["cost_cents"]) == 40
    assert recipe["files"]["video"]["sha256"] == assets[AssetVariant.VIDEO].sha256
    info = probe_video(assets[AssetVariant.VIDEO].path)
    assert (info.width, info.height) == (1280, 720)


def test_reference_image_and_variants(studio: Studio, tmp_path: Path) -> None:
    ref = tmp_path / "first.png"
    Image.new("RGB", (1280, 720), (40, 90, 160)).save(ref)
    jobs = studio.engine.submit(order(reference_path=str(ref), variants=2))
    assert len(jobs) == 2 and jobs[0].fingerprint != jobs[1].fingerprint
    _ready(studio, *(j.id for j in jobs))
    remote_ids = {studio.job(j.id).remote_id for j in jobs}
    assert len(remote_ids) == 2


def test_preflight_reports_problems_without_sending(studio: Studio, tmp_path: Path) -> None:
    ref = tmp_path / "wrong.png"
    Image.new("RGB", (640, 480)).save(ref)
    check = studio.engine.preflight(order(size="1920x1080", reference_path=str(ref)))
    assert not check.ok
    assert {p.field for p in check.problems} >= {"size", "reference"}
    with pytest.raises(UserError, match="size"):
        studio.engine.submit(order(size="1920x1080"))
    assert studio.repo.list_jobs() == []
    assert studio.emulator.stats()["total"] == 0


def test_remix_edit_extend_promote_regenerate_record_lineage(studio: Studio) -> None:
    [original] = studio.engine.submit(order())
    _ready(studio, original.id)
    engine = studio.engine
    remix = engine.remix(original.id, PROMPT + ", in watercolour")
    edit = engine.edit(original.id, PROMPT + ", the boat is red")
    extension = engine.extend(original.id, PROMPT + ", the boat reaches the shore", 4)
    current, pro = engine.promotion_quote(original.id, "1280x720")
    assert (current, pro) == (Decimal("40"), Decimal("120"))
    promoted = engine.promote(original.id, "1280x720")
    again = engine.regenerate(original.id)
    children = [remix, edit, extension, promoted, again]
    _ready(studio, *(j.id for j in children))
    expected = {
        remix.id: (Operation.REMIX, LineageKind.REMIX),
        edit.id: (Operation.EDIT, LineageKind.EDIT),
        extension.id: (Operation.EXTEND, LineageKind.EXTENSION),
        promoted.id: (Operation.CREATE, LineageKind.PROMOTION),
        again.id: (Operation.CREATE, LineageKind.REGENERATE),
    }
    for job_id, (operation, kind) in expected.items():
        job = studio.job(job_id)
        assert (job.operation, job.lineage_kind, job.parent_id) == (operation, kind, original.id)
    ext = studio.job(extension.id)
    assert ext.seconds == 8  # stitched total
    assert ext.cost_cents == Decimal("40")  # only the new 4 s segment is billed
    video = studio.repo.assets_for(ext.id)[AssetVariant.VIDEO].path
    assert abs(probe_video(video).duration_s - 8) < 0.3
    assert studio.job(promoted.id).model == "sora-2-pro"
    assert studio.job(promoted.id).cost_cents == Decimal("120")
    family = {j.id for j in studio.repo.lineage(original.id)}
    assert family == {original.id, *expected}


def test_retry_of_a_failed_job_is_a_new_render_with_lineage(studio: Studio) -> None:
    studio.faults(failure_rate=1.0)
    [job] = studio.engine.submit(order())
    [failed] = studio.settle(job.id)
    assert failed.status is JobStatus.FAILED and failed.error_class is not None
    studio.faults(failure_rate=0.0)
    retry = studio.engine.retry(job.id)
    assert (retry.parent_id, retry.lineage_kind) == (job.id, LineageKind.RETRY)
    _ready(studio, retry.id)


def test_characters_are_checked_uploaded_and_used(studio: Studio, tmp_path: Path) -> None:
    short = tmp_path / "short.mp4"
    short.write_bytes(b"not a video")
    with pytest.raises(UserError):
        studio.engine.upload_character("emulator", "Pip", short)
    [clip_job] = studio.engine.submit(order())
    _ready(studio, clip_job.id)
    clip = Path(studio.repo.assets_for(clip_job.id)[AssetVariant.VIDEO].path)
    character = studio.engine.upload_character("emulator", "Pip", clip)
    assert character.remote_id.startswith("char_")
    [job] = studio.engine.submit(
        order(prompt="Pip the paper fox hops across a pond", character_ids=(character.remote_id,))
    )
    _ready(studio, job.id)
    with pytest.raises(UserError, match="at most 2"):
        studio.engine.submit(order(prompt="Pip", character_ids=("a", "b", "c")))


def test_cancel_local_and_remote_jobs(studio: Studio) -> None:
    studio.engine.pause()
    [local] = studio.engine.submit(order())
    studio.step()
    assert studio.job(local.id).status is JobStatus.QUEUED_LOCAL  # paused: nothing sent
    assert studio.engine.cancel(local.id).status is JobStatus.CANCELLED
    studio.engine.resume()
    studio.faults(min_job_seconds=1.0)
    [remote] = studio.engine.submit(order())
    studio.run_until(lambda: studio.job(remote.id).remote_id is not None)
    cancelled = studio.engine.cancel(remote.id)
    assert cancelled.status is JobStatus.CANCELLED
    remote_id = cancelled.remote_id
    # The emulator finishes it; the engine then deletes the provider's copy.
    studio.run_until(lambda: all(v["id"] != remote_id for v in studio.remote_videos()), 10)
    assert studio.repo.assets_for(remote.id) == {}
    assert studio.job(local.id).remote_id is None


def test_delete_removes_files_and_the_remote_copy(studio: Studio) -> None:
    [job] = studio.engine.submit(order())
    _ready(studio, job.id)
    folder = Path(studio.repo.assets_for(job.id)[AssetVariant.VIDEO].path).parent
    studio.engine.delete(job.id, remote=True)
    assert not folder.exists()
    assert studio.job(job.id).status is JobStatus.DELETED
    assert studio.remote_videos() == []


def test_reorder_and_concurrency_limit(studio: Studio) -> None:
    studio.engine.pause()
    jobs = [studio.engine.submit(order(prompt=f"{PROMPT} {i}"))[0] for i in range(6)]
    studio.engine.reorder(jobs[5].id, 0)
    queue = studio.repo.jobs_in_status(JobStatus.QUEUED_LOCAL)
    assert queue[0].id == jobs[5].id
    studio.faults(min_job_seconds=2.0)
    studio.engine.resume()
    studio.step()
    sent = [j for j in studio.repo.list_jobs() if j.remote_id]
    assert len(sent) == 4  # the emulator profile's concurrency limit
    assert jobs[5].id in {j.id for j in sent}


def test_two_engines_on_one_library_send_each_job_once(studio: Studio) -> None:
    from tests.services.conftest import make_engine

    other_repo, other = make_engine(studio.root, studio.emulator.base_url)
    try:
        jobs = studio.engine.submit(order(variants=3))
        other.poll_once()  # the second engine (think: the CLI beside the desk) claims them
        studio.step()
        done = studio.settle(*(j.id for j in jobs))
        assert all(j.status is JobStatus.READY for j in done)
        assert len(studio.remote_videos()) == 3
    finally:
        other.shutdown(5.0)
        other_repo.close()
