"""``remix``, ``edit``, ``extend`` and ``promote`` from the command line, against a real emulator.

One finished render is shared by the module (renders are the slow part); each test derives from
it. Refusals are checked to happen before any request reaches the provider.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.provider import ProviderProfile
from sora_studio.cli import main
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.services.setting_keys import PAUSED_SETTING
from tests.commands.conftest import PROMPT, open_library, run_cli, run_json, save_provider

SENT = {"queued", "in_progress", "downloading", "ready"}


@dataclass
class Finished:
    """A library whose default provider ``emu`` is the emulator, holding one ready job."""

    lib: Path
    emulator: EmulatorServer
    job: dict[str, Any]

    @property
    def data(self) -> list[str]:
        return ["--data-dir", str(self.lib)]

    def requests(self) -> int:
        return int(self.emulator.stats()["total"])


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Finished]:
    root = tmp_path_factory.mktemp("derived")
    server = EmulatorServer(
        root / "emulator", EmulatorSettings(min_job_seconds=0.0, poll_after_ms=50, seed=3)
    )
    server.start()
    try:
        lib = root / "lib"
        save_provider(lib, "emu", server.base_url, default=True)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--data-dir", str(lib), "render", PROMPT, "--wait", "--json"])
        assert code == 0, err.getvalue()
        job = json.loads(out.getvalue())
        assert job["status"] == "ready"
        yield Finished(lib, server, job)
    finally:
        server.stop()


def test_remix_waits_and_prints_the_child_as_json(
    finished: Finished, capsys: pytest.CaptureFixture[str]
) -> None:
    source = finished.job["job_id"]
    code, child, err = run_json(
        capsys, *finished.data, "remix", str(source), "make it snow", "--wait", "--json"
    )
    assert code == 0, err
    assert child["status"] == "ready" and child["prompt"] == "make it snow"
    assert child["parent_id"] == source and child["lineage_kind"] == "remix"
    assert set(child) == set(finished.job)  # the same shape render --json prints
    for variant in ("video", "thumbnail", "spritesheet"):
        assert Path(child["paths"][variant]).is_file()
    assert f"queued job {child['job_id']}: remix of job {source} on emu" in err
    assert "%" in err  # progress lines (stderr is not a terminal here)


def test_extend_defaults_to_the_shortest_segment_and_edit_returns_once_sent(
    finished: Finished, capsys: pytest.CaptureFixture[str]
) -> None:
    source = finished.job["job_id"]
    code, extended, err = run_json(
        capsys, *finished.data, "extend", str(source), "the beam finds a ship", "--wait", "--json"
    )
    assert code == 0, err
    assert extended["lineage_kind"] == "extension" and extended["status"] == "ready"
    assert extended["seconds"] == finished.job["seconds"] + 4  # the stitched whole

    code, edited, err = run_json(
        capsys, *finished.data, "edit", str(source), "a red beam", "--json"
    )
    assert code == 0, err
    assert edited["lineage_kind"] == "edit" and edited["status"] in SENT
    code, out, _ = run_cli(capsys, *finished.data, "edit", str(source), "a blue beam")
    assert code == 0 and out.startswith("job ")


def test_promote_shows_the_quote_then_queues_the_pro_render(
    finished: Finished, capsys: pytest.CaptureFixture[str]
) -> None:
    source = finished.job["job_id"]
    code, quote, _ = run_json(capsys, *finished.data, "promote", str(source), "--quote", "--json")
    assert code == 0
    assert quote == {
        "job_id": source,
        "model": "sora-2-pro",
        "size": "1280x720",
        "current_cents": "40.00",
        "current_is_estimate": False,
        "pro_estimate_cents": "120.00",
    }
    before = finished.requests()
    code, out, _ = run_cli(capsys, *finished.data, "promote", str(source), "--quote")
    assert code == 0 and "$0.40" in out and "$1.20" in out
    assert finished.requests() == before, "a quote sends nothing"

    code, _, err = run_cli(
        capsys, *finished.data, "promote", str(source), "--size", "9x9", "--quote"
    )
    assert code == 2 and "does not offer 9x9" in err

    code, promoted, err = run_json(capsys, *finished.data, "promote", str(source), "--json")
    assert code == 0, err
    assert promoted["model"] == "sora-2-pro" and promoted["lineage_kind"] == "promotion"
    assert promoted["parent_id"] == source and promoted["status"] in SENT
    assert "$0.40" in err and "$1.20" in err  # the quote, on stderr


def test_a_job_that_is_not_ready_is_refused_before_any_request(
    finished: Finished, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = open_library(finished.lib)
    repo.set_setting(PAUSED_SETTING, True)  # the new render stays in the local queue
    repo.close()
    try:
        code, queued, err = run_json(
            capsys, *finished.data, "render", PROMPT, "--json", "--timeout", "0.2"
        )
        assert code == 0, err
        assert queued["status"] == "queued_local"
        before = finished.requests()
        code, out, err = run_cli(capsys, *finished.data, "remix", str(queued["job_id"]), "snow")
        assert code == 2 and out == ""
        assert f"job {queued['job_id']} is queued_local" in err and "finished" in err
        assert len(err.strip().splitlines()) == 1
        code, _, err = run_cli(capsys, *finished.data, "extend", "9999", "more")
        assert code == 2 and "no job with id 9999" in err
        assert finished.requests() == before
    finally:
        assert main([*finished.data, "delete", str(queued["job_id"]), "--keep-remote"]) == 0
        repo = open_library(finished.lib)
        repo.set_setting(PAUSED_SETTING, False)
        repo.close()
        capsys.readouterr()


def test_a_provider_without_remix_is_named_in_the_refusal(
    finished: Finished, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = ProviderProfile(
        name="no-remix",
        kind="gateway",
        base_url=finished.emulator.base_url,
        key_source="none",
        preset="generic",
        capability_overrides={"features": ["edit"]},
    )
    repo = open_library(finished.lib)
    repo.upsert_provider_dict(profile.to_dict())
    repo.close()
    code, job, err = run_json(
        capsys, *finished.data, "render", PROMPT, "--provider", "no-remix", "--wait", "--json"
    )
    assert code == 0, err
    assert job["status"] == "ready"
    assert Path(job["paths"]["thumbnail"]).is_file()  # made locally: generic serves video only
    before = finished.requests()
    for operation in ("remix", "extend"):
        code, out, err = run_cli(capsys, *finished.data, operation, str(job["job_id"]), "snow")
        assert code == 2 and out == ""
        assert "no-remix" in err and "Other /v1/videos server" in err
        assert f"cannot {operation} videos" in err
    code, _, err = run_cli(
        capsys, *finished.data, "edit", str(job["job_id"]), "snow", "--provider", "emu"
    )
    assert code == 2 and "rendered on 'no-remix'" in err
    assert finished.requests() == before, "refused before any request"
    code, edited, err = run_json(
        capsys, *finished.data, "edit", str(job["job_id"]), "snow", "--json"
    )
    assert code == 0, err
    assert edited["lineage_kind"] == "edit"


def test_an_unknown_provider_is_refused(
    finished: Finished, capsys: pytest.CaptureFixture[str]
) -> None:
    before = finished.requests()
    code, out, err = run_cli(capsys, *finished.data, "render", PROMPT, "--provider", "nowhere")
    assert code == 2 and out == ""
    assert "no provider named 'nowhere'" in err and "providers add" in err
    code, out, err = run_cli(capsys, "--provider", "nowhere", *finished.data, "render", PROMPT)
    assert code == 2 and "no provider named 'nowhere'" in err
    assert finished.requests() == before
