"""``sora-studio spend``: what the library has spent (per day, per model, on rejected takes, per
approved second), what is in flight, and the budget cap."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal

from sora_studio.core.errors import UserError
from sora_studio.core.pricing import format_cents, parse_dollars


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("spend", help="show spend and the budget cap")
    parser.add_argument(
        "--set-cap", metavar="USD", help="set the library's budget cap in dollars (e.g. 25.00)"
    )
    parser.add_argument("--clear-cap", action="store_true", help="remove the budget cap")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def _dollars_to_cents(text: str) -> Decimal:
    try:
        cents = parse_dollars(text)
    except ValueError:
        cents = None
    if cents is None:
        raise UserError(f"--set-cap wants an amount in dollars like 25.00, got {text!r}")
    if cents < 0:
        raise UserError(f"--set-cap must be zero or more dollars, got {text!r}")
    return cents


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.exports import spend_report
    from sora_studio.services.setting_keys import BUDGET_SETTING, budget_cap

    _, repo = open_repository(args)
    try:
        if args.set_cap is not None:
            repo.set_setting(BUDGET_SETTING, str(_dollars_to_cents(args.set_cap)))
        if args.clear_cap:
            repo.delete_setting(BUDGET_SETTING)
        report = spend_report(repo)
        cap = budget_cap(repo)
        committed = repo.committed_cents()
    finally:
        repo.close()
    if args.json:
        data = report.to_dict()
        data.update(
            committed_cents=str(committed),
            budget_cap_cents=str(cap) if cap is not None else None,
            budget_left_cents=str(cap - committed) if cap is not None else None,
        )
        print(json.dumps(data, indent=2))
        return 0
    print(report.to_text(), end="")
    if cap is None:
        print("Budget cap:               none (set one with --set-cap USD)")
    else:
        print(
            f"Budget cap:               {format_cents(cap)}, {format_cents(cap - committed)} "
            f"left after {format_cents(committed)} committed"
        )
    return 0
