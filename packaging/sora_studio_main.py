"""Entry script of the frozen bundle: the same as the ``sora-studio`` console script.

PyInstaller needs a script file, not an entry point. It lives here rather than pointing at
``sora_studio/__main__.py`` because PyInstaller puts a script's folder on its search path, which
would make ``sora_studio``'s sub-packages importable under bare names like ``core`` or ``api``.
"""

import multiprocessing
import sys

from sora_studio.cli import main

if __name__ == "__main__":
    # The emulator's render workers are started with ``spawn``, which re-runs this executable;
    # freeze_support turns such a run into the worker instead of a second desk.
    multiprocessing.freeze_support()
    if sys.argv[1:2] == ["--bundle-self-test"]:
        # Checks of the bundle's own libraries, for packaging/smoke_test.sh (bundle_self_test.py
        # sits beside this script, so PyInstaller finds and bundles it).
        from bundle_self_test import main as self_test

        sys.exit(self_test(sys.argv[2:]))
    sys.exit(main())
