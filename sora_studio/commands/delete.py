"""``sora-studio delete ID``: delete a job's files, and the provider's copy unless told not to."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "delete",
        help="delete a job's files (and the provider's copy)",
        description=(
            "Delete the job's files from the library and mark it deleted (its spend stays on "
            "record). The provider's copy is deleted too unless --keep-remote is given; a job "
            "still rendering is deleted remotely once it finishes."
        ),
    )
    parser.add_argument("job_id", metavar="ID", type=int, help="the job to delete")
    parser.add_argument(
        "--keep-remote", action="store_true", help="leave the provider's copy alone"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        engine.reconcile()
        note = engine.delete(args.job_id, remote=not args.keep_remote)
        print(f"job {args.job_id} deleted")
        if note:
            print(note)
        return 0
