"""The built-in emulator as the desk runs it: in the desk's process, or as a child process.

The emulator is the default provider when none is configured. The desk starts it off the GUI
thread (``app.Desk.start``) through :func:`start_builtin_emulator` and stops it on the way out.
In-process is what ships (the server's renders already run in worker processes); a child
process (``sora-studio emulator --port 0``) keeps even the server's request handling away from
the GUI thread's share of Python's GIL, which ``bench_gui_stall.py`` compares.

Both kinds answer :class:`RunningEmulator`: ``start()`` returns the base URL once it listens,
``stop()`` ends it. The emulator package (a web server, a renderer) is imported only when the
in-process kind starts, never on the GUI thread at start-up.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sora_studio.emulator.faults import EmulatorSettings


class RunningEmulator(Protocol):
    """An emulator the desk started: where it listens, and how to stop it."""

    def start(self) -> str: ...

    def stop(self) -> None: ...


class EmulatorProcess:
    """The built-in emulator as a child process (``sora-studio emulator --port 0``).

    ``start()`` returns the base URL once the child listens, ``stop()`` ends it (SIGTERM, then
    kill after a grace period).
    """

    START_TIMEOUT_S = 30.0
    STOP_TIMEOUT_S = 10.0

    def __init__(self, data_dir: Path, settings: EmulatorSettings | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.settings = settings
        self._proc: subprocess.Popen[str] | None = None

    def _flags(self) -> list[str]:
        """Command-line flags for the settings that differ from the emulator's defaults."""
        if self.settings is None:
            return []
        defaults = type(self.settings)().to_dict()
        flags: list[str] = []
        for name, value in self.settings.to_dict().items():
            if value != defaults.get(name) and isinstance(value, (int, float)):
                flags += [f"--{name.replace('_', '-')}", str(value)]
        return flags

    def start(self) -> str:
        command = [
            sys.executable,
            "-m",
            "sora_studio",
            "emulator",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
            *self._flags(),
        ]
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + self.START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if not line:
                break
            match = re.search(r"listening on (\S+)", line)
            if match:
                return match.group(1)
        self.stop()
        raise RuntimeError("the built-in emulator process did not start; see its log")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(self.STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self.STOP_TIMEOUT_S)
        if proc.stdout is not None:
            proc.stdout.close()


def start_builtin_emulator(
    data_dir: Path, settings: EmulatorSettings | None, *, child_process: bool
) -> tuple[RunningEmulator, str]:
    """Start the emulator (blocking until it listens; call it off the GUI thread).

    Returns it with its base URL. Raises what the emulator raises when it cannot start.
    """
    emulator: RunningEmulator
    if child_process:
        emulator = EmulatorProcess(data_dir, settings)
    else:
        from sora_studio.emulator.server import EmulatorServer

        emulator = EmulatorServer(data_dir, settings)
    return emulator, emulator.start()
