"""``sora-studio team budget|adopt|media-root`` and what ``team status`` shows of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_studio.cli import main


def _cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_team_budget_media_root_and_adopt_commands(
    team_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "desk"
    share = tmp_path / "share"
    code, out, _ = _cli(
        capsys, data, "team", "connect", team_url, "--reviewer", "lee", "--media-root", str(share)
    )
    assert code == 0
    code, out, _ = _cli(capsys, data, "team", "budget", "set", "5000")
    assert code == 0 and "team budget: $0.00 of $50.00 spent or held" in out
    code, out, _ = _cli(capsys, data, "team", "status")
    assert "team budget: $0.00 of $50.00 spent or held" in out
    assert f"team media share: {share}" in out
    code, out, _ = _cli(capsys, data, "team", "budget", "set", "none")
    assert code == 0 and "no cap" in out
    code, out, err = _cli(capsys, data, "team", "budget", "set", "lots")
    assert code != 0 and "not an amount of cents" in err
    code, out, _ = _cli(capsys, data, "team", "media-root", str(tmp_path / "elsewhere"))
    assert code == 0
    code, out, _ = _cli(capsys, data, "team", "status", "--json")
    assert json.loads(out)["media_root"] == str(tmp_path / "elsewhere")
    code, out, err = _cli(capsys, data, "team", "adopt", "abc")
    assert code != 0 and "no job of another desk in flight" in err
