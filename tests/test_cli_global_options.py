"""``--data-dir`` and ``--provider`` before or after the sub-command, on every sub-command.

``sora-studio emulator --data-dir`` keeps its own meaning (the emulator's state folder), and says
so in its help; ``--provider`` is refused, with a line saying why, where no work is sent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_studio.cli import SENDS_WORK, build_parser, main
from sora_studio.paths import DATA_DIR_ENV

COMMANDS = sorted(
    {
        "delete",
        "edit",
        "emulator",
        "export",
        "extend",
        "import",
        "jobs",
        "note",
        "promote",
        "providers",
        "remix",
        "render",
        "retry",
        "spend",
        "sync",
        "tag",
        "verdict",
    }
)


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*argv, "--help"])
    assert exit_info.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # unwrapped: help wraps at any width


@pytest.mark.parametrize("command", [*COMMANDS, "providers list", "providers test"])
def test_every_sub_command_takes_data_dir_after_it(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(capsys, *command.split())
    assert "--data-dir DIR" in text
    if command == "emulator":
        assert "not the library's" in text
    else:
        assert "accepted before or after the sub-command" in text
    assert ("--provider NAME" in text) == (command in SENDS_WORK)


def test_the_value_after_the_sub_command_is_used_and_one_before_survives() -> None:
    parser = build_parser()
    assert parser.parse_args(["--data-dir", "A", "render", "x"]).data_dir == "A"
    assert parser.parse_args(["render", "x", "--data-dir", "B"]).data_dir == "B"
    assert parser.parse_args(["--data-dir", "A", "jobs", "--data-dir", "B"]).data_dir == "B"
    assert parser.parse_args(["providers", "list", "--data-dir", "C"]).data_dir == "C"
    emulator = parser.parse_args(["--data-dir", "A", "emulator", "--data-dir", "E"])
    assert emulator.data_dir == "A" and emulator.emulator_data_dir == "E"
    assert parser.parse_args(["--provider", "p", "remix", "1", "x"]).provider == "p"
    assert parser.parse_args(["promote", "1", "--provider", "q"]).provider == "q"
    assert parser.parse_args(["render", "x"]).provider is None


def test_jobs_reads_the_library_named_after_the_sub_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "not-this-one"))
    assert main(["jobs", "--data-dir", str(tmp_path / "lib"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert (tmp_path / "lib" / "studio.sqlite3").is_file()
    assert not (tmp_path / "not-this-one").exists()


@pytest.mark.parametrize("argv", [["--provider", "emu", "jobs"], ["--provider", "emu", "sync"]])
def test_provider_where_no_work_is_sent_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "--provider applies to render, remix" in capsys.readouterr().err
