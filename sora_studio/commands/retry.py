"""``sora-studio retry ID``: render a failed job again (or fetch its files again)."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retry",
        help="retry a failed, blocked, expired or cancelled job",
        description=(
            "Queue a new render with the same recipe (recorded as a retry of ID), or, when only "
            "the download failed, download the files again."
        ),
    )
    parser.add_argument("job_id", metavar="ID", type=int, help="the job to retry")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context, drive, job_json, sent

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        job = engine.retry(args.job_id)
        job = drive(engine, [job.id], sent, timeout_s=120.0)[0]
        if args.json:
            print(json.dumps(job_json(ctx.repo, job), indent=2))
        elif job.id == args.job_id:
            print(f"job {job.id}: downloading again ({job.status.value})")
        else:
            print(f"job {job.id} queued as a retry of job {args.job_id} ({job.status.value})")
        if job.status.is_terminal and job.error_class is not None:
            print(
                f"sora-studio: job {job.id} {job.error_class.value}: {job.error_message}",
                file=sys.stderr,
            )
            return 1
        return 0
