"""``sora-studio sync``: carry every unfinished job of the library to a final state.

What a killed ``render --wait`` (or a closed desk) left behind is finished here: the command
reconciles first (a ``submitting`` row is looked for on the provider and attached when found,
failed as "unconfirmed, not charged" when not; cut downloads are queued again), then drives the
engine until every job that was unfinished is final with its files on disk, or the time runs out.
It never resends a job by itself: a job the provider lost, or one whose send cannot be
confirmed, ends failed with a message saying to retry it. Jobs still queued locally are sent, as
the desk would (that is their first send, not a resend) unless the queue is paused.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sora_studio.core.models import ErrorClass, Job, JobStatus

if TYPE_CHECKING:
    from sora_studio.storage.repository import Repository

EXIT_OK = 0
EXIT_FAILED = 1  # some job ended failed, blocked, expired, lost or unconfirmed
EXIT_NOT_FINISHED = 3  # nothing ended badly, but the time ran out (or the queue is paused)
DEFAULT_SYNC_S = 3600.0
BAR_WIDTH = 30

EPILOG = """\
exit status:
  0  every job ended ready (or was cancelled or deleted meanwhile), or nothing was unfinished
  1  some job finished badly: failed, blocked, expired, lost by the provider, or unconfirmed
     (not found on the provider, not charged); each gets a line saying which and why.
     Retry them with 'sora-studio retry ID'
  2  bad input (nothing was done)
  3  nothing finished badly, but some job was not finished when --timeout ran out (or waits
     in a paused queue); run sync again to carry on
"""

# Local states that only move on when the queue sends them.
_WAITING_TO_SEND = (JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="finish every unfinished job (after a killed render or a closed desk)",
        description=(
            "Drive every unfinished job of the library (all providers) to a final state, "
            "downloads included: reconcile what a killed command left, poll the providers, "
            "download the results. Never sends a job a second time by itself."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_SYNC_S,
        metavar="S",
        help=f"give up after S seconds (default: {DEFAULT_SYNC_S:.0f})",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one job: a word for scripts, whether it is fine, and why (for people)."""

    # ready, cancelled, deleted, failed, blocked, expired, lost, unconfirmed or not_finished
    word: str
    ok: bool
    finished: bool
    reason: str  # "" for a job that is fine


def outcome(job: Job, *, paused: bool = False) -> Outcome:
    """Classify ``job`` after the sync: fine, finished badly (which way), or not finished."""
    message = job.error_message or ""
    if job.status is JobStatus.READY:
        return Outcome("ready", True, True, "")
    if job.status in (JobStatus.CANCELLED, JobStatus.DELETED):
        # Someone chose this (the desk, or a delete) while sync ran: nothing to report.
        return Outcome(job.status.value, True, True, "")
    if job.status.is_terminal:
        if job.error_class is ErrorClass.LOST:
            word, what = "lost", "finished, lost by the provider"
        elif job.error_class is ErrorClass.SUBMIT_UNCONFIRMED:
            word, what = (
                "unconfirmed",
                "finished, unconfirmed (not found on the provider; not charged)",
            )
        else:
            word, what = job.status.value, f"finished, {job.status.value}"
        cls = f" [{job.error_class.value}]" if job.error_class else ""
        said = f": {message}" if message else ""
        return Outcome(word, False, True, f"{what}{cls}{said}")
    state = f"{job.status.value}, {job.progress}%"
    if paused and job.status in _WAITING_TO_SEND:
        why = "the queue is paused; resume it in the desk and sync again"
    elif message:
        why = message
    else:
        why = "still being rendered or downloaded; run 'sora-studio sync' again"
    return Outcome("not_finished", False, False, f"not finished ({state}): {why}")


def _sync_line(jobs: Sequence[Job]) -> str:
    done = sum(j.progress if not j.status.is_terminal else 100 for j in jobs) / max(len(jobs), 1)
    filled = int(BAR_WIDTH * done / 100)
    final = sum(1 for j in jobs if j.status.is_terminal)
    active = sorted({j.status.value for j in jobs if not j.status.is_terminal})
    rest = f"; {', '.join(active)}" if active else ""
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:3.0f}% {final}/{len(jobs)} final{rest}"
    )


def _unfinished_providers(repo: Repository) -> set[str]:
    from sora_studio.services.engine import NON_TERMINAL

    return {j.provider for j in repo.jobs_in_status(*NON_TERMINAL)}


def _team_exchange(repo: Repository) -> dict[str, Any] | None:
    """Exchange with the team library when the library is connected; None when it is not.

    An unreachable server is said, not fatal: the changes wait in the outbox.
    """
    from dataclasses import asdict

    from sora_studio.services.team_outbox import team_identity
    from sora_studio.services.team_sync import exchange
    from sora_studio.storage.team_pg import TeamError

    if team_identity(repo) is None:
        return None
    try:
        report = exchange(repo)
    except TeamError as exc:
        print(f"sora-studio: team library: {exc}", file=sys.stderr)
        return {"reachable": False, "error": str(exc)}
    print(f"team library: sent {report.sent}, received {report.applied}", file=sys.stderr)
    return {"reachable": True, **asdict(report)}


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context, drive
    from sora_studio.commands._job_output import job_json
    from sora_studio.commands._waiting import DOWNLOAD_GRACE_S, ProgressPrinter

    with cli_context(args, uses=_unfinished_providers) as ctx:
        engine = ctx.require_engine()
        # Listed before reconciling: a row reconciliation fails at once is reported too.
        ids = [j.id for j in engine.unfinished_jobs()]
        if not ids:
            team = _team_exchange(ctx.repo)
            if args.json:
                summary = _summary([], [], timed_out=False, code=EXIT_OK)
                print(json.dumps(_with_team(summary, team), indent=2))
            else:
                print("nothing to sync: every job has finished")
            return EXIT_OK
        print(f"syncing {len(ids)} unfinished job(s)", file=sys.stderr)
        report = engine.reconcile()
        if report.attached:
            found = ", ".join(map(str, report.attached))
            print(f"found job {found} on the provider after an interrupted send", file=sys.stderr)
        paused = engine.is_paused
        if paused:
            print(
                "sora-studio: the queue is paused: jobs not yet sent stay queued",
                file=sys.stderr,
            )

        def done(job: Job) -> bool:
            return job.status.is_terminal or (paused and job.status in _WAITING_TO_SEND)

        printer = ProgressPrinter(line=_sync_line)
        drive(engine, ids, done, timeout_s=args.timeout, on_step=printer)
        engine.wait_for_downloads(DOWNLOAD_GRACE_S)
        printer.close()
        jobs = [ctx.repo.require_job(i) for i in ids]
        outcomes = [outcome(j, paused=paused) for j in jobs]
        timed_out = any(not o.finished for o in outcomes)
        if any(o.finished and not o.ok for o in outcomes):
            code = EXIT_FAILED
        elif timed_out:
            code = EXIT_NOT_FINISHED
        else:
            code = EXIT_OK
        team = _team_exchange(ctx.repo)  # after the renders, so their results go up too
        if args.json:
            rows = [
                {
                    **job_json(ctx.repo, j),
                    "outcome": o.word,
                    "finished": o.finished,
                    "reason": o.reason or None,
                }
                for j, o in zip(jobs, outcomes, strict=True)
            ]
            summary = _summary(rows, outcomes, timed_out=timed_out, code=code)
            print(json.dumps(_with_team(summary, team), indent=2))
        else:
            for job, result in zip(jobs, outcomes, strict=True):
                where = job_json(ctx.repo, job)["paths"]["video"] if result.ok else None
                print(f"job {job.id}: {result.word}" + (f" {where}" if where else ""))
        for job, result in zip(jobs, outcomes, strict=True):
            if not result.ok:
                print(f"sora-studio: job {job.id} {result.reason}", file=sys.stderr)
        print(_tally(outcomes, args.timeout if timed_out else None), file=sys.stderr)
        return code


def _summary(
    rows: list[dict[str, Any]], outcomes: Sequence[Outcome], *, timed_out: bool, code: int
) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for result in outcomes:
        counts[result.word] = counts.get(result.word, 0) + 1
    return {"exit_code": code, "timed_out": timed_out, "counts": counts, "jobs": rows}


def _with_team(summary: dict[str, Any], team: dict[str, Any] | None) -> dict[str, Any]:
    """The summary, with the team exchange's report when the library is connected."""
    return summary if team is None else {**summary, "team": team}


def _tally(outcomes: Sequence[Outcome], timeout_s: float | None) -> str:
    counts: dict[str, int] = {}
    for result in outcomes:
        counts[result.word] = counts.get(result.word, 0) + 1
    parts = ", ".join(f"{n} {word.replace('_', ' ')}" for word, n in sorted(counts.items()))
    late = f" (time ran out after {timeout_s:g} s)" if timeout_s is not None else ""
    return f"synced {len(outcomes)} job(s): {parts}{late}"
