"""``sora-studio render PROMPT``: queue a render headlessly, optionally wait for the files.

Without ``--wait`` the command returns once the provider has accepted the job (the render goes on
there; the desk or a later command downloads it). With ``--wait`` it stays until the files are in
the library, showing a progress bar on a terminal and plain lines otherwise, and exits non-zero
with the error class when the job fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal

from sora_studio.core.models import Job, JobStatus
from sora_studio.core.pricing import format_cents

EXIT_FAILED = 1
DEFAULT_WAIT_S = 3600.0
BAR_WIDTH = 30


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="queue a render (uses the built-in emulator when no provider is configured)",
        description="Queue a render of PROMPT with the default provider.",
    )
    parser.add_argument("prompt", metavar="PROMPT", help="what the video should show")
    parser.add_argument("--model", default="sora-2", help="model name (default: sora-2)")
    parser.add_argument("--size", default="1280x720", help="frame size WxH (default: 1280x720)")
    parser.add_argument("--seconds", type=int, default=4, help="clip length (default: 4)")
    parser.add_argument(
        "--reference", metavar="IMAGE", help="first-frame image (JPEG/PNG/WebP, same size)"
    )
    parser.add_argument("--batch", action="store_true", help="send through Batch (half price)")
    parser.add_argument("--variants", type=int, default=1, help="how many takes (default: 1)")
    parser.add_argument("--wait", action="store_true", help="wait until the files are downloaded")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_WAIT_S, help="give up waiting after this many s"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def _progress_line(jobs: list[Job]) -> str:
    done = sum(j.progress for j in jobs) / max(len(jobs), 1)
    filled = int(BAR_WIDTH * done / 100)
    states = ", ".join(sorted({j.status.value for j in jobs}))
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:3.0f}% {states}"


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context, drive, finished, is_tty, job_json, sent
    from sora_studio.core.policy import precheck
    from sora_studio.services.orders import RenderOrder

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        order = RenderOrder(
            prompt=args.prompt,
            model=args.model,
            size=args.size,
            seconds=args.seconds,
            provider=ctx.provider,
            variants=args.variants,
            batch=args.batch,
            reference_path=args.reference,
        )
        jobs = engine.submit(order)  # refuses blocking policy flags; warnings pass
        ids = [j.id for j in jobs]
        # Notes and progress go to stderr, so stdout stays machine-readable with --json.
        estimate = sum((j.estimate_cents for j in jobs), Decimal(0))
        print(
            f"queued job {', '.join(map(str, ids))} on {ctx.provider} "
            f"(estimate {format_cents(estimate)})",
            file=sys.stderr,
        )
        # The warnings the engine let through (Preflight.warnings), without a second pre-flight.
        for flag in precheck(order.prompt):
            if not flag.block:
                print(f"sora-studio: warning: {flag.message}", file=sys.stderr)
        tty = is_tty()
        last_line = [""]

        def show(current: list[Job]) -> None:
            line = _progress_line(current)
            if line == last_line[0]:
                return
            last_line[0] = line
            if tty:
                print("\r" + line, end="", file=sys.stderr, flush=True)
            else:
                print(line, file=sys.stderr, flush=True)

        if args.wait:
            jobs = drive(engine, ids, finished, timeout_s=args.timeout, on_step=show)
            engine.wait_for_downloads(10.0)
            if tty:
                print(file=sys.stderr)
        else:
            jobs = drive(engine, ids, sent, timeout_s=min(args.timeout, 120.0))
        if args.json:
            data = [job_json(ctx.repo, j) for j in jobs]
            print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
        else:
            for job in jobs:
                paths = job_json(ctx.repo, job)["paths"]
                where = paths["video"] or "(not downloaded yet)"
                print(f"job {job.id}: {job.status.value} {where}")
        failed = [j for j in jobs if j.status is not JobStatus.READY and j.status.is_terminal]
        for job in failed:
            cls = job.error_class.value if job.error_class else job.status.value
            print(f"sora-studio: job {job.id} {cls}: {job.error_message or ''}", file=sys.stderr)
        if failed or (args.wait and any(not j.status.is_terminal for j in jobs)):
            return EXIT_FAILED
        return 0
