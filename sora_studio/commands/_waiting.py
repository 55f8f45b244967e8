"""Waiting on the jobs a command queued, and saying what became of them (``--wait``/``--json``).

Shared by every command that sends work (render, remix, edit, extend, promote) so they behave
alike: without ``--wait`` the command returns once the provider has accepted the job; with it,
it stays until the files are in the library, redrawing one progress bar on a terminal and
printing a plain line per change otherwise. Notes and progress go to stderr, so stdout carries
only the result (one JSON object, or a list for several jobs, with ``--json``).

Exit status: 0 when every job was accepted (or, with ``--wait``, is ready); 1
(:data:`EXIT_FAILED`) when a job ended failed, blocked, expired or cancelled, or ``--wait`` ran
out of time; ``UserError`` (bad input, refused before any request) is left to ``cli.main``,
which exits 2.

Kept free of the engine at import time: every command module is imported to build the parser,
and ``sora-studio jobs`` must not pay for the ``openai`` SDK.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from sora_studio.core.models import Job, JobStatus
from sora_studio.core.pricing import format_cents

if TYPE_CHECKING:
    from sora_studio.services.engine import JobEngine
    from sora_studio.storage.repository import Repository

EXIT_OK = 0
EXIT_FAILED = 1
DEFAULT_WAIT_S = 3600.0
# Without --wait: how long to wait for the provider to accept the job before returning anyway.
SEND_WAIT_S = 120.0
# After the last job is final, how long to let a download still writing (a preview) finish.
DOWNLOAD_GRACE_S = 10.0
BAR_WIDTH = 30


WAIT_EPILOG = (
    "Exit status: 0 when the provider accepted the job (with --wait: when its files are "
    "downloaded); 1 when it ended failed, blocked, expired or cancelled, or --wait ran out of "
    "time ('sora-studio sync' carries on); 2 for bad input or an operation refused before any "
    "request (nothing sent)."
)


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    """``--wait``, ``--timeout`` and ``--json``, worded the same on every command, and the exit
    status they lead to as the parser's epilog (unless it has one)."""
    if parser.epilog is None:
        parser.epilog = WAIT_EPILOG
    parser.add_argument("--wait", action="store_true", help="wait until the files are downloaded")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="S",
        help=f"give up waiting after S seconds (default: {DEFAULT_WAIT_S:.0f})",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")


def progress_line(jobs: Sequence[Job]) -> str:
    """``[#####.....]  50% in_progress``: mean progress and the states the jobs are in."""
    done = sum(j.progress for j in jobs) / max(len(jobs), 1)
    filled = int(BAR_WIDTH * done / 100)
    states = ", ".join(sorted({j.status.value for j in jobs}))
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:3.0f}% {states}"


class ProgressPrinter:
    """Shows progress on stderr: redrawn in place on a terminal, a line per change otherwise.

    Call it with the jobs after each engine step (it fits ``drive``'s ``on_step``); call
    :meth:`close` when done, so a bar redrawn in place ends with a line break.
    """

    def __init__(
        self,
        *,
        tty: bool | None = None,
        stream: TextIO | None = None,
        line: Callable[[Sequence[Job]], str] = progress_line,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._tty = self._stream.isatty() if tty is None else tty
        self._line = line
        self._last = ""

    def __call__(self, jobs: Sequence[Job]) -> None:
        line = self._line(jobs)
        if line == self._last:
            return  # a line per change, not per poll: logs stay readable
        self._last = line
        if self._tty:
            print("\r" + line, end="", file=self._stream, flush=True)
        else:
            print(line, file=self._stream, flush=True)

    def close(self) -> None:
        if self._tty and self._last:
            print(file=self._stream, flush=True)


def announce(jobs: Sequence[Job], provider: str, what: str = "") -> None:
    """``queued job 7 on emu (estimate $0.40)``, plus ``what`` (e.g. "remix of job 3")."""
    estimate = sum((j.estimate_cents for j in jobs), Decimal(0))
    ids = ", ".join(str(j.id) for j in jobs)
    detail = f": {what}" if what else ""
    print(
        f"queued job {ids}{detail} on {provider} (estimate {format_cents(estimate)})",
        file=sys.stderr,
    )


def failure_line(job: Job) -> str:
    """``sora-studio: job 7 transient: <what the provider said>`` for a job that ended badly."""
    cls = job.error_class.value if job.error_class else job.status.value
    return f"sora-studio: job {job.id} {cls}: {job.error_message or ''}".rstrip()


def print_jobs(repo: Repository, jobs: Sequence[Job], *, as_json: bool) -> None:
    """The result on stdout: JSON (one object, or a list for several) or a line per job."""
    from sora_studio.commands._job_output import job_json

    if as_json:
        data = [job_json(repo, j) for j in jobs]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
        return
    for job in jobs:
        where = job_json(repo, job)["paths"]["video"] or "(not downloaded yet)"
        print(f"job {job.id}: {job.status.value} {where}")


def follow(
    engine: JobEngine,
    repo: Repository,
    job_ids: Sequence[int],
    *,
    wait: bool,
    timeout_s: float,
    as_json: bool,
) -> int:
    """Drive the engine until the jobs are accepted (or, with ``wait``, final), print, exit code.

    A job that ended badly gets a line on stderr naming its error class; with ``wait``, a job
    still unfinished when the time ran out counts as a failure too.
    """
    from sora_studio.commands._context import drive, finished, sent

    ids = list(job_ids)
    if wait:
        printer = ProgressPrinter()
        jobs = drive(engine, ids, finished, timeout_s=timeout_s, on_step=printer)
        engine.wait_for_downloads(DOWNLOAD_GRACE_S)
        printer.close()
    else:
        jobs = drive(engine, ids, sent, timeout_s=min(timeout_s, SEND_WAIT_S))
    print_jobs(repo, jobs, as_json=as_json)
    failed = [j for j in jobs if j.status is not JobStatus.READY and j.status.is_terminal]
    for job in failed:
        print(failure_line(job), file=sys.stderr)
    unfinished = [j for j in jobs if not j.status.is_terminal]
    if wait and unfinished:
        print(
            f"sora-studio: gave up waiting after {timeout_s:g} s; job "
            f"{', '.join(str(j.id) for j in unfinished)} not finished yet "
            "('sora-studio sync' carries on)",
            file=sys.stderr,
        )
    if failed or (wait and unfinished):
        return EXIT_FAILED
    return EXIT_OK
