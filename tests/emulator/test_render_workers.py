"""Render worker processes: renders really run in another process, report progress, cancel,
survive failures and a killed worker, and exit when their parent's pipe closes."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sora_studio.emulator.render_workers import (
    RenderProcess,
    RenderWorkerError,
    start_context,
)
from sora_studio.emulator.renderer import RenderCancelled, RenderSpec
from sora_studio.emulator.server import EmulatorServer
from sora_studio.media.probe import verify_video


def long_spec() -> RenderSpec:
    """A render of a few seconds of CPU: it cannot finish before the test acts on its first
    progress message, even on a loaded machine (the test stops it early either way)."""
    return RenderSpec(
        video_id="video_long",
        prompt="a red kite over green hills",
        width=1280,
        height=720,
        seconds=20,
    )


def spec(seconds: int = 1, **kwargs: object) -> RenderSpec:
    return RenderSpec(
        video_id="video_worker",
        prompt="a red kite over green hills",
        width=320,
        height=180,
        seconds=seconds,
        **kwargs,
    )  # type: ignore[arg-type]


@pytest.fixture
def worker() -> Iterator[RenderProcess]:
    process = RenderProcess("test-render-worker", niceness=5)
    try:
        yield process
    finally:
        process.close()


def test_render_runs_in_another_process_with_progress(
    worker: RenderProcess, tmp_path: Path
) -> None:
    seen: list[float] = []
    files = worker.render(spec(seconds=2), tmp_path, progress=seen.append)
    assert worker.pid is not None and worker.pid != os.getpid()
    verify_video(files.video, width=320, height=180, duration_s=2.0)
    assert files.thumbnail.exists() and files.spritesheet.exists()
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 10


def test_worker_runs_at_lower_priority(worker: RenderProcess, tmp_path: Path) -> None:
    worker.render(spec(), tmp_path)
    assert worker.pid is not None
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) >= 5


def test_worker_is_reused_between_renders(worker: RenderProcess, tmp_path: Path) -> None:
    worker.render(spec(), tmp_path / "one")
    first = worker.pid
    worker.render(spec(), tmp_path / "two")
    assert worker.pid == first and worker.starts == 1 and worker.renders == 2


def test_cancel_stops_the_render_and_keeps_the_worker(
    worker: RenderProcess, tmp_path: Path
) -> None:
    progressed: list[float] = []
    with pytest.raises(RenderCancelled):
        worker.render(
            long_spec(),
            tmp_path / "cancelled",
            progress=progressed.append,
            should_cancel=lambda: bool(progressed),
        )
    assert not (tmp_path / "cancelled" / "video.mp4").exists()
    assert progressed[-1] < 1.0
    files = worker.render(spec(), tmp_path / "after")
    assert files.video.exists() and worker.starts == 1


def test_a_failed_render_reports_its_reason_and_keeps_the_worker(
    worker: RenderProcess, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.mp4"
    with pytest.raises(RenderWorkerError, match=r"gone\.mp4"):
        worker.render(spec(mode="extend", source_video=missing), tmp_path / "bad")
    assert worker.render(spec(), tmp_path / "good").video.exists()
    assert worker.starts == 1


def test_a_killed_worker_fails_the_render_and_is_replaced(
    worker: RenderProcess, tmp_path: Path
) -> None:
    worker.start()
    victim = worker.pid
    assert victim is not None

    def kill_once(_fraction: float) -> None:
        if worker.pid == victim:
            os.kill(victim, signal.SIGKILL)

    with pytest.raises(RenderWorkerError, match="stopped unexpectedly"):
        worker.render(long_spec(), tmp_path / "killed", progress=kill_once)
    files = worker.render(spec(), tmp_path / "next")
    assert files.video.exists() and worker.pid != victim and worker.starts == 2


def test_worker_exits_when_the_parent_end_of_the_pipe_closes(worker: RenderProcess) -> None:
    worker.start()
    pid = worker.pid
    assert pid is not None and worker._conn is not None
    worker._conn.close()  # what the parent's death looks like from the worker's side
    worker._conn = None
    deadline = time.monotonic() + 10
    while worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker.is_alive()


def test_workers_come_from_a_forkserver_where_the_platform_has_one() -> None:
    import multiprocessing

    expected = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    assert start_context().get_start_method() == expected


def test_the_emulator_renders_in_worker_processes_by_default(emulator: EmulatorServer) -> None:
    assert emulator.settings.render_in_processes is True
    with httpx.Client(base_url=emulator.base_url, headers={"Authorization": "Bearer x"}) as http:
        created = http.post(
            "/videos", json={"prompt": "a lighthouse at dusk", "seconds": "4", "size": "720x1280"}
        ).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if http.get(f"/videos/{created['id']}").json()["status"] == "completed":
                break
            time.sleep(0.1)
        stats = http.get(emulator.base_url.removesuffix("/v1") + "/_emulator/stats").json()
    pids = stats["render_processes"]
    assert pids and os.getpid() not in pids


def test_stopping_the_emulator_ends_its_render_workers(tmp_path: Path) -> None:
    from sora_studio.emulator.faults import EmulatorSettings

    server = EmulatorServer(tmp_path / "emu", EmulatorSettings(poll_after_ms=20))
    server.start()
    try:
        deadline = time.monotonic() + 30
        while len(server.emulator.runner.render_process_ids) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = server.emulator.runner.render_process_ids
        assert len(pids) == 2  # one per render thread (concurrency 2), started up front
    finally:
        server.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_render_threads_setting_renders_in_this_process(tmp_path: Path) -> None:
    from sora_studio.emulator.faults import EmulatorSettings

    server = EmulatorServer(
        tmp_path / "emu", EmulatorSettings(render_in_processes=False, poll_after_ms=20)
    )
    server.start()
    try:
        assert server.emulator.runner.render_process_ids == []
    finally:
        server.stop()


def test_render_in_processes_setting_must_be_a_boolean() -> None:
    from sora_studio.emulator.faults import EmulatorSettings

    settings = EmulatorSettings()
    with pytest.raises(ValueError, match="true or false"):
        settings.update({"render_in_processes": 1})
    settings.update({"render_in_processes": False})
    assert settings.render_in_processes is False


def test_when_workers_cannot_start_the_emulator_renders_on_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_studio.emulator.faults import EmulatorSettings

    def refuse(self: RenderProcess) -> None:
        raise RuntimeError("no new processes while bootstrapping")

    monkeypatch.setattr(RenderProcess, "start", refuse)
    server = EmulatorServer(tmp_path / "emu", EmulatorSettings(poll_after_ms=20))
    base_url = server.start()
    try:
        with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer x"}) as http:
            created = http.post("/videos", json={"prompt": "a kite", "seconds": "4"}).json()
            deadline = time.monotonic() + 60
            status = created["status"]
            while status != "completed" and time.monotonic() < deadline:
                time.sleep(0.1)
                status = http.get(f"/videos/{created['id']}").json()["status"]
        assert status == "completed"
        assert server.emulator.runner.render_process_ids == []
    finally:
        server.stop()


def test_spawned_workers_render_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Frozen bundles and Windows start workers with spawn (no forkserver preload)."""
    import multiprocessing

    import sora_studio.emulator.render_workers as render_workers

    monkeypatch.setattr(
        render_workers, "start_context", lambda: multiprocessing.get_context("spawn")
    )
    process = RenderProcess("test-spawned-worker", niceness=5)
    try:
        files = process.render(spec(), tmp_path)
        assert process.pid is not None and process.pid != os.getpid()
        verify_video(files.video, width=320, height=180, duration_s=1.0)
    finally:
        process.close()
