"""``python -m sora_studio``: same as the ``sora-studio`` command."""

import sys

from sora_studio.cli import main

if __name__ == "__main__":  # not when a worker process imports this module
    sys.exit(main())
