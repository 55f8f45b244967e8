"""``sora-studio spend``: the spend report (per day, per model, rejected takes, cost per approved
second) plus the budget cap, as text and as JSON; imported clips never count as spend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_studio.cli import main
from sora_studio.core.models import ReviewStatus
from sora_studio.paths import resolve_paths
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_imported_clip, add_spent_job

DAY = 1_767_268_800.0  # 2026-01-01 12:00 UTC


def _library(data: Path) -> None:
    """Two renders (one approved 4 s, one rejected) and an approved 20 s import."""
    repo = Repository(open_db(resolve_paths(str(data)).ensure().database))
    try:
        for index, (model, cents, verdict) in enumerate(
            (("sora-2", "40", ReviewStatus.APPROVED), ("sora-2-pro", "120", ReviewStatus.REJECTED))
        ):
            job = add_spent_job(
                repo, cents, completed_at=DAY, fingerprint=f"fp-{index}", model=model
            )
            repo.add_review(job.id, verdict, "ana")
        clip = add_imported_clip(repo, completed_at=DAY)
        repo.add_review(clip.id, ReviewStatus.APPROVED, "ana")
    finally:
        repo.close()


def test_spend_json_is_the_spend_report_plus_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "lib"
    _library(data)
    assert main(["--data-dir", str(data), "spend", "--set-cap", "5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["total_cents"], result["spent_jobs"]) == ("160", 2)
    assert result["by_model"] == {"sora-2": "40", "sora-2-pro": "120"}
    assert list(result["by_day"].values()) == ["160"]  # one day, whatever the local zone
    assert (result["rejected_jobs"], result["rejected_cents"]) == (1, "120")
    assert (result["approved_jobs"], result["approved_seconds"]) == (1, 4)
    assert result["cost_per_approved_second_cents"] == "40.0000"  # 160 cents / 4 s
    assert result["budget_cap_cents"] == "500"
    assert (result["committed_cents"], result["budget_left_cents"]) == ("160", "340")


def test_spend_text_then_clear_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lib"
    _library(data)
    assert main(["--data-dir", str(data), "spend", "--set-cap", "$2.50"]) == 0
    text = capsys.readouterr().out
    assert "Total spent:              $1.60 on 2 renders" in text
    assert "Spent on rejected takes:  $1.20 (1 rejected)" in text
    assert "Cost per approved second: $0.40" in text
    assert "sora-2-pro" in text and "By day:" in text
    assert "Budget cap:               $2.50, $0.90 left after $1.60 committed" in text
    assert main(["--data-dir", str(data), "spend", "--clear-cap"]) == 0
    assert "Budget cap:               none" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "spend", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["budget_cap_cents"] is None


def test_bad_cap_is_refused_with_what_to_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path / "lib"), "spend", "--set-cap", "lots"]) == 2
    assert "--set-cap wants an amount in dollars like 25.00" in capsys.readouterr().err
