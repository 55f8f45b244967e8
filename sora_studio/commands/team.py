"""``sora-studio team connect|status|disconnect``: share the library through a team library.

``connect URL`` joins a team library on PostgreSQL (created there on first use) and makes a first
exchange: this library's clips, notes and verdicts go up, the team's come down. A password in
the URL is kept in the OS key store, never in a file (without a key store, set ``PGPASSWORD``).
``status`` reads only the local library: connected or not, changes waiting in the outbox, the
last sequence number pulled, the people seen. ``disconnect`` leaves the team library; the library
keeps everything it holds. ``sora-studio sync`` exchanges too while connected.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "team",
        help="connect the library to a team library on PostgreSQL, or see its state",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="team_action", metavar="ACTION", required=True)
    connect = actions.add_parser(
        "connect", help="join a team library (postgresql://USER@HOST:PORT/DB)"
    )
    connect.add_argument("url", metavar="URL", help="e.g. postgresql://alice@studio-db/sora")
    connect.add_argument(
        "--reviewer", default="", metavar="NAME", help="your name on verdicts and notes"
    )
    connect.add_argument("--lead", action="store_true", help="your verdicts settle disputes")
    connect.add_argument("--json", action="store_true", help="print machine-readable results")
    connect.set_defaults(handler=run_connect)
    status = actions.add_parser("status", help="connected or not, changes waiting, members")
    status.add_argument("--json", action="store_true", help="print machine-readable results")
    status.set_defaults(handler=run_status)
    disconnect = actions.add_parser("disconnect", help="leave the team library")
    disconnect.set_defaults(handler=run_disconnect)


def run_connect(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.team_sync import connect_library, team_status

    _, repo = open_repository(args)
    try:
        report = connect_library(repo, args.url, args.reviewer, args.lead)
        status = team_status(repo)
    finally:
        repo.close()
    if args.json:
        print(json.dumps({"status": asdict(status), "exchange": asdict(report)}, indent=2))
    else:
        role = " (lead)" if status.lead else ""
        print(f"connected to {status.url} as {status.reviewer}{role}")
        print(f"sent {report.sent} change(s), received {report.applied}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.team_sync import team_status

    _, repo = open_repository(args)
    try:
        status = team_status(repo)
    finally:
        repo.close()
    if args.json:
        print(json.dumps(asdict(status), indent=2))
        return 0
    if not status.connected:
        print("not connected to a team library")
    else:
        role = " (lead)" if status.lead else ""
        print(f"connected to {status.url} as {status.reviewer}{role}")
    print(f"changes waiting to be sent: {status.outbox}")
    print(f"last sequence seen: {status.last_seq}")
    print(f"members seen: {', '.join(status.members) or 'none yet'}")
    return 0


def run_disconnect(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.team_sync import disconnect_library, team_status

    _, repo = open_repository(args)
    try:
        disconnect_library(repo)
        waiting = team_status(repo).outbox
    finally:
        repo.close()
    print("disconnected from the team library")
    if waiting:
        print(
            f"sora-studio: {waiting} change(s) were not sent; they go when you connect again",
            file=sys.stderr,
        )
    return 0
