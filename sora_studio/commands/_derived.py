"""What remix, edit and extend share: a prompt applied to a finished job, then --wait and --json.

Each becomes a child job of the one named (its lineage says how it was made) on that job's own
provider, where the video lives. A provider whose capabilities lack the operation is refused by
the engine before any request, naming the provider (exit 2), and so is a job that is not ready.
"""

from __future__ import annotations

import argparse
import functools

from sora_studio.commands._waiting import add_wait_options
from sora_studio.core.catalog import Catalog

# How the "queued job N: ..." line names each operation.
_WORDS = {"remix": "remix", "edit": "edit", "extend": "extension"}


def register_derived(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    operation: str,
    *,
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """The parser of ``operation ID PROMPT`` with the shared options, handled by
    ``run_derived``; returns it for options of its own."""
    parser = subparsers.add_parser(operation, help=help, description=description)
    parser.add_argument("job_id", metavar="ID", type=int, help="the finished job to start from")
    parser.add_argument("prompt", metavar="PROMPT", help="what to change or add")
    add_wait_options(parser)
    parser.set_defaults(handler=functools.partial(run_derived, operation=operation))
    return parser


def run_derived(args: argparse.Namespace, operation: str) -> int:
    """Queue ``operation`` of ``args.job_id`` with ``args.prompt`` and follow it."""
    from sora_studio.commands._context import cli_context
    from sora_studio.commands._waiting import announce, follow

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        source = ctx.repo.require_job(args.job_id)
        if operation == "remix":
            job = engine.remix(source.id, args.prompt)
        elif operation == "edit":
            job = engine.edit(source.id, args.prompt)
        elif operation == "extend":
            seconds = args.seconds
            if seconds is None:
                seconds = shortest_extension(engine.registry.catalog(source.provider), source.model)
            job = engine.extend(source.id, args.prompt, seconds)
        else:  # pragma: no cover - the parsers name only the three above
            raise ValueError(f"unknown operation {operation!r}")
        announce([job], source.provider, f"{_WORDS[operation]} of job {source.id}")
        return follow(
            engine, ctx.repo, [job.id], wait=args.wait, timeout_s=args.timeout, as_json=args.json
        )


def shortest_extension(catalog: Catalog, model: str) -> int:
    """The shortest segment an extension of ``model`` may add (4 s for Sora)."""
    return min(catalog.extension_for(model).segment_seconds)
