"""Benchmark: HTTP requests per finished job, the engine against the SDK's own ``create_and_poll``.

Run with ``.venv/bin/python tests/benchmarks/bench_poll_economy.py``. For N = 1, 10 and 50 jobs of
4 s each, started together against a fresh emulator whose renders take at least
``MIN_JOB_SECONDS``, it counts every request the emulator saw (``GET /_emulator/stats``) until all
three files of every job were downloaded:

* the engine: ``submit`` + ``poll_once`` ticks, as the desk runs it (default poll policy, list
  calls for two or more jobs, downloads on its pool);
* the SDK: one thread per job calling ``videos.create_and_poll`` and then ``download_content``
  for the three variants (it polls each job with ``GET /videos/{id}`` at the server's
  ``openai-poll-after-ms`` hint).

Goal for N = 50: at most 5 requests per job for the engine (create, a share of the polling, three
downloads) and under a tenth of ``create_and_poll``'s polling.

Then the same N = 50 against a provider that cannot list (a LiteLLM-like profile over the same
emulator: no ``GET /videos``, only the video served, previews made locally), where the engine
polls each job by id, timed for its estimated finish. Goals: at most 8 requests per finished job,
and a p95 under 10 s from the provider finishing a render (the emulator's own clock) to its files
being in the library. Prints figures; asserts nothing. The last line is one JSON object.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import openai  # noqa: E402

from sora_studio.core.models import JobStatus  # noqa: E402
from sora_studio.emulator.faults import EmulatorSettings  # noqa: E402
from sora_studio.emulator.server import EmulatorServer  # noqa: E402
from sora_studio.services.engine import JobEngine  # noqa: E402
from sora_studio.services.orders import RenderOrder  # noqa: E402
from sora_studio.services.providers import ProviderRegistry  # noqa: E402
from sora_studio.storage.db import open_db  # noqa: E402
from sora_studio.storage.repository import Repository  # noqa: E402

SIZES = (1, 10, 50)
MIN_JOB_SECONDS = 6.0
CLIP_SECONDS = 4
DOWNLOADS_PER_JOB = 3
TIMEOUT_S = 300.0
PROMPT = "a paper lantern drifting over a dark lake, take {}"


def _emulator(folder: Path, n: int) -> EmulatorServer:
    settings = EmulatorSettings(min_job_seconds=MIN_JOB_SECONDS, concurrency=n)
    server = EmulatorServer(folder, settings)
    server.start()
    return server


def _stats(server: EmulatorServer) -> dict[str, Any]:
    root = server.base_url.removesuffix("/v1")
    data: dict[str, Any] = httpx.get(f"{root}/_emulator/stats").json()
    return data


def _creates(stats: dict[str, Any]) -> int:
    return int(stats["requests"].get("POST /v1/videos", 0))


def _downloads(stats: dict[str, Any]) -> int:
    return int(stats["requests"].get("GET /v1/videos/{video_id}/content", 0))


@dataclass
class EngineRun:
    """What one engine run saw: time, ticks, jobs ready, when each was ready, the emulator."""

    elapsed: float
    ticks: int
    ready: int
    stats: dict[str, Any]
    on_disk: dict[int, float]  # job id -> wall-clock time its files were committed
    finished: dict[int, float]  # job id -> wall-clock time the emulator finished rendering it


def _drive(n: int, folder: Path, provider: str, profile: Any = None) -> EngineRun:
    """Submit ``n`` 4 s renders to ``provider`` and step the engine until all are ready."""
    server = _emulator(folder / "emulator", n)
    repo = Repository(open_db(folder / "studio.sqlite3"))
    if profile is not None:
        repo.upsert_provider_dict(profile(server.base_url).to_dict())
    registry = ProviderRegistry(
        repo,
        env={},
        emulator_base_url=server.base_url,
        overrides={"emulator": {"concurrency_limit": n}},
    )
    engine = JobEngine(repo, registry, folder / "library", max_submits_per_tick=n)
    started = time.monotonic()
    on_disk: dict[int, float] = {}
    ticks = 0
    try:
        for i in range(n):
            order = RenderOrder(
                prompt=PROMPT.format(i),
                model="sora-2",
                size="1280x720",
                seconds=CLIP_SECONDS,
                provider=provider,
            )
            engine.submit(order)
        while time.monotonic() - started < TIMEOUT_S:
            report = engine.poll_once()
            ticks += 1
            now = time.time()
            for job in report.updated:
                if job.status is JobStatus.READY:
                    on_disk.setdefault(job.id, now)
            if repo.count_jobs(JobStatus.READY) == n:
                break
            time.sleep(report.next_delay_s)
        elapsed = time.monotonic() - started
        finished = {}
        for job in repo.jobs_in_status(JobStatus.READY):
            video = server.emulator.state.videos.get(job.remote_id or "")
            if video is not None and video.finished is not None:
                finished[job.id] = video.finished
        return EngineRun(
            elapsed=elapsed,
            ticks=ticks,
            ready=repo.count_jobs(JobStatus.READY),
            stats=_stats(server),
            on_disk=on_disk,
            finished=finished,
        )
    finally:
        engine.shutdown(10.0)
        repo.close()
        server.stop()


def run_engine(n: int, folder: Path) -> dict[str, Any]:
    run = _drive(n, folder, "emulator")
    return _figures("engine", n, run.ready, run.stats, run.elapsed, ticks=run.ticks)


def run_engine_without_list(n: int, folder: Path) -> dict[str, Any]:
    """The engine against a provider that cannot list: requests per job and finish-to-disk."""
    from sora_studio.api.provider import ProviderProfile

    def profile(base_url: str) -> ProviderProfile:
        return ProviderProfile(
            name="no-list",
            kind="gateway",
            base_url=base_url,
            key_source="none",
            preset="litellm",
            concurrency_limit=n,
            # The emulator renders exact sizes; keep the official checks on the video.
            capability_overrides={"exact_size": True},
        )

    run = _drive(n, folder, "no-list", profile)
    figures = _figures("nolist", n, run.ready, run.stats, run.elapsed, ticks=run.ticks)
    lags = sorted(
        run.on_disk[job_id] - finished
        for job_id, finished in run.finished.items()
        if job_id in run.on_disk
    )
    p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))] if lags else float("nan")
    figures["finish_to_disk_p95_s"] = p95
    figures["finish_to_disk_max_s"] = lags[-1] if lags else float("nan")
    print(
        f"         provider finished -> files on disk: p95 {p95:.2f} s, "
        f"max {figures['finish_to_disk_max_s']:.2f} s over {len(lags)} jobs"
    )
    return figures


def run_sdk(n: int, folder: Path) -> dict[str, Any]:
    server = _emulator(folder / "emulator", n)
    client = openai.OpenAI(base_url=server.base_url, api_key="emulator", timeout=60.0)
    started = time.monotonic()

    def one(i: int) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            video = client.videos.create_and_poll(
                prompt=PROMPT.format(i), model="sora-2", size="1280x720", seconds="4"
            )
            if video.status != "completed":
                return False
            for variant in ("video", "thumbnail", "spritesheet"):
                client.videos.download_content(video.id, variant=variant).read()
        return True

    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            ready = sum(pool.map(one, range(n)))
        elapsed = time.monotonic() - started
        stats = _stats(server)
    finally:
        client.close()
        server.stop()
    return _figures("sdk", n, ready, stats, elapsed)


def _figures(
    who: str, n: int, ready: int, stats: dict[str, Any], elapsed: float, ticks: int = 0
) -> dict[str, Any]:
    total = int(stats["total"])
    polling = total - _creates(stats) - _downloads(stats)
    per_job = total / max(ready, 1)
    print(
        f"  {who:<6} N={n:<3} ready {ready}/{n} in {elapsed:5.1f} s: {total} requests, "
        f"{per_job:.2f} per job ({polling} polling/list, {polling / max(ready, 1):.2f} per job)"
        + (f", {ticks} ticks" if ticks else "")
    )
    print(f"         by route: {json.dumps(stats['requests'], sort_keys=True)}")
    return {"total": total, "per_job": per_job, "polling_per_job": polling / max(ready, 1)}


def main() -> None:
    print(
        f"Requests per completed job: {CLIP_SECONDS} s clips, emulator renders take at least "
        f"{MIN_JOB_SECONDS:g} s; engine vs openai create_and_poll (+3 downloads each)"
    )
    result: dict[str, float] = {}
    for n in SIZES:
        print(f"N = {n}")
        with tempfile.TemporaryDirectory() as tmp:
            engine = run_engine(n, Path(tmp) / "engine")
            sdk = run_sdk(n, Path(tmp) / "sdk")
        result[f"n{n}_engine_requests_per_job"] = round(engine["per_job"], 3)
        result[f"n{n}_sdk_requests_per_job"] = round(sdk["per_job"], 3)
        result[f"n{n}_engine_polling_per_job"] = round(engine["polling_per_job"], 3)
        result[f"n{n}_sdk_polling_per_job"] = round(sdk["polling_per_job"], 3)
        ratio = engine["polling_per_job"] / sdk["polling_per_job"] if sdk["polling_per_job"] else 0
        result[f"n{n}_polling_ratio"] = round(ratio, 4)
        print(f"  engine polling is {ratio:.1%} of create_and_poll's")
        if n == SIZES[-1]:
            with tempfile.TemporaryDirectory() as tmp:
                no_list = run_engine_without_list(n, Path(tmp) / "nolist")
            result[f"n{n}_nolist_requests_per_job"] = round(no_list["per_job"], 3)
            result[f"n{n}_nolist_finish_to_disk_p95_s"] = round(no_list["finish_to_disk_p95_s"], 3)
            result[f"n{n}_nolist_met"] = bool(
                no_list["per_job"] <= 8 and no_list["finish_to_disk_p95_s"] < 10
            )
            print(
                f"  without list: {no_list['per_job']:.2f} requests per job (goal <= 8; "
                f"create_and_poll {sdk['per_job']:.2f}), finish -> disk p95 "
                f"{no_list['finish_to_disk_p95_s']:.2f} s (goal < 10 s)"
            )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
