"""``sora-studio jobs``: list the library's render jobs (read-only; nothing is sent)."""

from __future__ import annotations

import argparse
import json

from sora_studio.core.models import JobStatus


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("jobs", help="list render jobs and their status")
    parser.add_argument(
        "--status",
        action="append",
        choices=[s.value for s in JobStatus],
        metavar="S",
        help="only jobs in status S (repeatable): " + ", ".join(s.value for s in JobStatus),
    )
    parser.add_argument("--limit", type=int, default=None, help="at most this many, newest first")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._job_output import job_json
    from sora_studio.commands._repository import open_repository

    _, repo = open_repository(args)
    try:
        jobs = repo.list_jobs(statuses=args.status, limit=args.limit)
        if args.json:
            print(json.dumps([job_json(repo, j) for j in jobs], indent=2))
            return 0
        if not jobs:
            print("no jobs" + (f" in status {', '.join(args.status)}" if args.status else ""))
            return 0
        for job in jobs:
            error = f"  [{job.error_class.value}] {job.error_message}" if job.error_class else ""
            prompt = job.prompt if len(job.prompt) <= 50 else job.prompt[:47] + "..."
            print(
                f"{job.id:>5}  {job.status.value:<12} {job.progress:>3}%  {job.model:<11} "
                f"{job.size:<9} {job.seconds:>3}s  {prompt}{error}"
            )
        return 0
    finally:
        repo.close()
