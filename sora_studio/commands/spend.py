"""``sora-studio spend``: what the library has spent, what is in flight, and the budget cap."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal, InvalidOperation

from sora_studio.core.errors import UserError
from sora_studio.core.pricing import format_cents


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
        dollars = Decimal(text.strip().lstrip("$"))
    except InvalidOperation as exc:
        raise UserError(f"--set-cap wants an amount in dollars like 25.00, got {text!r}") from exc
    if not dollars.is_finite() or dollars < 0:
        raise UserError(f"--set-cap must be zero or more dollars, got {text!r}")
    return dollars * 100


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._context import open_repository
    from sora_studio.services.spend import BUDGET_SETTING, budget_cap

    _, repo = open_repository(args)
    try:
        if args.set_cap is not None:
            repo.set_setting(BUDGET_SETTING, str(_dollars_to_cents(args.set_cap)))
        if args.clear_cap:
            repo.delete_setting(BUDGET_SETTING)
        summary = repo.spend_summary()
        cap = budget_cap(repo)
        committed = repo.committed_cents()
        if args.json:
            data = {
                "total_cents": str(summary.total_cents),
                "committed_cents": str(committed),
                "in_flight_jobs": summary.in_flight_jobs,
                "in_flight_estimate_cents": str(summary.in_flight_estimate_cents),
                "blocked_jobs": summary.blocked_jobs,
                "blocked_estimate_cents": str(summary.blocked_estimate_cents),
                "failed_jobs": summary.failed_jobs,
                "failed_estimate_cents": str(summary.failed_estimate_cents),
                "by_model": {k: str(v) for k, v in summary.by_model.items()},
                "budget_cap_cents": str(cap) if cap is not None else None,
                "budget_left_cents": str(cap - committed) if cap is not None else None,
            }
            print(json.dumps(data, indent=2))
            return 0
        print(f"spent:      {format_cents(summary.total_cents)} on {summary.spent_jobs} jobs")
        print(
            f"in flight:  {format_cents(summary.in_flight_estimate_cents)} estimated for "
            f"{summary.in_flight_jobs} jobs"
        )
        print(
            f"not charged: {summary.blocked_jobs} blocked, {summary.failed_jobs} failed "
            f"(estimates {format_cents(summary.blocked_estimate_cents)} and "
            f"{format_cents(summary.failed_estimate_cents)})"
        )
        for model, cents in summary.by_model.items():
            print(f"  {model:<12} {format_cents(cents)}")
        if cap is None:
            print("budget cap: none (set one with --set-cap USD)")
        else:
            print(
                f"budget cap: {format_cents(cap)}, {format_cents(cap - committed)} left "
                f"after {format_cents(committed)} committed"
            )
        return 0
    finally:
        repo.close()
