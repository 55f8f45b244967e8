"""Settings, provider profiles (and proof that no key ever lands in the file), templates."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import Brief, Job, JobStatus
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import RECENT_BRIEFS_KEPT, Repository

MakeJob = Callable[..., Job]

FAKE_KEY = "sk-test-FAKEKEY-0123456789abcdefNEVERSTORED"


def test_settings_hold_json_values(repo: Repository) -> None:
    assert repo.get_setting("budget_cents") is None
    assert repo.get_setting("budget_cents", "5000") == "5000"
    repo.set_setting("budget_cents", "2500.50")
    repo.set_setting("layout", {"dock": "right", "sizes": [300, 900]})
    repo.set_setting("layout", {"dock": "bottom", "sizes": [1, 2]})
    assert repo.get_setting("budget_cents") == "2500.50"
    assert repo.get_setting("layout") == {"dock": "bottom", "sizes": [1, 2]}
    assert repo.all_settings() == {
        "budget_cents": "2500.50",
        "layout": {"dock": "bottom", "sizes": [1, 2]},
    }
    repo.delete_setting("layout")
    assert repo.get_setting("layout", 0) == 0
    with pytest.raises(TypeError):
        repo.set_setting("bad", object())


def test_providers_upsert_list_delete(repo: Repository) -> None:
    emulator = repo.upsert_provider(
        "emulator", kind="emulator", base_url="http://127.0.0.1:8765/v1", key_source="none"
    )
    assert emulator.catalog_override is None and emulator.concurrency_limit == 2
    gateway = repo.upsert_provider(
        "gateway",
        kind="compatible",
        base_url="https://gw.example/v1",
        key_source="keyring",
        catalog_override={"models": {"sora-2": {"durations": [4, 8]}}},
        concurrency_limit=4,
        long_durations=True,
    )
    assert gateway.catalog_override == {"models": {"sora-2": {"durations": [4, 8]}}}
    assert gateway.long_durations is True
    changed = repo.upsert_provider(
        "gateway", kind="compatible", base_url="https://gw2.example/v1", key_source="keyring"
    )
    assert changed.base_url == "https://gw2.example/v1"
    assert changed.created_at == gateway.created_at
    assert [p.name for p in repo.list_providers()] == ["emulator", "gateway"]
    repo.delete_provider("gateway")
    assert repo.get_provider("gateway") is None
    with pytest.raises(UserError, match="no provider profile"):
        repo.delete_provider("gateway")
    with pytest.raises(UserError, match="at least 1"):
        repo.upsert_provider("x", kind="k", base_url="u", key_source="none", concurrency_limit=0)


def test_a_pasted_key_is_refused_as_a_key_source(repo: Repository) -> None:
    with pytest.raises(UserError, match="not the key itself"):
        repo.upsert_provider("openai", kind="openai", base_url="u", key_source=FAKE_KEY)
    with pytest.raises(UserError, match="looks like an API key"):
        repo.upsert_provider(
            "gw", kind="gateway", base_url="u", key_source="none", options={"api_key": "x"}
        )
    with pytest.raises(UserError, match="looks like an API key"):
        repo.upsert_provider(
            "gw", kind="gateway", base_url="u", key_source="none", options={"note": FAKE_KEY}
        )
    assert repo.list_providers() == []


def test_profile_dicts_round_trip(repo: Repository) -> None:
    """The shape of ``api.provider.ProviderProfile.to_dict()``: extras are kept as options."""
    profile = {
        "name": "emulator",
        "kind": "emulator",
        "base_url": None,
        "key_source": "none",
        "catalog_overrides": {"models": {"sora-2": {"durations": [4]}}},
        "concurrency_limit": 4,
        "long_durations": True,
        "timeout_s": 12.5,
        "max_retries": 3,
        "retired": False,
    }
    record = repo.upsert_provider_dict(profile)
    assert record.base_url is None
    assert record.options == {"timeout_s": 12.5, "max_retries": 3, "retired": False}
    assert repo.require_provider_dict("emulator") == profile
    with pytest.raises(UserError, match="name and a kind"):
        repo.upsert_provider_dict({"kind": "gateway"})


def test_no_api_key_reaches_the_database_file(
    repo: Repository, make_job: MakeJob, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Save a profile whose key lives in the environment, use it end to end, scan the bytes."""
    monkeypatch.setenv("SORA_TEST_KEY", FAKE_KEY)
    profile = repo.upsert_provider(
        "openai",
        kind="openai",
        base_url="https://api.openai.com/v1",
        key_source="env:SORA_TEST_KEY",
    )
    assert os.environ[profile.key_source.removeprefix("env:")] == FAKE_KEY
    job = make_job(provider="openai", status=JobStatus.SUBMITTING)
    repo.attach_remote_id(job.id, "video_1")
    repo.update_job(job.id, status=JobStatus.READY, cost_cents=Decimal("40"))
    repo.log_event("submitted", {"provider": "openai", "base_url": profile.base_url})
    repo.set_setting("default_provider", "openai")

    columns = {
        (table, row["name"])
        for table in repo.db.table_names()
        for row in repo.db.query(f"PRAGMA table_info({table})")
    }
    key_like = {c for c in columns if "key" in c[1] or "secret" in c[1] or "token" in c[1]}
    assert key_like == {("providers", "key_source"), ("settings", "key")}

    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    blob = b"".join(p.read_bytes() for p in files)
    assert b"env:SORA_TEST_KEY" in blob  # the scan does see what was written ...
    assert FAKE_KEY.encode() not in blob  # ... and the key is not among it
    repo.close()
    reopened = open_db(db_path)  # checkpointed into the main file: scan that too
    reopened.close()
    assert FAKE_KEY.encode() not in db_path.read_bytes()


def test_templates(repo: Repository) -> None:
    noir = Brief(subject="detective", lighting="hard shadows", style="noir")
    repo.save_template("noir", noir)
    repo.save_template("beach", Brief(setting="beach"))
    assert repo.get_template("noir") == noir
    assert list(repo.list_templates()) == ["beach", "noir"]
    repo.save_template("noir", Brief(style="neo-noir"))
    assert repo.get_template("noir") == Brief(style="neo-noir")
    repo.delete_template("beach")
    assert repo.get_template("beach") is None
    with pytest.raises(UserError, match="no template"):
        repo.delete_template("beach")
    with pytest.raises(UserError, match="needs a name"):
        repo.save_template(" ", noir)


def test_recent_briefs_move_to_front_and_are_capped(repo: Repository) -> None:
    a, b = Brief(subject="a"), Brief(subject="b")
    repo.add_recent_brief(a)
    repo.add_recent_brief(b)
    repo.add_recent_brief(a)
    assert repo.recent_briefs() == [a, b]
    for i in range(RECENT_BRIEFS_KEPT + 5):
        repo.add_recent_brief(Brief(subject=f"s{i}"))
    kept = repo.recent_briefs(limit=1000)
    assert len(kept) == RECENT_BRIEFS_KEPT
    assert kept[0] == Brief(subject=f"s{RECENT_BRIEFS_KEPT + 4}")
