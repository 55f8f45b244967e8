"""Extras end to end below the GUI: order -> pre-flight -> job row -> the request sent, and the
three ways a job is charged (per second, per GPU-second, nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.catalog import catalog_for_profile, default_catalog
from sora_studio.core.errors import UserError
from sora_studio.core.extras import chosen_extras
from sora_studio.core.models import JobStatus
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.engine import JobEngine
from sora_studio.services.preflight import compute_preflight
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.render_requests import order_extras, request_from_job
from sora_studio.services.spend import actual_cost
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import make_job
from tests.services.conftest import FAST_POLICY, order

WAN_WIRE = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"  # what SGLang lists for the model it serves
CHOSEN = (("seed", "42"), ("num_inference_steps", 30), ("negative_prompt", "blur, watermark"))
CHOSEN_TYPED = (("seed", 42), ("num_inference_steps", 30), ("negative_prompt", "blur, watermark"))
SENT = (
    ("fps", 24),
    ("negative_prompt", "blur, watermark"),
    ("num_frames", 121),
    ("num_inference_steps", 30),
    ("seed", 42),
)


@pytest.fixture
def engine(tmp_path: Path, emulator: EmulatorServer) -> Iterator[JobEngine]:
    """An engine whose emulator profile says its server listed Wan 2.2 TI2V 5B (as SGLang's
    "Test connection" would record); nothing is polled, so no request leaves the library."""
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    registry = ProviderRegistry(
        repo,
        env={},
        emulator_base_url=emulator.base_url,
        overrides={"emulator": {"served_models": (WAN_WIRE, "sora-2")}},
    )
    engine = JobEngine(repo, registry, tmp_path / "library", policy=FAST_POLICY)
    yield engine
    engine.shutdown(5.0)
    repo.close()


def _wan(**changes: object) -> object:
    values: dict[str, object] = {
        "model": WAN_WIRE,
        "size": "1280x704",
        "seconds": 5,
        "extras": CHOSEN,
    }
    values.update(changes)
    return order(**values)


def test_extras_travel_from_order_to_job_row_to_request(engine: JobEngine) -> None:
    jobs = engine.submit(_wan(variants=2))  # type: ignore[arg-type]
    assert len(jobs) == 2
    repo = engine.repository
    for job in jobs:
        stored = repo.require_job(job.id)
        assert stored.status is JobStatus.QUEUED_LOCAL
        assert stored.model == WAN_WIRE  # the name the server knows
        assert stored.extras == SENT  # typed values converted, frames and fps added
        assert stored.estimate_cents == 0  # self-hosted, no price set
        request = request_from_job(stored, source=None, characters={})
        assert request.extras == SENT
        assert request.model == WAN_WIRE and request.seconds == 5
    # The two variants differ only by their nonce; a different seed is a different request.
    assert jobs[0].fingerprint != jobs[1].fingerprint
    reseeded = engine.submit(_wan(extras=(("seed", 7),)))[0]  # type: ignore[arg-type]
    assert reseeded.fingerprint not in {j.fingerprint for j in jobs}


def test_a_sora_job_sends_no_extras(engine: JobEngine) -> None:
    job = engine.submit(order())[0]
    assert job.extras == ()
    assert request_from_job(job, source=None, characters={}).extras == ()


def test_extras_the_model_does_not_take_are_refused_before_any_row(engine: JobEngine) -> None:
    with pytest.raises(UserError, match="Sora 2 does not take the seed setting"):
        engine.submit(order(extras=(("seed", 1),)))
    with pytest.raises(UserError, match="The seed must be a whole number"):
        engine.submit(_wan(extras=(("seed", "forty-two"),)))  # type: ignore[arg-type]
    assert engine.repository.list_jobs() == []


def test_another_take_keeps_the_persons_settings(engine: JobEngine) -> None:
    """Regenerate and retry carry the seed, steps and negative prompt; frames are derived again."""
    first = engine.submit(_wan())[0]  # type: ignore[arg-type]
    again = engine.regenerate(first.id)
    stored = engine.repository.require_job(again.id)
    assert stored.extras == SENT
    assert stored.parent_id == first.id


def test_chosen_extras_keeps_only_what_a_model_takes() -> None:
    wan = default_catalog().model("wan-2.2-ti2v-5b")
    sora = default_catalog().model("sora-2")
    assert wan is not None and sora is not None
    assert chosen_extras(SENT) == tuple(sorted(CHOSEN_TYPED))
    assert chosen_extras(SENT, wan) == tuple(sorted(CHOSEN_TYPED))
    assert chosen_extras(SENT, sora) == ()  # a sibling without the settings: dropped, not refused


def test_preflight_prices_each_kind() -> None:
    served = catalog_for_profile(
        default_catalog(), (), ("sora-2", "veo-3.1", "wan-2.2-t2v-a14b", "mystery"), {}
    )
    sora = compute_preflight(order(variants=2), served, long_durations=False)
    assert (sora.estimate_cents, sora.batch_estimate_cents) == (Decimal(80), Decimal(40))
    veo = compute_preflight(
        order(model="veo-3.1", seconds=8, variants=2), served, long_durations=False
    )
    assert veo.ok and veo.estimate_cents == Decimal(640)  # 2 x 8 s x $0.40
    assert veo.batch_estimate_cents == 0  # no Batch for Veo: the builder does not offer it
    wan = compute_preflight(
        order(model="wan-2.2-t2v-a14b", size="832x480", seconds=5), served, long_durations=False
    )
    assert wan.ok and wan.estimate_cents == 0
    mystery = compute_preflight(order(model="mystery", seconds=8), served, long_durations=False)
    assert mystery.ok and mystery.estimate_cents == 0
    rated = served.with_overrides(
        {"models": {"wan-2.2-t2v-a14b": {"price_per_gpu_second": {"usd": "0.0011", "gpus": 2}}}}
    )
    priced = compute_preflight(
        order(model="wan-2.2-t2v-a14b", size="832x480", seconds=5, variants=3),
        rated,
        long_durations=False,
        budget_cap_cents=Decimal(50),
    )
    # 85 s expected x 2 GPUs x $0.0011 = 18.70 cents a render; three do not fit 50 cents.
    assert priced.per_variant_cents == Decimal("18.70")
    assert priced.estimate_cents == Decimal("56.10")
    assert not priced.within_budget


def test_order_extras_adds_frames_for_frame_models_only() -> None:
    catalog = default_catalog()
    assert order_extras(order(model="ltx-2", size="768x512", seconds=8), catalog) == (
        ("fps", 24),
        ("num_frames", 193),
    )
    assert order_extras(order(extras=(("seed", " 5 "),)), catalog) == (("seed", 5),)


def test_actual_cost_uses_the_measured_render_time() -> None:
    catalog = default_catalog().with_overrides(
        {"models": {"wan-2.2-t2v-a14b": {"price_per_gpu_second": {"usd": "0.001", "gpus": 2}}}}
    )
    job = make_job(
        provider="sglang",
        model="wan-2.2-t2v-a14b",
        size="832x480",
        seconds=5,
        estimate_cents=Decimal("17.00"),
    )
    assert actual_cost(catalog, job, 5) == Decimal("17.00")  # no measurement: the estimate
    assert actual_cost(catalog, job, 5, render_seconds=120.0) == Decimal("24.00")
    sora = replace(job, model="sora-2", size="1280x720", estimate_cents=Decimal(40))
    assert actual_cost(catalog, sora, 4, render_seconds=500.0) == Decimal(40)  # per second
    gone = replace(job, model="retired-model")
    assert actual_cost(catalog, gone, 5) == gone.estimate_cents  # unknown: keep the estimate
