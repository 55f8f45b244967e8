"""The engine against providers that speak /v1/videos differently, driven by capabilities.

Each test saves a provider profile (a preset plus overrides, as Settings would) pointing at the
built-in emulator, so every request goes through the real SDK to a real server; the capability
profile makes the engine behave as it must with LiteLLM (no list, no delete, previews not served),
SGLang (no prompt echo) and the like. The emulator's request counters prove what was (not) asked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import AssetVariant, ErrorClass, JobStatus
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.engine import JobEngine
from sora_studio.services.providers import ProviderRegistry
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.services.conftest import FAST_POLICY, Studio, order, save_gateway

GATEWAY = "gateway"


def _stats(emulator: EmulatorServer) -> dict[str, int]:
    root = emulator.base_url.removesuffix("/v1")
    counts: dict[str, int] = httpx.get(f"{root}/_emulator/stats").json()["requests"]
    return counts


def _studio(root: Path, emulator: EmulatorServer, **capabilities: Any) -> Studio:
    repo = Repository(open_db(root / "studio.sqlite3"))
    save_gateway(repo, GATEWAY, emulator.base_url, "generic", capability_overrides=capabilities)
    registry = ProviderRegistry(repo, env={}, emulator_base_url=emulator.base_url)
    engine = JobEngine(repo, registry, root / "library", policy=FAST_POLICY)
    return Studio(root, emulator, repo, registry, engine)


@pytest.fixture
def no_list(tmp_path: Path, emulator: EmulatorServer) -> Iterator[Studio]:
    """A LiteLLM-like provider: no list, no delete, only the video served, no prompt echo."""
    studio = _studio(
        tmp_path / "studio",
        emulator,
        list_videos=False,
        delete=False,
        content_variants=["video"],
        prompt_echoed=False,
        features=["remix", "edit", "extend", "reference_image"],
    )
    yield studio
    studio.engine.shutdown(5.0)
    studio.repo.close()


def test_a_provider_without_list_is_polled_job_by_job(no_list: Studio) -> None:
    jobs = no_list.engine.submit(order(provider=GATEWAY, variants=3))
    done = no_list.settle(*(j.id for j in jobs))
    assert [j.status for j in done] == [JobStatus.READY] * 3
    stats = _stats(no_list.emulator)
    assert stats.get("GET /v1/videos", 0) == 0, "a provider without list was asked to list"
    assert stats["GET /v1/videos/{video_id}"] >= 3
    for job in done:
        assets = no_list.repo.assets_for(job.id)
        assert set(assets) == set(AssetVariant)
        assert job.base_url == no_list.emulator.base_url


def test_previews_not_served_are_made_from_the_mp4(no_list: Studio) -> None:
    (job,) = no_list.engine.submit(order(provider=GATEWAY))
    (done,) = no_list.settle(job.id)
    assert done.status is JobStatus.READY
    downloaded = [e for e in no_list.repo.events(job_id=job.id, kind="downloaded")]
    assert json.loads(downloaded[0].detail)["made_locally"] == ["thumbnail", "spritesheet"]
    # Only the video was fetched from the provider.
    assert _stats(no_list.emulator)["GET /v1/videos/{video_id}/content"] == 1
    recipe = json.loads(
        (
            Path(no_list.repo.assets_for(job.id)[AssetVariant.VIDEO].path).parent / "recipe.json"
        ).read_text()
    )
    assert recipe["files"]["thumbnail"]["made_locally"] is True


def test_delete_on_a_provider_that_cannot_delete_is_local_with_a_note(no_list: Studio) -> None:
    (job,) = no_list.engine.submit(order(provider=GATEWAY))
    no_list.settle(job.id)
    note = no_list.engine.delete(job.id, remote=True)
    assert "stays there until it expires" in note
    assert no_list.job(job.id).status is JobStatus.DELETED
    assert _stats(no_list.emulator).get("DELETE /v1/videos/{video_id}", 0) == 0


def test_operations_the_provider_lacks_are_refused_before_any_request(no_list: Studio) -> None:
    (job,) = no_list.engine.submit(order(provider=GATEWAY))
    no_list.settle(job.id)
    before = sum(_stats(no_list.emulator).values())
    with pytest.raises(UserError, match=r"“gateway”.*cannot use characters"):
        no_list.engine.upload_character(GATEWAY, "Mochi", Path("/nonexistent.mp4"))
    assert sum(_stats(no_list.emulator).values()) == before  # nothing reached the provider


def test_remix_refused_on_a_provider_without_remix(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    studio = _studio(tmp_path / "s", emulator, features=["edit"])
    try:
        (job,) = studio.engine.submit(order(provider=GATEWAY))
        studio.settle(job.id)
        with pytest.raises(UserError, match=r"cannot remix videos.*Settings › Providers"):
            studio.engine.remix(job.id, "the same boat at night")
        assert studio.engine.edit(job.id, "the same boat at night").status is JobStatus.QUEUED_LOCAL
    finally:
        studio.engine.shutdown(5.0)
        studio.repo.close()


def test_a_crash_mid_send_on_a_provider_without_list_is_unconfirmed_at_once(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    studio = _studio(tmp_path / "s", emulator, list_videos=False)
    try:
        (job,) = studio.engine.submit(order(provider=GATEWAY))
        # What a crash between "claimed" and "remote id committed" leaves behind.
        studio.repo.update_job(job.id, status=JobStatus.SUBMITTING, updated_at=0.0)
        report = studio.engine.reconcile()
        assert report.unconfirmed == (job.id,)
        assert report.requests_made == 0
        failed = studio.job(job.id)
        assert failed.error_class is ErrorClass.SUBMIT_UNCONFIRMED
        assert "cannot list its videos" in (failed.error_message or "")
    finally:
        studio.engine.shutdown(5.0)
        studio.repo.close()


def test_a_known_id_that_now_404s_is_lost_by_the_provider(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    emulator.emulator.update_settings({"min_job_seconds": 30.0})
    studio = _studio(tmp_path / "s", emulator, list_videos=False)
    try:
        (job,) = studio.engine.submit(order(provider=GATEWAY))
        studio.run_until(lambda: studio.job(job.id).remote_id is not None)
        remote_id = studio.job(job.id).remote_id
        assert remote_id
        # The provider forgets it (a restart of a server that keeps jobs in memory).
        emulator.emulator.state.videos.delete(remote_id)
        studio.engine._core.job_poll_at[job.id] = 0.0  # ask now rather than at its estimate
        (lost,) = studio.settle(job.id)
        assert lost.status is JobStatus.FAILED
        assert lost.error_class is ErrorClass.LOST
        assert "Re-render it" in (lost.error_message or "")
        # Never resent by itself.
        assert _stats(emulator)["POST /v1/videos"] == 1
    finally:
        studio.engine.shutdown(5.0)
        studio.repo.close()
