"""The data folder override and the top-level command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sora_studio import __version__
from sora_studio.cli import main
from sora_studio.paths import DATA_DIR_ENV, resolve_paths


def test_data_dir_argument_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    paths = resolve_paths(tmp_path / "from-arg")
    assert paths.data == (tmp_path / "from-arg").resolve()
    assert paths.database == paths.data / "studio.sqlite3"
    assert paths.cache.is_relative_to(paths.data)


def test_environment_variable_moves_every_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "lib-b"))
    paths = resolve_paths().ensure()
    for folder in (paths.data, paths.cache, paths.logs, paths.library):
        assert folder.is_dir()
        assert folder.is_relative_to(tmp_path / "lib-b")


def test_platform_defaults_without_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    paths = resolve_paths()
    assert "sora-studio" in str(paths.data)
    assert paths.data != paths.cache


def test_version_flag_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sora-studio {__version__}"


def test_module_entry_point_runs_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sora_studio", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "usage: sora-studio" in result.stdout
    assert "emulator" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["jobs", "--json"], ["spend", "--json"], ["export", "--help"]],
    ids=["jobs", "spend", "export-help"],
)
def test_library_commands_do_not_load_the_sdk(tmp_path: Path, args: list[str]) -> None:
    """A read of the library must not pay about a second for the openai SDK and the engine."""
    code = (
        "import sys\n"
        "from sora_studio.cli import main\n"
        "try:\n"
        f"    main(['--data-dir', {str(tmp_path / 'data')!r}, *{args!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED' if 'openai' in sys.modules else 'CLEAN')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "CLEAN"
