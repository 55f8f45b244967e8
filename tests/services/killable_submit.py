"""Helper for the kill-and-restart tests: run the engine until it SIGKILLs itself at one step.

Usage: ``python killable_submit.py STUDIO_ROOT BASE_URL KILL_AT [VARIANTS]`` where KILL_AT is one
of :data:`KILL_POINTS` (or ``never``). The process submits one order and polls until the chosen
moment, then kills itself with SIGKILL: no ``finally``, no atexit, no flush, exactly like a crash
or a power cut of the app (the OS still keeps what was written).

The hooks wrap the app's own objects (the real client, repository and library functions run
unchanged); the SDK is never faked.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sora_studio.core.lifecycle import PollPolicy  # noqa: E402
from sora_studio.services import downloads  # noqa: E402
from sora_studio.services.engine import JobEngine  # noqa: E402
from sora_studio.services.orders import RenderOrder  # noqa: E402
from sora_studio.services.providers import ProviderRegistry  # noqa: E402
from sora_studio.storage.db import open_db  # noqa: E402
from sora_studio.storage.repository import Repository  # noqa: E402

KILL_POINTS = (
    "after_queue",  # rows committed as queued_local, nothing sent
    "before_create",  # row committed as submitting, create call not made
    "after_create",  # the provider accepted it, remote id not yet committed
    "after_attach",  # remote id committed, status not yet updated
    "while_polling",  # after the first poll that saw the job running
    "mid_download",  # part of the video written to its temp file
    "after_rename",  # the video renamed into place, nothing committed about it
)


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class CreateHook:
    """Wraps the real submit client: dies before or after the real create call."""

    def __init__(self, client: Any, kill_at: str) -> None:
        self._client = client
        self._kill_at = kill_at

    def create(self, request: Any, **kwargs: Any) -> Any:
        if self._kill_at == "before_create":
            die()
        result = self._client.create(request, **kwargs)
        if self._kill_at == "after_create":
            die()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class DownloadHook:
    """Wraps the real client's download: dies once the first chunk is on disk."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def download(self, video_id: str, variant: Any, dest: Path, **kwargs: Any) -> Any:
        def progress(done: int, total: int | None) -> None:
            if done > 0:
                die()

        return self._client.download(video_id, variant, dest, **{**kwargs, "on_progress": progress})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def main() -> None:
    root, base_url, kill_at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    variants = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    if kill_at not in (*KILL_POINTS, "never"):
        raise SystemExit(f"KILL_AT must be one of {', '.join(KILL_POINTS)} or never")
    repo = Repository(open_db(root / "studio.sqlite3"))
    registry = ProviderRegistry(repo, env={}, emulator_base_url=base_url)
    real_submit_client = registry.submit_client
    registry.submit_client = lambda name: CreateHook(real_submit_client(name), kill_at)  # type: ignore[method-assign]
    if kill_at == "mid_download":
        real_client = registry.client
        registry.client = lambda name: DownloadHook(real_client(name))  # type: ignore[method-assign]
    if kill_at == "after_attach":
        real_attach = repo.attach_remote_id

        def attach(job_id: int, remote_id: str) -> Any:
            job = real_attach(job_id, remote_id)
            die()
            return job

        repo.attach_remote_id = attach  # type: ignore[method-assign]
    if kill_at == "after_rename":
        real_commit = downloads.library.commit_file

        def commit(temp: Path, dest: Path, verify: Any = None) -> str:
            digest = real_commit(temp, dest, verify)
            die()
            return digest

        downloads.library.commit_file = commit  # type: ignore[assignment]
    engine = JobEngine(
        repo,
        registry,
        root / "library",
        policy=PollPolicy(base_interval_s=0.1, min_interval_s=0.02),
    )
    engine.submit(
        RenderOrder(
            prompt="a lighthouse beam sweeping over a night sea",
            model="sora-2",
            size="1280x720",
            seconds=4,
            provider="emulator",
            variants=variants,
        )
    )
    if kill_at == "after_queue":
        die()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        report = engine.poll_once()
        if kill_at == "while_polling" and any(
            j.status.is_active_remote and j.progress > 0 for j in report.updated
        ):
            die()
        if all(j.status.is_terminal for j in repo.list_jobs()):
            break
        time.sleep(min(report.next_delay_s, 0.05))
    engine.shutdown(5.0)
    print("finished without being killed")


if __name__ == "__main__":
    main()
