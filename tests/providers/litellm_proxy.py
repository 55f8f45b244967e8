"""A real LiteLLM proxy (pinned, from PyPI, in ``.venv-litellm``) in front of the built-in emulator.

``scripts/litellm_env.sh`` installs the proxy; ``litellm_proxy`` (a session fixture, registered by
``tests/providers/conftest.py``) starts a standalone emulator on a free loopback port, writes a
LiteLLM config routing ``sora-2`` and ``sora-2-pro`` to it through LiteLLM's ``openai/`` route,
starts ``litellm`` as a subprocess in its own process group, and stops both afterwards.

The proxy takes several seconds and about 300 MB to start, so one proxy serves the whole session;
tests that change the emulator's faults put them back (``LiteLLMProxy.faults``).

Isolation: the proxy gets a minimal environment (no ``OPENAI_*``, ``DATABASE_URL``, ``REDIS_*``
and friends from the caller), a ``HOME`` of its own, the bundled model cost map, telemetry vetoed,
and ``HTTP(S)_PROXY`` pointing at an ``EgressTrap`` on loopback. LiteLLM sends some requests to
``api.openai.com`` whatever the config says (listing videos, characters); through the trap they
fail at once on every machine, with or without internet, and each attempt is recorded so tests
can say which requests would have left the machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer

REPO_ROOT = Path(__file__).resolve().parents[2]
LITELLM_VENV = REPO_ROOT / ".venv-litellm"
LITELLM_BIN = LITELLM_VENV / "bin" / "litellm"
INSTALL_HINT = "bash scripts/litellm_env.sh"
MASTER_KEY = "sk-sora-studio-test-master"
UPSTREAM_KEY = "sk-emulator-upstream"
ROUTED_MODELS = ("sora-2", "sora-2-pro")
START_TIMEOUT_S = 180.0  # 5-10 s on an idle machine; over 80 s was seen on a loaded one
STOP_TIMEOUT_S = 10.0
# The keys of every video object the proxy returns, in its order: no "prompt", no "quality"
# (pinned by test_litellm_contract.py; the emulator's ``--compat litellm`` answers the same).
VIDEO_FIELDS = (
    "id",
    "object",
    "status",
    "created_at",
    "completed_at",
    "expires_at",
    "error",
    "progress",
    "remixed_from_video_id",
    "seconds",
    "size",
    "model",
    "usage",
)
# What the emulator behind the proxy does unless a test changes it (and puts it back).
EMULATOR_DEFAULTS: dict[str, Any] = {
    "min_job_seconds": 0.0,
    "poll_after_ms": 137,  # a distinctive value, so a pass-through would be recognised
    "failure_rate": 0.0,
    "block_rate": 0.0,
    "rate_limit_every": 0,
    "rate_limit_burst": 0,
    "rate_limit_retry_after_ms": 1500,
    "error_rate": 0.0,
    "seed": 1234,
}
# Environment variables passed through to the proxy; everything else is dropped.
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SSL_CERT_FILE")


class EgressTrap:
    """A loopback HTTP proxy that refuses everything and records what was asked of it.

    The LiteLLM proxy gets ``HTTP_PROXY``/``HTTPS_PROXY`` pointing here (loopback excepted), so
    a request it would send off the machine arrives here as ``CONNECT host:443`` (or a plain
    ``GET http://...``) and is answered 403. ``attempts`` holds the request lines, in order.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        trap = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(2.0)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 16384:
                        chunk = self.request.recv(4096)
                        if not chunk:
                            break
                        head += chunk
                except OSError:
                    pass
                line = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
                if line:
                    trap.attempts.append(line)
                with suppress(OSError):
                    self.request.sendall(
                        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="litellm-egress-trap",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def hosts(self) -> list[str]:
        """The hosts asked for, e.g. ``["api.openai.com:443"]``."""
        return [line.split()[1] if len(line.split()) > 1 else line for line in self.attempts]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass(frozen=True)
class LiteLLMProxy:
    """A running LiteLLM proxy and the emulator behind it."""

    base_url: str  # http://127.0.0.1:PORT/v1, what an OpenAI SDK is pointed at
    master_key: str  # the proxy's key (Authorization: Bearer ...)
    emulator: EmulatorServer  # the upstream, also reachable directly at emulator.base_url
    log_path: Path  # the proxy's stdout and stderr
    config_path: Path
    pid: int  # the proxy's process (and process group) id
    startup_s: float  # from spawn to the first healthy answer
    egress: EgressTrap  # requests the proxy tried to send off the machine

    @property
    def root(self) -> str:
        """The proxy's origin, for routes outside /v1 (``/health/...``, ``/v1`` is in base_url)."""
        return self.base_url.removesuffix("/v1")

    @property
    def emulator_root(self) -> str:
        """The emulator's origin, where ``/_emulator/settings`` lives."""
        return self.emulator.base_url.removesuffix("/v1")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.master_key}"}

    def faults(self, **changes: Any) -> None:
        """Change the emulator's settings through its admin route (as an operator would)."""
        response = httpx.post(f"{self.emulator_root}/_emulator/settings", json=changes, timeout=10)
        response.raise_for_status()

    def reset_faults(self) -> None:
        self.faults(**EMULATOR_DEFAULTS)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)


def litellm_available() -> bool:
    return LITELLM_BIN.is_file() and os.access(LITELLM_BIN, os.X_OK)


def require_litellm() -> Path:
    """The ``litellm`` command, or skip (fail under CI) with the command that installs it."""
    if litellm_available():
        return LITELLM_BIN
    message = (
        f"the LiteLLM proxy is not installed ({LITELLM_BIN.relative_to(REPO_ROOT)} is missing); "
        f"install it with: {INSTALL_HINT}"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def route(model_name: str, litellm_model: str, **params: Any) -> dict[str, Any]:
    """One ``model_list`` entry."""
    return {"model_name": model_name, "litellm_params": {"model": litellm_model, **params}}


def emulator_routes(emulator_base_url: str) -> list[dict[str, Any]]:
    """``sora-2`` and ``sora-2-pro`` through LiteLLM's ``openai/`` route to the emulator."""
    return [
        route(name, f"openai/{name}", api_base=emulator_base_url, api_key=UPSTREAM_KEY)
        for name in ROUTED_MODELS
    ]


def write_config(
    path: Path, model_list: list[dict[str, Any]], master_key: str = MASTER_KEY
) -> Path:
    """Write a LiteLLM config. JSON is valid YAML, so no YAML library is needed here."""
    # The README's minimal config, nothing tuned: the tests pin what a new user gets, including
    # LiteLLM's default of two retries inside the proxy.
    config = {"model_list": model_list, "general_settings": {"master_key": master_key}}
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return path


def proxy_env(
    home: Path, egress_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A minimal environment for the proxy: nothing of the caller's keys or endpoints."""
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    env.update(
        HOME=str(home),
        PYTHONUNBUFFERED="1",
        # No fetch of the model price map (nor of the other remote catalogues) at start-up.
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS="True",
        LITELLM_LOCAL_AUTOROUTER_PRESETS="True",
        LITELLM_LOCAL_BLOG_POSTS="True",
        LITELLM_LOCAL_POLICY_TEMPLATES="True",
        LITELLM_TELEMETRY_DISABLED="true",  # the veto; telemetry is also off by default
        LITELLM_DONT_SHOW_FEEDBACK_BOX="True",
        LITELLM_LOG="INFO",
        # Anything bound off the machine goes to the trap and fails at once; loopback does not.
        HTTP_PROXY=egress_url,
        HTTPS_PROXY=egress_url,
        http_proxy=egress_url,
        https_proxy=egress_url,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(extra or {})
    return env


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _stop_group(process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM the whole process group, then SIGKILL what is left after ``timeout_s``."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout_s)
    # The group may hold children that outlive the leader; make sure none survives.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(5)


@dataclass(frozen=True)
class RunningProxy:
    """What ``run_litellm`` yields: where the proxy listens, its process and its log."""

    root: str  # http://127.0.0.1:PORT
    pid: int
    log_path: Path
    startup_s: float


@contextmanager
def run_litellm(
    config_path: Path,
    workdir: Path,
    egress_url: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> Iterator[RunningProxy]:
    """Start ``litellm --config config_path`` on a free loopback port; stop its group on exit."""
    executable = require_litellm()
    port = free_port()
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "litellm.log"
    command = [
        str(executable),
        "--config",
        str(config_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=proxy_env(home, egress_url, env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = started + timeout_s
        while True:
            code = process.poll()
            if code is not None:
                raise RuntimeError(
                    f"litellm exited with {code} before answering; last lines of {log_path}:\n"
                    + _tail(log_path, 40)
                )
            try:
                if httpx.get(f"{root}/health/liveliness", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"litellm did not answer on {root} within {timeout_s:.0f} s; "
                    f"last lines of {log_path}:\n" + _tail(log_path, 40)
                )
            time.sleep(0.1)
        yield RunningProxy(root, process.pid, log_path, time.monotonic() - started)
    finally:
        _stop_group(process)


@pytest.fixture(scope="session")
def litellm_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMProxy]:
    """A LiteLLM proxy routing ``sora-2``/``sora-2-pro`` to a standalone emulator, per session."""
    require_litellm()
    workdir = tmp_path_factory.mktemp("litellm")
    emulator = EmulatorServer(
        workdir / "emulator", EmulatorSettings(**EMULATOR_DEFAULTS, rpm_limit=100000)
    )
    emulator.start()
    egress = EgressTrap()
    try:
        config = write_config(workdir / "litellm.yaml", emulator_routes(emulator.base_url))
        with run_litellm(config, workdir, egress.url) as running:
            yield LiteLLMProxy(
                base_url=f"{running.root}/v1",
                master_key=MASTER_KEY,
                emulator=emulator,
                log_path=running.log_path,
                config_path=config,
                pid=running.pid,
                startup_s=running.startup_s,
                egress=egress,
            )
    finally:
        egress.stop()
        emulator.stop()
