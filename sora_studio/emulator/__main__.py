"""``python -m sora_studio.emulator [flags]``: the same as ``sora-studio emulator [flags]``."""

import sys

from sora_studio.cli import main

sys.exit(main(["emulator", *sys.argv[1:]]))
