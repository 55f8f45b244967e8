"""Run the emulator as a separate process, the way a user starts it from a shell."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def emulator_process(module: str, *args: str) -> Iterator[tuple[int, str]]:
    """``python -m MODULE ARGS --port PORT`` on a free loopback port.

    Yields the port and the banner line the emulator prints once the port accepts connections;
    afterwards stops it with SIGTERM and asserts that it exited cleanly.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield port, process.stdout.readline()
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=15)
    assert process.returncode == 0, errors
