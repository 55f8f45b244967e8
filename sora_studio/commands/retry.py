"""``sora-studio retry ID``: render a failed job again (or fetch its files again)."""

from __future__ import annotations

import argparse
import sys

from sora_studio.commands._waiting import add_wait_options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retry",
        help="retry a failed, blocked, expired or cancelled job",
        description=(
            "Queue a new render with the same recipe (recorded as a retry of ID), or, when only "
            "the download failed, download the files again (nothing is rendered or paid twice)."
        ),
    )
    parser.add_argument("job_id", metavar="ID", type=int, help="the job to retry")
    add_wait_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context
    from sora_studio.commands._waiting import follow

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        job = engine.retry(args.job_id)
        if job.id == args.job_id:
            print(f"job {job.id}: downloading again", file=sys.stderr)
        else:
            print(f"job {job.id} queued as a retry of job {args.job_id}", file=sys.stderr)
        return follow(
            engine, ctx.repo, [job.id], wait=args.wait, timeout_s=args.timeout, as_json=args.json
        )
