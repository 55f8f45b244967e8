"""``python -m sora_studio``: same as the ``sora-studio`` command."""

import sys

from sora_studio.cli import main

sys.exit(main())
