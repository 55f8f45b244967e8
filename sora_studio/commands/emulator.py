"""``sora-studio emulator``: run the built-in /v1/videos emulator as a stand-alone server.

Point any OpenAI SDK at the printed base URL (any non-empty API key works). Fault flags make it
misbehave on purpose, so integrations can be tested against 429s, 5xx, failed and blocked jobs,
cut and slow downloads; ``/_emulator/settings`` changes them while it runs.

``--compat`` makes it answer the way another real /v1/videos server does (their deviations from
the official contract, read from their source): litellm (a LiteLLM proxy), sglang (SGLang
Diffusion), vllm-omni (vLLM-Omni) or dynamo (NVIDIA Dynamo). The default, openai, is the official
contract.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.emulator.faults import COMPAT_MODES

# flag -> (settings field, type, help)
_FAULT_FLAGS: dict[str, tuple[str, type, str]] = {
    "--min-job-seconds": ("min_job_seconds", float, "every render takes at least S seconds"),
    "--latency-ms": ("latency_ms", int, "add MS milliseconds before every API response"),
    "--failure-rate": ("failure_rate", float, "share of jobs (0-1) failing with internal_error"),
    "--block-rate": ("block_rate", float, "share of jobs (0-1) failing with moderation_blocked"),
    "--rate-limit-every": ("rate_limit_every", int, "every Nth request opens a burst of 429s"),
    "--rate-limit-burst": (
        "rate_limit_burst",
        int,
        "429s per burst (alone: the first N requests get 429)",
    ),
    "--error-rate": ("error_rate", float, "share of API requests (0-1) answered with a 500"),
    "--cut-download-rate": (
        "cut_download_rate",
        float,
        "share of downloads (0-1) cut off half-way",
    ),
    "--slow-download-kbps": ("slow_download_kbps", float, "throttle downloads to KBPS kilobits/s"),
    "--expiry-seconds": ("expiry_seconds", int, "assets expire S seconds after completion"),
    "--rpm-limit": ("rpm_limit", int, "requests per minute before 429 (sliding window)"),
    "--poll-after-ms": ("poll_after_ms", int, "the openai-poll-after-ms hint on retrieve"),
    "--concurrency": ("concurrency", int, "renders at a time"),
    "--seed": ("seed", int, "make the random faults repeatable"),
    "--file-ttl": ("file_ttl_s", float, "vllm-omni: delete finished files after S seconds"),
    "--cancel-delay": (
        "cancel_delay_s",
        float,
        "vllm-omni: cancelling a running job takes S seconds (over 2 gives 409)",
    ),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run the built-in /v1/videos emulator as a server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (8787; 0 picks a free one)")
    parser.add_argument(
        "--data-dir",
        dest="emulator_data_dir",
        metavar="DIR",
        help="where videos, characters, files and batches are kept "
        "(default: the emulator folder of the app's data directory)",
    )
    parser.add_argument(
        "--compat",
        choices=COMPAT_MODES,
        default=None,
        help="imitate this server's /v1/videos (default: openai, the official contract)",
    )
    parser.add_argument(
        "--served-model",
        dest="served_model",
        metavar="NAME",
        help="the model an sglang/vllm-omni/dynamo server loaded (comma-separated model names "
        "for litellm)",
    )
    parser.add_argument(
        "--media-url",
        dest="media_url",
        choices=("file", "http"),
        default=None,
        help="dynamo: answer file:// urls (default) or http urls served by the emulator",
    )
    for flag, (dest, kind, text) in _FAULT_FLAGS.items():
        parser.add_argument(flag, dest=dest, type=kind, default=None, help=text)
    parser.add_argument(
        "--webhook-url",
        dest="webhook_urls",
        action="append",
        default=None,
        metavar="URL",
        help="POST video.* and batch.* events here (repeatable; needs --webhook-secret)",
    )
    parser.add_argument("--webhook-secret", metavar="whsec_...", help="signs webhook deliveries")
    parser.add_argument(
        "--render-threads",
        dest="render_in_processes",
        action="store_false",
        default=None,
        help="render on threads of this process instead of worker processes",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.emulator.faults import EmulatorSettings
    from sora_studio.emulator.server import EmulatorServer
    from sora_studio.paths import resolve_paths

    changes: dict[str, Any] = {
        dest: getattr(args, dest)
        for dest, _, _ in _FAULT_FLAGS.values()
        if getattr(args, dest) is not None
    }
    if args.render_in_processes is not None:
        changes["render_in_processes"] = args.render_in_processes
    for name in ("compat", "served_model", "media_url"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.webhook_urls:
        if not args.webhook_secret:
            raise UserError("--webhook-url needs --webhook-secret whsec_... to sign deliveries")
        changes["webhook_urls"] = args.webhook_urls
    if args.webhook_secret:
        changes["webhook_secret"] = args.webhook_secret
    settings = EmulatorSettings()
    try:
        settings.update(changes)
    except ValueError as exc:
        raise UserError(f"emulator: {exc}") from exc
    data_dir = (
        Path(args.emulator_data_dir).expanduser()
        if args.emulator_data_dir
        else resolve_paths(getattr(args, "data_dir", None)).emulator_data
    )
    server = EmulatorServer(data_dir, settings, host=args.host, port=args.port)
    try:
        base_url = server.start()
    except OSError as exc:
        raise UserError(f"{exc}; choose another --port") from exc
    mode = "" if settings.compat == "openai" else f", imitating {settings.compat}"
    print(
        f"Emulator listening on {base_url} (data in {data_dir}{mode}); Ctrl+C stops it.",
        flush=True,
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
        print("Emulator stopped.", file=sys.stderr, flush=True)
    return 0
