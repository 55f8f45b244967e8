"""The ``sora-studio`` command line: the desk by default, headless commands as sub-commands.

The headless commands drive the same services and database as the desk, so pipelines and the desk
see one library.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sora_studio import __version__
from sora_studio.commands import command_modules
from sora_studio.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sora-studio",
        description=(
            "A desktop review desk for AI-generated video. With no sub-command it opens the desk; "
            "with no provider configured it uses the built-in emulator."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sora-studio {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the database, library and settings under DIR "
        "(default: the platform's data folder, or $SORA_STUDIO_DATA_DIR)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from sora_studio.app import run_desk

            return run_desk(args)
        return int(handler(args))
    except UserError as exc:
        print(f"sora-studio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
