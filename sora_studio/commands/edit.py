"""``sora-studio edit ID PROMPT``: change part of a finished video, keeping the rest."""

from __future__ import annotations

import argparse

from sora_studio.commands._derived import register_derived


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    register_derived(
        subparsers,
        "edit",
        help="edit a finished job with a prompt",
        description=(
            "Edit the finished job ID as PROMPT describes (same length, size and model; "
            "recorded as an edit of ID). Refused, before any request, when the job is not "
            "ready or its provider cannot edit."
        ),
    )
