"""The whole engine against each real server's dialect, as the emulator's compat modes play them.

Every test saves the provider profile a person would (the server's preset, its base URL), then
renders through the real SDK and checks the end state: files on disk that decode, the right
status for what the server cannot do, and nothing sent twice. LiteLLM itself also runs for real
in tests/providers; these cover the servers that need GPUs (SGLang, vLLM-Omni, Dynamo).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import AssetVariant, ErrorClass, JobStatus
from sora_studio.emulator.server import EmulatorServer
from sora_studio.media.probe import probe_video, verify_image
from sora_studio.services.engine import JobEngine
from sora_studio.services.providers import ProviderRegistry
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.emulator.compat_support import start
from tests.services.conftest import FAST_POLICY, Studio, order, save_gateway

pytestmark = pytest.mark.slow

PROVIDER = "server"


def _stats(server: EmulatorServer) -> dict[str, int]:
    root = server.base_url.removesuffix("/v1")
    counts: dict[str, int] = httpx.get(f"{root}/_emulator/stats").json()["requests"]
    return counts


def _studio(root: Path, server: EmulatorServer, preset: str, **fields: Any) -> Studio:
    repo = Repository(open_db(root / "studio.sqlite3"))
    save_gateway(repo, PROVIDER, server.base_url, preset, **fields)
    registry = ProviderRegistry(repo, env={})
    engine = JobEngine(repo, registry, root / "library", policy=FAST_POLICY)
    return Studio(root, server, repo, registry, engine)


StudioFactory = Callable[..., Studio]


@pytest.fixture
def studio_for(tmp_path: Path) -> Iterator[StudioFactory]:
    made: list[tuple[Studio, EmulatorServer]] = []

    def make(
        mode: str, preset: str, settings: dict[str, Any] | None = None, **fields: Any
    ) -> Studio:
        server = start(tmp_path / f"emulator-{mode}", mode, **(settings or {}))
        studio = _studio(tmp_path / f"studio-{mode}", server, preset, **fields)
        made.append((studio, server))
        return studio

    yield make
    for studio, server in made:
        studio.engine.shutdown(5.0)
        studio.repo.close()
        server.stop()


def _assert_ready_with_files(studio: Studio, job_id: int) -> None:
    job = studio.job(job_id)
    assert job.status is JobStatus.READY, (job.status, job.error_class, job.error_message)
    assets = studio.repo.assets_for(job_id)
    assert set(assets) == set(AssetVariant)
    info = probe_video(assets[AssetVariant.VIDEO].path)
    assert f"{info.width}x{info.height}" == job.size
    verify_image(assets[AssetVariant.THUMBNAIL].path)
    verify_image(assets[AssetVariant.SPRITESHEET].path)


# --- LiteLLM ------------------------------------------------------------------------------------


def test_litellm_renders_variants_and_every_operation_it_routes(studio_for: StudioFactory) -> None:
    studio = studio_for("litellm", "litellm")
    jobs = studio.engine.submit(order(provider=PROVIDER, variants=3))
    studio.settle(*(j.id for j in jobs), timeout_s=60)
    for job in jobs:
        _assert_ready_with_files(studio, job.id)
    source = jobs[0].id
    children = [
        studio.engine.remix(source, "the same boat, at night"),
        studio.engine.edit(source, "make the boat red"),
        studio.engine.extend(source, "the boat reaches the shore", 4),
    ]
    done = studio.settle(*(c.id for c in children), timeout_s=60)
    assert [j.status for j in done] == [JobStatus.READY] * 3
    assert done[2].seconds == jobs[0].seconds + 4  # the stitched total
    stats = _stats(studio.emulator)
    assert stats.get("GET /v1/videos", 0) in (0, 1)  # at most the one refused list call
    with pytest.raises(UserError, match="cannot use characters"):
        studio.engine.upload_character(PROVIDER, "Mochi", Path("clip.mp4"))
    note = studio.engine.delete(source, remote=True)
    assert "stays there until it expires" in note


# --- SGLang Diffusion ---------------------------------------------------------------------------


def test_sglang_renders_a_wan_model_and_refuses_what_it_lacks(studio_for: StudioFactory) -> None:
    studio = studio_for("sglang", "sglang")
    jobs = studio.engine.submit(
        order(
            provider=PROVIDER,
            model="wan-2.2-ti2v-5b",
            size="1280x704",
            seconds=5,
            variants=2,
            extras=(("seed", 7),),
        )
    )
    studio.settle(*(j.id for j in jobs), timeout_s=60)
    for job in jobs:
        _assert_ready_with_files(studio, job.id)
        stored = dict(studio.job(job.id).extras)
        assert stored["num_frames"] == 121 and stored["fps"] == 24 and stored["seed"] == 7
    before = sum(_stats(studio.emulator).values())
    for operation in (studio.engine.remix, studio.engine.edit):
        with pytest.raises(UserError, match=r"“server” \(SGLang Diffusion\) cannot"):
            operation(jobs[0].id, "again, at dusk")
    with pytest.raises(UserError, match="cannot extend"):
        studio.engine.extend(jobs[0].id, "longer", 4)
    assert sum(_stats(studio.emulator).values()) == before


def test_a_restarted_sglang_server_leaves_lost_jobs_not_stuck_ones(
    tmp_path: Path, studio_for: StudioFactory
) -> None:
    studio = studio_for("sglang", "sglang", {"min_job_seconds": 30.0})
    (job,) = studio.engine.submit(
        order(provider=PROVIDER, model="wan-2.2-ti2v-5b", size="1280x704", seconds=5)
    )
    studio.run_until(lambda: studio.job(job.id).remote_id is not None)
    port = int(studio.emulator.base_url.rsplit(":", 1)[1].split("/")[0])
    studio.emulator.stop()
    restarted = start(tmp_path / "emulator-sglang", "sglang", port=port)
    try:
        studio.engine._core.job_poll_at[job.id] = 0.0  # ask now rather than at its estimate
        (lost,) = studio.settle(job.id, timeout_s=30)
        assert lost.status is JobStatus.FAILED and lost.error_class is ErrorClass.LOST
        assert "keeps jobs only in memory" in (lost.error_message or "")
        assert _stats(restarted).get("POST /v1/videos", 0) == 0  # never resent by itself
    finally:
        restarted.stop()


# --- vLLM-Omni ----------------------------------------------------------------------------------


def test_vllm_omni_takes_multipart_and_cancels_on_delete(studio_for: StudioFactory) -> None:
    studio = studio_for(
        "vllm-omni",
        "vllm-omni",
        {"served_model": "Wan-AI/Wan2.2-TI2V-5B-Diffusers"},
        served_models=("Wan-AI/Wan2.2-TI2V-5B-Diffusers",),
    )
    model = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
    jobs = studio.engine.submit(
        order(provider=PROVIDER, model=model, size="1280x704", seconds=5, variants=2)
    )
    studio.settle(*(j.id for j in jobs), timeout_s=60)
    for job in jobs:
        _assert_ready_with_files(studio, job.id)
    studio.faults(min_job_seconds=30.0)
    (slow,) = studio.engine.submit(
        order(provider=PROVIDER, model=model, size="1280x704", seconds=5)
    )
    studio.run_until(lambda: studio.job(slow.id).remote_id is not None)
    cancelled = studio.engine.cancel(slow.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert "Cancelled on the provider" in (cancelled.error_message or "")


# --- NVIDIA Dynamo ------------------------------------------------------------------------------


@pytest.mark.parametrize("media_url", ["file", "http"])
def test_dynamo_answers_when_done_and_the_result_is_downloaded(
    studio_for: StudioFactory, media_url: str
) -> None:
    model = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    studio = studio_for(
        "dynamo",
        "dynamo",
        {"media_url": media_url, "served_model": model},
        served_models=(model,),
    )
    jobs = studio.engine.submit(
        order(provider=PROVIDER, model=model, size="832x480", seconds=5, variants=2)
    )
    studio.settle(*(j.id for j in jobs), timeout_s=90)
    for job in jobs:
        _assert_ready_with_files(studio, job.id)
        assert studio.job(job.id).result_url
    stats = _stats(studio.emulator)
    assert stats["POST /v1/videos"] == 2
    assert not any(route.startswith("GET /v1/videos") for route in stats)
