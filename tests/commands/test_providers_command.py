"""``sora-studio providers``: add, list, show, set-default, remove and test, with their refusals.

``test`` probes a real emulator on a loopback port (and the built-in one, started in-process)
through the real SDK. Keys go to an in-memory key store and are only ever shown masked.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sora_studio.api.probe import ProbeReport
from sora_studio.api.provider import ProviderProfile
from sora_studio.commands.providers import applied_profile
from sora_studio.emulator.server import EmulatorServer
from tests.commands.conftest import open_library, run_cli, run_json
from tests.memory_keyring import MemoryKeyring

KEY = "sk-test-0123456789abcdef"


def _names(capsys: pytest.CaptureFixture[str], lib: Path) -> list[str]:
    code, rows, _ = run_json(capsys, "providers", "list", "--json", "--data-dir", str(lib))
    assert code == 0
    return [row["name"] for row in rows]


def _add(
    capsys: pytest.CaptureFixture[str], lib: Path, name: str, preset: str, url: str, *flags: str
) -> None:
    """``providers add NAME --preset PRESET --base-url URL FLAGS``, which must succeed."""
    argv = ["add", name, "--preset", preset, "--base-url", url, *flags]
    code, _, err = run_cli(capsys, "--data-dir", str(lib), "providers", *argv)
    assert code == 0, err


def test_add_list_show_set_default_remove(
    lib: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = ["--data-dir", str(lib)]
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    code, out, err = run_cli(
        capsys, "providers", "add", "gw", "--preset", "litellm", "--key-stdin", "--default", *data
    )
    assert code == 0, err
    assert "added provider gw (LiteLLM gateway) at http://127.0.0.1:4000/v1" in out
    assert memory_keyring.passwords[("sora-studio", "gw")] == KEY
    monkeypatch.setenv("WAN_KEY", "wan-secret-99887766")
    wan_flags = ("--key-env", "WAN_KEY", "--concurrency", "3")
    _add(capsys, lib, "wan", "sglang", "http://10.0.0.5:30000/v1/", *wan_flags)

    code, rows, _ = run_json(capsys, *data, "providers", "list", "--json")
    by_name = {row["name"]: row for row in rows}
    assert list(by_name) == ["emulator", "openai", "gw", "wan"]
    gw, wan = by_name["gw"], by_name["wan"]
    assert gw["default"] is True and not by_name["emulator"]["default"]
    assert gw["preset"] == "litellm" and gw["preset_label"] == "LiteLLM gateway"
    assert gw["key_source"] == "keyring" and gw["key"] == "sk-...cdef"
    assert gw["summary"] == {
        "list": "no (each job polled by id)",
        "delete": "no (the provider keeps its copy)",
        "previews": "made locally",
        "body": "either",
        "operations": "edit, extend, reference_image, remix",
        "sync": "asynchronous",
    }
    assert wan["base_url"] == "http://10.0.0.5:30000/v1" and wan["key"] == "wan-...7766"
    assert by_name["emulator"]["base_url"] is None and by_name["emulator"]["key"] is None
    code, out, _ = run_cli(capsys, *data, "providers", "list")
    assert code == 0 and "* gw" in out and "LiteLLM gateway" in out
    assert KEY not in out and "sk-...cdef" in out

    code, shown, _ = run_json(capsys, "providers", "show", "wan", "--json", *data)
    assert code == 0 and shown["default"] is False and shown["saved"] is True
    assert shown["profile"]["concurrency_limit"] == 3 and shown["profile"]["preset"] == "sglang"
    assert shown["preset"]["label"] == "SGLang Diffusion" and shown["preset"]["notes"]
    assert shown["capabilities"]["keeps_jobs"] == {
        "value": False,
        "source": "preset",
        "preset_value": False,
    }
    code, out, _ = run_cli(capsys, "providers", "show", "gw", *data)
    assert code == 0 and "list_videos" in out and "[preset]" in out and KEY not in out

    code, out, _ = run_cli(capsys, *data, "providers", "set-default", "wan")
    assert code == 0 and out.strip() == "default provider: wan"
    code, out, _ = run_cli(capsys, *data, "providers", "remove", "wan")
    assert code == 0 and "removed provider wan" in out
    assert "the default provider is now emulator" in out
    code, out, _ = run_cli(capsys, *data, "providers", "remove", "gw")
    assert code == 0 and "removed from the OS key store" in out
    assert ("sora-studio", "gw") not in memory_keyring.passwords
    assert _names(capsys, lib) == ["emulator", "openai"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["add", "x", "--preset", "nope", "--base-url", "http://h/v1", "--no-key"],
            "unknown provider preset 'nope'; choose emulator, openai, litellm",
        ),
        (
            ["add", "x", "--preset", "generic", "--base-url", "localhost:8000", "--no-key"],
            "base URL must look like https://host/v1",
        ),
        (["add", "x", "--preset", "generic", "--no-key"], "give --base-url"),
        (
            ["add", "emulator", "--preset", "generic", "--base-url", "http://h/v1", "--no-key"],
            "a provider named 'emulator' already exists",
        ),
        (
            ["add", "x", "--preset", "generic", "--base-url", "http://h/v1", "--key-env", "1X"],
            "--key-env needs an environment variable name",
        ),
        (["show", "nowhere"], "no provider named 'nowhere'; choose one of emulator, openai"),
        (["test", "nowhere"], "no provider named 'nowhere'"),
        (["set-default", "nowhere"], "no provider named 'nowhere'"),
        (["set-default", "openai"], "retired for video"),
        (["remove", "nowhere"], "no provider named 'nowhere'"),
        (["remove", "emulator"], "'emulator' is built in and cannot be removed"),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(v[:2]),
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    argv: list[str], message: str, lib: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "--data-dir", str(lib), "providers", *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err
    repo = open_library(lib)
    try:
        assert repo.list_providers() == []
        assert repo.get_setting("default_provider") is None
    finally:
        repo.close()


def test_a_key_that_cannot_be_stored_saves_nothing(
    lib: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test set-up's key store is the "fail" backend: no OS key store on this system.
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY))
    code, _, err = run_cli(
        capsys,
        "--data-dir",
        str(lib),
        "providers",
        "add",
        "gw",
        "--preset",
        "litellm",
        "--key-stdin",
    )
    assert code == 2 and "--key-env VAR" in err and "nothing was saved" in err
    assert _names(capsys, lib) == ["emulator", "openai"]


def test_remove_is_refused_while_the_provider_has_unfinished_jobs(
    lib: Path, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(lib)]
    emulator.emulator.update_settings({"min_job_seconds": 60.0})
    _add(capsys, lib, "emu", "emulator", emulator.base_url, "--no-key")
    code, job, err = run_json(
        capsys, *data, "render", "a quiet harbour", "--provider", "emu", "--json"
    )
    assert code == 0, err
    code, _, err = run_cli(capsys, *data, "providers", "remove", "emu")
    assert code == 2 and f"still has unfinished job {job['job_id']}" in err and "sync" in err
    assert "emu" in _names(capsys, lib)


def test_test_prints_every_step_and_apply_saves_what_was_found(
    lib: Path, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(lib)]
    # A profile that believes the server cannot list videos (the LiteLLM preset's view).
    _add(capsys, lib, "emu", "litellm", emulator.base_url, "--no-key")
    code, out, _ = run_cli(capsys, *data, "providers", "test", "emu")
    assert code == 0
    for request in ("GET /v1/models", "GET /v1/videos?limit=1", "GET /v1/videos/video_"):
        assert request in out
    assert "list_videos: true (profile had false)" in out
    assert "--apply" in out

    code, report, _ = run_json(capsys, *data, "providers", "test", "emu", "--apply", "--json")
    assert code == 0 and report["reachable"] is True and report["auth_accepted"] is True
    assert [s["name"] for s in report["steps"]] == ["models", "list", "missing video"]
    assert report["suggested_overrides"]["list_videos"] is True
    assert report["applied"] is True and report["capabilities"]["list_videos"] is True
    code, shown, _ = run_json(capsys, *data, "providers", "show", "emu", "--json")
    assert shown["capabilities"]["list_videos"] == {
        "value": True,
        "source": "override",
        "preset_value": False,
    }
    assert shown["profile"]["served_models"] == report["video_models"]
    code, out, _ = run_cli(capsys, *data, "providers", "show", "emu")
    assert "overridden (preset: false)" in out

    code, again, _ = run_json(capsys, *data, "providers", "test", "emu", "--json")
    assert code == 0 and again["suggested_overrides"] == {}


def test_apply_keeps_only_what_differs_from_the_preset_and_the_video_models() -> None:
    profile = ProviderProfile(
        name="wan",
        kind="gateway",
        base_url="http://127.0.0.1:30000/v1",
        key_source="none",
        preset="sglang",
        capability_overrides={"keeps_jobs": True, "delete": False},
    )
    report = ProbeReport(
        base_url="http://127.0.0.1:30000/v1",
        reachable=True,
        auth_accepted=True,
        models=(),
        video_models=("Wan-AI/Wan2.2-TI2V-5B-Diffusers",),
        list_supported=True,
        models_listed=True,
        error_shape=None,
        server=None,
        # The server keeps no jobs after all: the same as the preset, so no override is kept.
        suggested_overrides={"keeps_jobs": False},
    )
    updated = applied_profile(profile, report)
    assert updated.capability_overrides == {"delete": False}
    assert updated.served_models == ("Wan-AI/Wan2.2-TI2V-5B-Diffusers",)
    assert updated.preset == "sglang" and updated.base_url == profile.base_url


def test_test_the_built_in_emulator_and_an_unreachable_server(
    lib: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(lib)]
    code, report, err = run_json(capsys, *data, "providers", "test", "emulator", "--json")
    assert code == 0, err
    assert report["reachable"] is True and report["list_supported"] is True
    assert report["base_url"].startswith("http://127.0.0.1:")

    _add(capsys, lib, "gone", "generic", "http://127.0.0.1:9/v1", "--no-key")
    code, out, _ = run_cli(capsys, *data, "providers", "test", "gone")
    assert code == 1
    assert "reachable: no" in out and "Could not reach http://127.0.0.1:9/v1" in out
