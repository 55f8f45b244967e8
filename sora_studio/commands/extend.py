"""``sora-studio extend ID PROMPT``: add a segment to the end of a finished video."""

from __future__ import annotations

import argparse

from sora_studio.commands._derived import register_derived


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = register_derived(
        subparsers,
        "extend",
        help="extend a finished job by a new segment",
        description=(
            "Extend the finished job ID with a segment that shows PROMPT; the new job is the "
            "stitched whole (recorded as an extension of ID). Refused, before any request, "
            "when the job is not ready, the model's extension limits are reached, or its "
            "provider cannot extend."
        ),
    )
    parser.add_argument(
        "--seconds",
        type=int,
        default=None,
        metavar="N",
        help="length of the new segment (default: the shortest the model allows, 4 for Sora)",
    )
