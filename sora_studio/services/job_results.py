"""Handing results from worker threads back to the engine's thread, one job at a time.

Downloads (a thread pool) and blocking create calls on synchronous servers (a thread per job)
both finish off the engine's thread: each worker puts its result on a queue, and the engine
drains the queue between polls and forgets the job as running only then. Until its result is
drained a job still counts as running, so a job whose row still says "downloading" (or "in
progress") is never started a second time in between.
"""

from __future__ import annotations

import queue
from collections.abc import MutableMapping
from typing import Any, Protocol, TypeVar


class JobResult(Protocol):
    @property
    def job_id(self) -> int: ...


R = TypeVar("R", bound=JobResult)


def drain_results(results: queue.Queue[R], running: MutableMapping[int, Any]) -> list[R]:
    """Every result queued so far, each job then dropped from ``running`` (engine thread)."""
    drained: list[R] = []
    while True:
        try:
            drained.append(results.get_nowait())
        except queue.Empty:
            break
    for result in drained:
        running.pop(result.job_id, None)
    return drained
