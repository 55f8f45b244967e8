"""The engine against a provider that answers badly: each case ends in a clear state, and nothing
is rendered (charged) twice.

The provider is a tiny real HTTP server on a loopback port (tests/api/conftest.py's
``CannedServer``) scripted per route: HTML 502 pages, JSON that is not JSON, a status word no
contract has, an HTML page where the MP4 should be, a 404 for a job it accepted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_studio.core.models import AssetVariant, ErrorClass, JobStatus
from sora_studio.services.engine import JobEngine
from sora_studio.services.providers import ProviderRegistry
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.api.conftest import Canned, CannedServer, Seen
from tests.media_factory import write_clip
from tests.services.conftest import FAST_POLICY, PROMPT, order, save_gateway

PROVIDER = "shaky"
BAD_GATEWAY = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
HTML = {"content-type": "text/html"}


def _video(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "vid_1",
        "object": "video",
        "status": status,
        "progress": 100 if status == "completed" else 10,
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "2",
        "created_at": 1,
        "completed_at": 2 if status == "completed" else None,
        "prompt": PROMPT,
        **fields,
    }


class Script:
    """Per-route answers in order; the last one repeats. Counts what was asked."""

    def __init__(self, routes: dict[str, list[Canned]]) -> None:
        self.routes = {k: list(v) for k, v in routes.items()}
        self.asked: dict[str, int] = {}

    def __call__(self, seen: Seen) -> Canned:
        path = seen.path.split("?")[0].removeprefix("/v1")
        key = f"{seen.method} {path}"
        self.asked[key] = self.asked.get(key, 0) + 1
        answers = self.routes.get(key) or [Canned(404, {"error": {"message": "no such route"}})]
        return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture
def shaky(tmp_path: Path) -> Iterator[Callable[[Script], JobEngine]]:
    canned = CannedServer()
    made: list[tuple[JobEngine, Repository]] = []

    def make(script: Script) -> JobEngine:
        canned.route = script
        repo = Repository(open_db(tmp_path / "studio.sqlite3"))
        save_gateway(
            repo, PROVIDER, canned.base_url, "generic", capability_overrides={"list_videos": False}
        )
        engine = JobEngine(
            repo, ProviderRegistry(repo, env={}), tmp_path / "lib", policy=FAST_POLICY
        )
        made.append((engine, repo))
        return engine

    yield make
    for engine, repo in made:
        engine.shutdown(5.0)
        repo.close()
    canned.stop()


def _run(engine: JobEngine, job_id: int, timeout_s: float = 30.0) -> Any:
    import time

    deadline = time.monotonic() + timeout_s
    repo = engine.repository
    for _ in itertools.count():
        job = repo.require_job(job_id)
        if job.status.is_terminal:
            return job
        assert time.monotonic() < deadline, f"stuck: {job.status} {job.error_message}"
        engine._core.job_poll_at = {k: 0.0 for k in engine._core.job_poll_at}  # no waiting here
        report = engine.poll_once()
        time.sleep(min(report.next_delay_s, 0.05))


def test_bad_answers_while_polling_and_downloading_still_end_ready(
    shaky: Callable[[Script], JobEngine], tmp_path: Path
) -> None:
    mp4 = write_clip(tmp_path / "clip.mp4", width=1280, height=720).read_bytes()
    script = Script(
        {
            "POST /videos": [Canned(200, _video("queued"))],
            "GET /videos/vid_1": [
                Canned(502, BAD_GATEWAY, HTML),  # a proxy in front of the server is failing
                Canned(200, b"{not json", {"content-type": "application/json"}),
                Canned(200, _video("warming_up")),  # a status no contract has: still running
                Canned(200, _video("completed")),
            ],
            "GET /videos/vid_1/content": [
                Canned(200, BAD_GATEWAY, HTML),  # an error page where the MP4 should be
                Canned(200, mp4, {"content-type": "video/mp4"}),
            ],
        }
    )
    engine = shaky(script)
    (job,) = engine.submit(order(provider=PROVIDER, seconds=4))
    engine.repository.update_job(job.id, seconds=2)  # the canned clip's length
    done = _run(engine, job.id)
    assert done.status is JobStatus.READY, (done.error_class, done.error_message)
    assets = engine.repository.assets_for(job.id)
    assert set(assets) == set(AssetVariant)  # previews made from the MP4
    assert script.asked["POST /videos"] == 1
    assert script.asked["GET /videos/vid_1"] >= 4


def test_a_create_answered_with_an_html_page_is_never_resent_blindly(
    shaky: Callable[[Script], JobEngine],
) -> None:
    # A 502 page on create: the server may or may not have started the render, and this
    # provider cannot list, so the job cannot be checked: it is failed for an explicit retry.
    script = Script({"POST /videos": [Canned(502, BAD_GATEWAY, HTML)]})
    engine = shaky(script)
    (job,) = engine.submit(order(provider=PROVIDER))
    done = _run(engine, job.id)
    assert done.status is JobStatus.FAILED
    assert done.error_class is ErrorClass.SUBMIT_UNCONFIRMED
    assert "cannot list its videos" in (done.error_message or "")
    assert script.asked["POST /videos"] == 1


def test_a_job_the_provider_forgot_is_lost_not_stuck(shaky: Callable[[Script], JobEngine]) -> None:
    script = Script(
        {
            "POST /videos": [Canned(200, _video("queued"))],
            "GET /videos/vid_1": [
                Canned(200, _video("in_progress")),
                Canned(404, {"detail": "Video not found"}),  # SGLang after a restart
            ],
        }
    )
    engine = shaky(script)
    (job,) = engine.submit(order(provider=PROVIDER))
    done = _run(engine, job.id)
    assert done.status is JobStatus.FAILED and done.error_class is ErrorClass.LOST
    assert script.asked["POST /videos"] == 1
