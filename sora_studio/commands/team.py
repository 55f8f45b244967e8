"""``sora-studio team connect|status|disconnect``: share the library through a team library.

``connect URL`` joins a team library on PostgreSQL (created there on first use) and makes a first
exchange: this library's clips, notes and verdicts go up, the team's come down. A password in
the URL is kept in the OS key store, never in a file (without a key store, set ``PGPASSWORD``).
``status`` reads only the local library: connected or not, changes waiting in the outbox, the
last sequence number pulled, the people seen, the team budget as last seen, and other desks'
renders in flight. ``budget set CENTS|none`` sets the team's spend cap on the server;
``adopt CLIP`` takes over a render whose owner has been silent too long; ``media-root PATH``
says where the team media share is mounted here. ``disconnect`` leaves the team library; the
library keeps everything it holds. ``sora-studio sync`` exchanges too while connected.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from decimal import Decimal
from typing import Any


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
    connect.add_argument(
        "--media-root", default=None, metavar="PATH", help="the team media share, as mounted here"
    )
    connect.add_argument(
        "--discard-outbox",
        action="store_true",
        help="drop changes still waiting for another team server, and join this one",
    )
    connect.add_argument("--json", action="store_true", help="print machine-readable results")
    connect.set_defaults(handler=run_connect)
    status = actions.add_parser("status", help="connected or not, changes waiting, members")
    status.add_argument("--json", action="store_true", help="print machine-readable results")
    status.set_defaults(handler=run_status)
    disconnect = actions.add_parser("disconnect", help="leave the team library")
    disconnect.set_defaults(handler=run_disconnect)
    team_budget = actions.add_parser("budget", help="the team's spend cap, kept on the server")
    budget_actions = team_budget.add_subparsers(dest="budget_action", required=True)
    budget_set = budget_actions.add_parser("set", help="set the cap: CENTS, or none")
    budget_set.add_argument("cents", metavar="CENTS|none")
    budget_set.set_defaults(handler=run_budget_set)
    adopt = actions.add_parser("adopt", help="take over a render whose owner went silent")
    adopt.add_argument("clip", metavar="CLIP", help="its team clip id (or its start)")
    adopt.set_defaults(handler=run_adopt)
    media = actions.add_parser("media-root", help="where the team media share is mounted here")
    media.add_argument("path", metavar="PATH")
    media.set_defaults(handler=run_media_root)


def run_connect(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.team_sync import connect_library, team_status

    _, repo = open_repository(args)
    try:
        report = connect_library(
            repo,
            args.url,
            args.reviewer,
            args.lead,
            media_root=args.media_root,
            discard_outbox=args.discard_outbox,
        )
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
    from sora_studio.services.team_spend import with_team_spend
    from sora_studio.services.team_sync import team_status

    _, repo = open_repository(args)
    try:
        status = with_team_spend(repo, team_status(repo))
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
    if status.budget is not None:
        print(f"team budget: {_budget_line(status.budget)}")
    if status.spend is not None:
        print(_spend_lines(status.spend))
    elif status.connected:
        print("team spend: the team library cannot be reached")
    if status.media_root:
        print(f"team media share: {status.media_root}")
    for job in status.in_flight:
        print(
            f"in flight on {job['reviewer'] or job['owner']}'s desk: {job['clip_id'][:8]} "
            f"{job['status']} {job['progress']}% (last heard {_ago(job['last_heard'])})"
        )
    return 0


def _spend_lines(spend: dict[str, Any]) -> str:
    from decimal import Decimal

    from sora_studio.core.pricing import format_cents

    lines = [f"team spend: {format_cents(Decimal(spend['total_cents']))}"]
    for row in spend["members"]:
        clips = "clip" if row["clips"] == 1 else "clips"
        lines.append(
            f"  {row['member'] or 'unnamed'}: {format_cents(Decimal(row['cents']))}"
            f" ({row['clips']} {clips})"
        )
    return "\n".join(lines)


def _budget_line(budget: dict[str, Any]) -> str:
    from sora_studio.core.pricing import format_cents, parse_cents

    cap = parse_cents(budget.get("cap"))
    used = (parse_cents(budget.get("held")) or Decimal(0)) + (
        parse_cents(budget.get("charged")) or Decimal(0)
    )
    if cap is None:
        return f"no cap ({format_cents(used)} spent or held)"
    return f"{format_cents(used)} of {format_cents(cap)} spent or held"


def _ago(at: float) -> str:
    seconds = max(time.time() - at, 0.0)
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def run_budget_set(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.core.errors import UserError
    from sora_studio.core.pricing import parse_cents
    from sora_studio.services.team_jobs import set_team_budget

    text = str(args.cents).strip().lower()
    cap = None if text in ("none", "off") else parse_cents(text)
    if cap is None and text not in ("none", "off"):
        raise UserError(f"{args.cents!r} is not an amount of cents; give e.g. 5000, or none")
    _, repo = open_repository(args)
    try:
        state = set_team_budget(repo, cap)
    finally:
        repo.close()
    cap_text = None if state.cap_cents is None else str(state.cap_cents)
    held, charged = str(state.held_cents), str(state.charged_cents)
    print(f"team budget: {_budget_line({'cap': cap_text, 'held': held, 'charged': charged})}")
    return 0


def run_adopt(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.team_jobs import adopt_job

    _, repo = open_repository(args)
    try:
        job_id = adopt_job(repo, args.clip)
    finally:
        repo.close()
    print(f"adopted as job {job_id}: this desk polls and downloads it from now on")
    return 0


def run_media_root(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.setting_keys import TEAM_MEDIA_ROOT_SETTING

    _, repo = open_repository(args)
    try:
        repo.set_setting(TEAM_MEDIA_ROOT_SETTING, str(args.path))
    finally:
        repo.close()
    print(f"team media share here: {args.path}")
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
