"""The headless commands, in-process: render (with the built-in emulator), jobs, spend, retry,
delete, and a failing render's exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_studio.cli import main
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository

PROMPT = "a lighthouse beam sweeping over a night sea"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, object, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_render_wait_json_jobs_spend_delete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "lib")]
    code, result, err = _json(capsys, [*data, "render", PROMPT, "--wait", "--json"])
    assert code == 0, err
    assert isinstance(result, dict)
    assert result["status"] == "ready" and result["cost_cents"] == "40.00"
    for variant in ("video", "thumbnail", "spritesheet"):
        assert Path(result["paths"][variant]).is_file()
    assert "%" in err  # plain progress lines when stderr is not a terminal

    code, listed, _ = _json(capsys, [*data, "jobs", "--status", "ready", "--json"])
    assert code == 0 and isinstance(listed, list) and listed[0]["job_id"] == result["job_id"]

    code, spend, _ = _json(capsys, [*data, "spend", "--set-cap", "0.50", "--json"])
    assert code == 0 and isinstance(spend, dict)
    assert spend["total_cents"] == "40.00" and spend["budget_left_cents"] == "10.00"
    assert spend["by_model"] == {"sora-2": "40.00"} and len(spend["by_day"]) == 1
    assert spend["cost_per_approved_second_cents"] is None  # nothing approved yet

    code = main([*data, "render", PROMPT, "--json"])
    _, err = capsys.readouterr()
    assert code == 2 and "$0.10" in err and "budget" in err

    assert main([*data, "delete", str(result["job_id"])]) == 0
    capsys.readouterr()
    assert not Path(result["paths"]["video"]).exists()
    code, listed, _ = _json(capsys, [*data, "jobs", "--json"])
    assert isinstance(listed, list) and listed[0]["status"] == "deleted"


def test_failed_render_exits_non_zero_with_the_error_class_then_retry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = EmulatorServer(tmp_path / "emu", EmulatorSettings(failure_rate=1.0))
    server.start()
    try:
        lib = tmp_path / "lib"
        repo = Repository(open_db(lib / "studio.sqlite3"))
        repo.upsert_provider("gw", kind="gateway", base_url=server.base_url, key_source="none")
        repo.set_setting("default_provider", "gw")
        repo.close()
        data = ["--data-dir", str(lib)]
        code, result, err = _json(capsys, [*data, "render", PROMPT, "--wait", "--json"])
        assert code == 1
        assert isinstance(result, dict) and result["status"] == "failed"
        assert "transient" in err
        server.emulator.update_settings({"failure_rate": 0.0})
        code, retried, _ = _json(capsys, [*data, "retry", str(result["job_id"]), "--json"])
        assert code == 0 and isinstance(retried, dict)
        assert retried["parent_id"] == result["job_id"] and retried["lineage_kind"] == "retry"
    finally:
        server.stop()
