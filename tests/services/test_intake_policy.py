"""Policy flags at submit: blocking flags refuse the order; warnings pass and are logged.

Runs the real engine against the real emulator, and the ``render`` command in-process.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.cli import main
from sora_studio.core.catalog import default_catalog
from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus, PolicyFlag, ValidationProblem
from sora_studio.services.orders import Preflight
from sora_studio.services.preflight import compute_preflight
from tests.services.conftest import Studio, order

WARNED = "a detective kneels beside the murder scene in a rainy alley at night"
BLOCKED = "Batman kneels beside the murder scene in a rainy alley at night"


def test_preflight_splits_blocking_flags_from_warnings() -> None:
    warned = compute_preflight(order(prompt=WARNED), default_catalog(), long_durations=False)
    assert [f.phrase for f in warned.warnings] == ["murder"]
    assert warned.blocking_flags == ()
    assert warned.ok  # a warning is not a reason to stop

    blocked = compute_preflight(order(prompt=BLOCKED), default_catalog(), long_durations=False)
    assert [f.phrase for f in blocked.blocking_flags] == ["Batman"]
    assert [f.phrase for f in blocked.warnings] == ["murder"]
    assert not blocked.ok


def test_preflight_ok_still_needs_validity_and_budget() -> None:
    warning = PolicyFlag("under_18", "murder", "“murder” may be refused.", block=False)
    base = Preflight(
        problems=(),
        policy_flags=(warning,),
        estimate_cents=Decimal(40),
        batch_estimate_cents=Decimal(20),
        per_variant_cents=Decimal(40),
        budget_cap_cents=Decimal(100),
        budget_left_after_cents=Decimal(60),
    )
    assert base.ok and base.warnings == (warning,) and base.blocking_flags == ()
    assert not replace(base, budget_left_after_cents=Decimal(-1)).ok
    assert not replace(base, problems=(ValidationProblem("prompt", "Write a prompt."),)).ok
    refusal = PolicyFlag("real_person", "Obama", "Replace “Obama”.")  # block defaults to True
    assert not replace(base, policy_flags=(warning, refusal)).ok


def test_a_warned_prompt_is_submitted_rendered_and_logged(
    studio: Studio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sora_studio.services.engine")
    [job] = studio.engine.submit(order(prompt=WARNED))
    [done] = studio.settle(job.id)
    assert done.status is JobStatus.READY  # the emulator refuses only blocking rules

    [record] = [r for r in caplog.records if "policy warnings" in r.getMessage()]
    line = record.getMessage()
    assert record.levelno == logging.INFO
    assert f"job {job.id}" in line and "“murder”" in line
    assert "detective" not in line and "alley" not in line  # phrases only, never the prompt
    [event] = studio.repo.events(job_id=job.id, kind="job_queued")
    assert json.loads(event.detail)["policy_warnings"] == ["murder"]


def test_a_clean_prompt_logs_no_policy_warning(
    studio: Studio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sora_studio.services.engine")
    [job] = studio.engine.submit(order())
    assert not any("policy warnings" in r.getMessage() for r in caplog.records)
    [event] = studio.repo.events(job_id=job.id, kind="job_queued")
    assert "policy_warnings" not in json.loads(event.detail)


def test_a_blocking_prompt_is_refused_before_any_job_or_call(studio: Studio) -> None:
    with pytest.raises(UserError) as refused:
        studio.engine.submit(order(prompt=BLOCKED))
    message = str(refused.value)
    assert message.startswith("The provider would refuse this prompt: “Batman”: Replace “Batman”")
    assert "murder" not in message  # a warning is not a reason for the refusal
    assert studio.repo.list_jobs() == []
    assert studio.remote_videos() == []


def test_render_command_warns_on_stderr_and_queues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "lib")]
    code = main([*data, "render", WARNED, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["status"] in {"queued", "in_progress", "ready"}
    assert "sora-studio: warning: “murder” may be refused" in err
    assert err.index("queued job") < err.index("warning:")

    code = main([*data, "render", BLOCKED, "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "The provider would refuse this prompt: “Batman”" in err
