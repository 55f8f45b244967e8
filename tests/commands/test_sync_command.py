"""``sora-studio sync``: every unfinished job driven to a final state, after a killed command.

The kills are real (SIGKILL of a real process, no clean-up); the provider is the built-in
emulator on a loopback port, reached through the real SDK. Nothing is ever rendered twice.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sora_studio.emulator.server import EmulatorServer
from tests.commands.conftest import (
    PROMPT,
    command,
    emulator_videos,
    open_library,
    process_env,
    run_cli,
    run_json,
    run_process,
    save_provider,
)

KILLABLE = Path(__file__).parents[1] / "services" / "killable_submit.py"


def _wait_for_remote_job(lib: Path, proc: subprocess.Popen[str], timeout: float = 60) -> int:
    """The id of the first job once the provider has it (remote id committed, not yet final)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if (lib / "studio.sqlite3").exists():
            repo = open_library(lib)
            try:
                jobs = repo.list_jobs(order="id ASC")
            finally:
                repo.close()
            if jobs and jobs[0].remote_id and jobs[0].status.value in ("queued", "in_progress"):
                return jobs[0].id
        time.sleep(0.1)
    raise AssertionError("the render never reached the provider")


def _render_killed_mid_job(lib: Path, *options: str) -> int:
    """Start ``render PROMPT --wait`` and kill it once the provider has the job; its id."""
    render = subprocess.Popen(
        [*command(), "--data-dir", str(lib), "render", PROMPT, "--wait", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env(),
    )
    try:
        job_id = _wait_for_remote_job(lib, render)
    finally:
        render.send_signal(signal.SIGKILL)
        render.communicate(timeout=30)
    assert render.returncode == -signal.SIGKILL
    return job_id


def test_sync_finishes_a_render_whose_command_was_killed_mid_job(
    lib: Path, slow_emulator: EmulatorServer
) -> None:
    save_provider(lib, "emu", slow_emulator.base_url, default=True)
    job_id = _render_killed_mid_job(lib, "--json")

    # --data-dir after the sub-command, as people type it.
    done = run_process("sync", "--data-dir", str(lib), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["exit_code"] == 0 and result["timed_out"] is False
    assert result["counts"] == {"ready": 1}
    (job,) = result["jobs"]
    assert job["job_id"] == job_id and job["outcome"] == "ready" and job["finished"] is True
    for variant in ("video", "thumbnail", "spritesheet"):
        assert Path(job["paths"][variant]).is_file()
    assert "syncing 1 unfinished job(s)" in done.stderr
    assert emulator_videos(slow_emulator) == 1, "never sent twice"

    again = run_process("--data-dir", str(lib), "sync")
    assert again.returncode == 0 and "nothing to sync" in again.stdout


def test_sync_starts_the_built_in_emulator_for_its_jobs_whatever_the_default(lib: Path) -> None:
    """A render on the in-process emulator dies with its command; sync brings the emulator back
    (it resumes the render) even though another provider has become the default meanwhile."""
    job_id = _render_killed_mid_job(lib, "--seconds", "8")
    added = run_process(
        "--data-dir",
        str(lib),
        "providers",
        "add",
        "elsewhere",
        "--preset",
        "generic",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--no-key",
        "--default",
    )
    assert added.returncode == 0, added.stderr

    done = run_process("--data-dir", str(lib), "sync", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"job {job_id}: ready ")
    assert Path(done.stdout.split()[-1]).is_file()
    assert "synced 1 job(s): 1 ready" in done.stderr


@pytest.mark.parametrize("point", ["before_create", "after_create"])
def test_sync_reconciles_an_interrupted_send_and_never_resends(
    point: str,
    lib: Path,
    tmp_path: Path,
    emulator: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The killable helper renders on the provider "emulator": point that name at this emulator.
    save_provider(lib, "emulator", emulator.base_url, kind="emulator")
    killed = subprocess.run(
        [sys.executable, str(KILLABLE), str(lib), emulator.base_url, point, "2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    repo = open_library(lib)
    try:
        first = repo.list_jobs(order="id ASC")[0]
        assert first.status.value == "submitting" and first.remote_id is None
        # As if the kill was a minute ago: past the grace in which another engine might still
        # be sending it, so the reconciliation decides now instead of in 30 s.
        repo.db.execute("UPDATE jobs SET updated_at = updated_at - 120")
    finally:
        repo.close()

    code, result, err = run_json(capsys, "--data-dir", str(lib), "sync", "--json")
    outcomes = {job["job_id"]: job["outcome"] for job in result["jobs"]}
    if point == "before_create":
        # The provider never got the first job: failed as unconfirmed, nothing charged.
        assert code == 1 and result["exit_code"] == 1, err
        assert outcomes == {first.id: "unconfirmed", first.id + 1: "ready"}
        assert f"job {first.id} finished, unconfirmed" in err
        assert "Retry it" in err
        assert emulator_videos(emulator) == 1
    else:
        # The provider had accepted it: found by listing, attached and downloaded.
        assert code == 0, err
        assert outcomes == {first.id: "ready", first.id + 1: "ready"}
        assert emulator_videos(emulator) == 2
    ids = [job["remote_id"] for job in result["jobs"] if job["remote_id"]]
    assert len(ids) == len(set(ids)) == emulator_videos(emulator)


def test_sync_that_runs_out_of_time_says_which_jobs_are_not_finished(
    lib: Path, slow_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    slow_emulator.emulator.update_settings({"min_job_seconds": 60.0})
    save_provider(lib, "emu", slow_emulator.base_url, default=True)
    code, job, err = run_json(capsys, "--data-dir", str(lib), "render", PROMPT, "--json")
    assert code == 0, err
    code, result, err = run_json(capsys, "sync", "--timeout", "1", "--json", "--data-dir", str(lib))
    assert code == 3 and result["exit_code"] == 3 and result["timed_out"] is True
    (row,) = result["jobs"]
    assert row["outcome"] == "not_finished" and row["finished"] is False
    assert row["status"] in ("queued", "in_progress")
    assert f"job {job['job_id']} not finished ({row['status']}" in err
    assert "time ran out after 1 s" in err


def test_sync_with_nothing_unfinished(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _ = run_json(capsys, "sync", "--data-dir", str(lib), "--json")
    assert code == 0 and result == {"exit_code": 0, "timed_out": False, "counts": {}, "jobs": []}
    code, out, _ = run_cli(capsys, "sync", "--data-dir", str(lib))
    assert code == 0 and "nothing to sync" in out
