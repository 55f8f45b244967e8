"""Batch mode end to end, and API keys that never reach the disk or the logs."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus, Operation
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.engine import JobEngine
from sora_studio.services.providers import ProviderRegistry
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.services.conftest import FAST_POLICY, Studio, order


def test_batch_jobs_go_as_one_batch_at_batch_prices(studio: Studio) -> None:
    check = studio.engine.preflight(order(batch=True, variants=3))
    assert check.estimate_cents == Decimal("60") == check.batch_estimate_cents
    jobs = studio.engine.submit(order(batch=True, variants=3))
    assert all(j.use_batch for j in jobs)
    done = studio.settle(*(j.id for j in jobs), timeout_s=30)
    assert [j.status for j in done] == [JobStatus.READY] * 3
    assert {j.batch_id for j in done} != {None} and len({j.batch_id for j in done}) == 1
    assert all(j.cost_cents == Decimal("20") for j in done)  # $0.05/s Batch rate
    [record] = studio.repo.list_batches()
    assert record.status == "completed" and record.remote_id and record.input_file_id
    requests = studio.emulator.stats()["requests"]
    assert requests.get("POST /v1/batches") == 1
    assert requests.get("POST /v1/files") == 1
    assert "POST /v1/videos" not in requests  # no single creates: everything went by batch


def test_batch_refuses_derived_operations(studio: Studio) -> None:
    check = studio.engine.preflight(order(batch=True, operation=Operation.REMIX, parent_id=None))
    assert any(p.field == "batch" for p in check.problems)


def test_keys_never_reach_disk_or_logs(
    tmp_path: Path, emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    key = "sk-test-NEVERONDISK-0123456789abcdef"
    root = tmp_path / "studio"
    repo = Repository(open_db(root / "studio.sqlite3"))
    repo.upsert_provider(
        "gateway", kind="gateway", base_url=emulator.base_url, key_source="env:SORA_TEST_KEY"
    )
    registry = ProviderRegistry(repo, env={"SORA_TEST_KEY": key})
    engine = JobEngine(repo, registry, root / "library", policy=FAST_POLICY)
    studio = Studio(root, emulator, repo, registry, engine)
    caplog.set_level(logging.DEBUG)
    try:
        [job] = engine.submit(order(provider="gateway"))
        [done] = studio.settle(job.id)
        assert done.status is JobStatus.READY
    finally:
        engine.shutdown(5.0)
        repo.close()
    needle = key.encode()
    leaks = [p for p in tmp_path.rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert leaks == []
    assert key not in caplog.text


def test_missing_key_is_an_actionable_auth_error(studio: Studio) -> None:
    studio.repo.upsert_provider(
        "keyless", kind="gateway", base_url=studio.emulator.base_url, key_source="env:NOPE_KEY"
    )
    [job] = studio.engine.submit(order(provider="keyless"))
    [done] = studio.settle(job.id)
    assert done.status is JobStatus.FAILED
    assert done.error_class is not None and done.error_class.value == "auth"
    assert "NOPE_KEY" in (done.error_message or "")


def test_openai_profile_explains_the_retirement_without_calling(studio: Studio) -> None:
    with pytest.raises(UserError, match="2026-09-24"):
        studio.engine.submit(order(provider="openai"))
    assert studio.repo.list_jobs() == []
