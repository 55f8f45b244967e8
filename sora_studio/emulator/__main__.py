"""``python -m sora_studio.emulator [flags]``: the same as ``sora-studio emulator [flags]``.

Builds its own parser from the emulator command so running the emulator never loads the desk.
"""

import argparse
import sys

from sora_studio.commands.emulator import register, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sora_studio.emulator")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    arguments = parser.parse_args(["emulator", *(sys.argv[1:] if argv is None else argv)])
    arguments.data_dir = None
    return run(arguments)


if __name__ == "__main__":
    sys.exit(main())
