"""``sora-studio remix ID PROMPT``: a new take of a finished video with a change described."""

from __future__ import annotations

import argparse

from sora_studio.commands._derived import register_derived


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    register_derived(
        subparsers,
        "remix",
        help="remix a finished job with a new prompt",
        description=(
            "Remix the finished job ID: the provider re-renders it with PROMPT describing the "
            "change (same length, size and model; recorded as a remix of ID). Refused, before "
            "any request, when the job is not ready or its provider cannot remix."
        ),
    )
