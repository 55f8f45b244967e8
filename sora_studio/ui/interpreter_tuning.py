"""How the desk tunes the Python interpreter so its GUI thread answers promptly.

Two settings, both measured with ``tests/benchmarks`` heartbeats on the GUI thread:

* The GIL switch interval. PySide6 releases the GIL around every Qt call, so each slot takes it
  back many times; with the engine, downloads and the in-process emulator busy, the default 5 ms
  interval made each of those waits up to 5 ms. 1 ms keeps the GUI thread's share prompt.
* The garbage collector's oldest generation. A full collection walks every container object the
  process holds and keeps the GIL throughout: with the desk's modules, Qt wrappers and catalog
  loaded (about 100,000 objects) that was a 42-52 ms stall, triggered by whichever thread
  happened to allocate (reading a folder of 20,000 files on a pool thread, for one). What exists
  once the desk is built lives as long as the desk, so it is frozen out of the collector's walks
  (``gc.freeze``); later collections only walk what was made since.
"""

from __future__ import annotations

import gc
import sys

GUI_SWITCH_INTERVAL_S = 0.001


def prefer_gui_thread() -> None:
    """Hand the GIL between threads every millisecond (call before building the desk)."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def freeze_startup_objects() -> None:
    """Keep everything made so far out of future garbage collections (call once the desk's
    window is built). A few cycles of start-up garbage stay unreclaimed; they are small, and a
    collection first would itself be a pause of the length this avoids."""
    gc.freeze()
