"""``sora-studio render PROMPT``: queue a render headlessly, optionally wait for the files.

Without ``--wait`` the command returns once the provider has accepted the job (the render goes on
there; the desk or a later command downloads it). With ``--wait`` it stays until the files are in
the library, showing a progress bar on a terminal and plain lines otherwise, and exits non-zero
with the error class when the job fails.

Models other than Sora take settings of their own: ``--negative-prompt``, ``--seed``, ``--steps``
and ``--guidance`` are sent as extra body fields to a model that takes them and refused, before
anything is queued, for one that does not. ``--model`` accepts any model the provider's catalog
offers (its name or an alias); a frame-based model's frame count and fps follow from
``--seconds``.
"""

from __future__ import annotations

import argparse
import sys

from sora_studio.commands._waiting import add_wait_options
from sora_studio.core.catalog import Catalog
from sora_studio.core.errors import UserError
from sora_studio.core.extras import GUIDANCE, NEGATIVE_PROMPT, SEED, STEPS, ExtraField


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="queue a render (uses the built-in emulator when no provider is configured)",
        description="Queue a render of PROMPT with the default provider.",
    )
    parser.add_argument("prompt", metavar="PROMPT", help="what the video should show")
    parser.add_argument(
        "--model",
        default="sora-2",
        help="a model the provider offers: sora-2, veo-3.1, wan-2.2-ti2v-5b, or the name the "
        "server lists (default: sora-2)",
    )
    parser.add_argument(
        "--size",
        default="1280x720",
        help="frame size WxH the model offers, e.g. 720x1280, or 1280x704 for Wan 2.2 5B "
        "(default: 1280x720)",
    )
    parser.add_argument(
        "--seconds",
        type=int,
        default=4,
        help="clip length the model offers: 4/8/12 for Sora, 4/6/8 for Veo, 2-5 for Wan "
        "(default: 4)",
    )
    parser.add_argument(
        "--reference", metavar="IMAGE", help="first-frame image (JPEG/PNG/WebP, same size)"
    )
    parser.add_argument(
        "--batch",
        action="store_true",
        help="send through Batch (half price, for models that have it)",
    )
    parser.add_argument("--variants", type=int, default=1, help="how many takes (default: 1)")
    advanced = parser.add_argument_group(
        "model settings", "sent only to models that take them (open models such as Wan)"
    )
    advanced.add_argument(
        NEGATIVE_PROMPT.option, metavar="TEXT", help="what to keep out of the video"
    )
    advanced.add_argument(SEED.option, type=int, metavar="N", help="seed, to repeat a render")
    advanced.add_argument(STEPS.option, type=int, metavar="N", help="denoising steps (1-200)")
    advanced.add_argument(
        GUIDANCE.option,
        type=float,
        metavar="X",
        help="guidance scale: how closely to follow the prompt (0-30)",
    )
    add_wait_options(parser)
    parser.set_defaults(handler=run)


_OPTIONS: tuple[tuple[str, ExtraField], ...] = (
    ("negative_prompt", NEGATIVE_PROMPT),
    ("seed", SEED),
    ("steps", STEPS),
    ("guidance", GUIDANCE),
)


def extras_from_args(args: argparse.Namespace) -> tuple[tuple[str, str | int | float], ...]:
    """The model settings given on the command line, as extra body fields."""
    return tuple(
        (extra.name, value)
        for attr, extra in _OPTIONS
        if (value := getattr(args, attr, None)) is not None
    )


def refuse_unsupported(
    catalog: Catalog, model: str, provider: str, extras: tuple[tuple[str, object], ...]
) -> None:
    """Raise ``UserError`` naming the options ``model`` does not take (and models that do)."""
    spec = catalog.model(model)
    if spec is None or not extras:
        return  # an unknown model is explained by the pre-flight, with the models offered
    given = {name for name, _ in extras}
    refused = [
        extra for _, extra in _OPTIONS if extra.name in given and not spec.takes(extra.support)
    ]
    if not refused:
        return
    flags = " and ".join(extra.option for extra in refused)
    others = [
        s.name
        for s in catalog.models.values()
        if s.name != spec.name and all(s.takes(extra.support) for extra in refused)
    ]
    hint = f", or choose --model {' or '.join(others[:3])}" if others else ""
    them = "them" if len(refused) > 1 else "it"
    raise UserError(
        f"{spec.label} on {provider} does not take {flags}; leave {them} out{hint}. "
        "Nothing was queued."
    )


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import cli_context
    from sora_studio.commands._waiting import announce, follow
    from sora_studio.core.policy import precheck
    from sora_studio.services.orders import RenderOrder

    with cli_context(args) as ctx:
        engine = ctx.require_engine()
        extras = extras_from_args(args)
        refuse_unsupported(engine.registry.catalog(ctx.provider), args.model, ctx.provider, extras)
        order = RenderOrder(
            prompt=args.prompt,
            model=args.model,
            size=args.size,
            seconds=args.seconds,
            provider=ctx.provider,
            variants=args.variants,
            batch=args.batch,
            reference_path=args.reference,
            extras=extras,
        )
        jobs = engine.submit(order)  # refuses blocking policy flags; warnings pass
        ids = [j.id for j in jobs]
        # Notes and progress go to stderr, so stdout stays machine-readable with --json.
        announce(jobs, ctx.provider)
        # The warnings the engine let through (Preflight.warnings), without a second pre-flight.
        for flag in precheck(order.prompt):
            if not flag.block:
                print(f"sora-studio: warning: {flag.message}", file=sys.stderr)
        return follow(
            engine, ctx.repo, ids, wait=args.wait, timeout_s=args.timeout, as_json=args.json
        )
