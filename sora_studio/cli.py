"""The ``sora-studio`` command line: the desk by default, headless commands as sub-commands.

The headless commands drive the same services and database as the desk, so pipelines and the desk
see one library.

Two options belong to the whole command line but are accepted after the sub-command too, where
people type them (``sora-studio jobs --data-dir DIR``): ``--data-dir`` on every sub-command
(except ``emulator``, whose own ``--data-dir`` names the emulator's state folder), and
``--provider`` on the sub-commands that send work. They are added here, to every parser the
command modules registered, so no module has to remember them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence

from sora_studio import __version__
from sora_studio.commands import command_modules
from sora_studio.core.errors import UserError

# The sub-commands that send work to a provider, and so take --provider.
SENDS_WORK = ("render", "remix", "edit", "extend", "promote", "retry")

DATA_DIR_HELP = (
    "keep the database, library and settings under DIR (default: the platform's data folder, "
    "or $SORA_STUDIO_DATA_DIR); accepted before or after the sub-command"
)
PROVIDER_HELP = (
    "render on provider NAME instead of the default (see 'sora-studio providers list'); for "
    + ", ".join(SENDS_WORK)
    + " only. Those acting on a job run on that job's own provider and refuse another NAME"
)
EPILOG = """\
--data-dir and --provider may also follow the sub-command (sora-studio jobs --data-dir DIR).
'sora-studio emulator --data-dir DIR' is the exception: there it names the emulator's own
state folder; put the library's --data-dir before 'emulator'.

exit status: 0 done; 1 a job failed or could not finish (sync: see 'sora-studio sync --help');
2 bad input, nothing sent; 130 interrupted.
"""
# Appended to a sub-command's own --data-dir, so its help says it is not the library's.
_OWN_DATA_DIR_NOTE = (
    "; this command's own folder, not the library's (that one goes before the sub-command: "
    "sora-studio --data-dir DIR COMMAND)"
)


def _sub_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every parser below ``parser`` (sub-commands, and their own sub-commands), depth first."""
    for action in parser._actions:  # argparse keeps sub-parsers only on its private list
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share one parser
                yield sub
                yield from _sub_parsers(sub)


def _accept_after_sub_command(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-dir`` (and ``--provider`` where work is sent) to every sub-command parser.

    ``default=SUPPRESS`` leaves the name unset when the option is not given after the
    sub-command, so a value given before it survives (argparse copies the sub-parser's
    namespace over the main one).
    """
    for sub in _sub_parsers(parser):
        own = sub._option_string_actions.get("--data-dir")
        if own is None:
            sub.add_argument(
                "--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=DATA_DIR_HELP
            )
        elif own.dest != "data_dir" and own.help and _OWN_DATA_DIR_NOTE not in own.help:
            own.help += _OWN_DATA_DIR_NOTE
        command = sub.prog.split()[-1]
        if command in SENDS_WORK and "--provider" not in sub._option_string_actions:
            sub.add_argument(
                "--provider", metavar="NAME", default=argparse.SUPPRESS, help=PROVIDER_HELP
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sora-studio",
        description=(
            "A desktop review desk for AI-generated video. With no sub-command it opens the desk; "
            "with no provider configured it uses the built-in emulator."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sora-studio {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=DATA_DIR_HELP)
    parser.add_argument("--provider", metavar="NAME", help=PROVIDER_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(subparsers)
    _accept_after_sub_command(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "provider", None) is not None and args.command not in SENDS_WORK:
        # Said, not ignored: a person who typed it expects it to matter.
        parser.error(
            f"--provider applies to {', '.join(SENDS_WORK)} (the commands that send work); "
            "to change the default, use 'sora-studio providers set-default NAME'"
        )
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
