"""``sora-studio promote ID``: render a job's recipe again on the pro model, after a quote.

The quote (what the job cost, or will cost, next to the pro render's estimate) is printed on
stderr before the result; ``--quote`` prints only the quote and sends nothing.
"""

from __future__ import annotations

import argparse
import json
import sys

from sora_studio.commands._waiting import add_wait_options
from sora_studio.core.model_spec import ModelSpec
from sora_studio.core.models import Size


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "promote",
        help="render a job again on its model's better sibling (shows the quote first)",
        description=(
            "Render job ID's recipe again on the better model the catalog names for it "
            "(sora-2 -> sora-2-pro, veo-3.1-fast -> veo-3.1, FastWan -> Wan), recorded as a "
            "promotion of ID, on the job's own provider. Prints what the job cost next to the "
            "promoted render's estimate."
        ),
    )
    parser.add_argument("job_id", metavar="ID", type=int, help="the job to promote")
    parser.add_argument(
        "--size",
        metavar="WxH",
        default=None,
        help="frame size of the promoted render (default: the job's, or the better model's "
        "nearest size of the same orientation when it does not offer the job's)",
    )
    parser.add_argument(
        "--quote", action="store_true", help="print the quote only; nothing is sent"
    )
    add_wait_options(parser)
    parser.set_defaults(handler=run)


def _offers(spec: ModelSpec, size: str) -> bool:
    try:
        return spec.offers_size(Size.parse(size))
    except ValueError:
        return False


def _default_size(spec: ModelSpec | None, size: str) -> str:
    """The job's size when the better model offers it, else its first of the same orientation."""
    if spec is None or _offers(spec, size):
        return size
    portrait = Size.parse(size).is_portrait
    for offered in spec.menu_sizes():
        if Size.parse(offered).is_portrait == portrait:
            return offered
    return size


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context
    from sora_studio.commands._waiting import announce, follow
    from sora_studio.core.errors import UserError
    from sora_studio.core.pricing import format_cents

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        source = ctx.repo.require_job(args.job_id)
        target = engine.promotion_model(source.id)  # UserError when there is none
        catalog = engine.registry.catalog(source.provider)
        spec = catalog.model(target)
        size = args.size or _default_size(spec, source.size)
        if spec is None or not _offers(spec, size):
            offered = ", ".join(catalog.sizes_for(target)) or "none"
            raise UserError(
                f"{target} on {source.provider} does not offer {size}; "
                f"choose --size from: {offered}"
            )
        current, pro = engine.promotion_quote(source.id, size)
        spent = "cost" if source.cost_cents is not None else "is estimated at"
        quote = (
            f"job {source.id} ({source.model} {source.size}) {spent} {format_cents(current)}; "
            f"on {target} at {size} it is estimated at {format_cents(pro)}"
        )
        if args.quote:
            if args.json:
                data = {
                    "job_id": source.id,
                    "model": target,
                    "size": size,
                    "current_cents": str(current),
                    "current_is_estimate": source.cost_cents is None,
                    "pro_estimate_cents": str(pro),
                }
                print(json.dumps(data, indent=2))
            else:
                print(quote)
            return 0
        job = engine.promote(source.id, size)  # validates the size and the budget
        print(quote, file=sys.stderr)
        announce([job], source.provider, f"promotion of job {source.id}")
        return follow(
            engine, ctx.repo, [job.id], wait=args.wait, timeout_s=args.timeout, as_json=args.json
        )
