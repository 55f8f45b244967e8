"""``sora-studio verdict ID... approve|changes|reject|undo``: record a review decision.

Verdicts are appended to each clip's review history under the reviewer's name (the OS user
unless ``--reviewer`` says otherwise); ``undo`` takes back the latest verdict still in force.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sora_studio.core.models import ReviewStatus
from sora_studio.core.status_words import review_word

_CHOICES = ("approve", "changes", "reject", "undo")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verdict",
        help="approve, ask for changes to, or reject clips (or undo the last verdict)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job_ids", metavar="ID", type=int, nargs="+", help="the clips")
    parser.add_argument("verdict", choices=_CHOICES, help="the decision")
    parser.add_argument("--reason", default="", metavar="TEXT", help="why (kept in the history)")
    parser.add_argument("--reviewer", default="", metavar="NAME", help="default: the OS user")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.review import parse_verdict, record_verdict, undo_last_verdict

    _, repo = open_repository(args)
    try:
        results: list[dict[str, Any]] = []
        if args.verdict == "undo":
            for job_id in dict.fromkeys(args.job_ids):
                review = undo_last_verdict(repo, job_id, args.reviewer)
                status = repo.require_job(job_id).review_status
                results.append(
                    {
                        "job_id": job_id,
                        "review_status": status.value,
                        "review_id": review.id if review else None,
                        "undone": review is not None,
                    }
                )
        else:
            reviews = record_verdict(
                repo, args.job_ids, parse_verdict(args.verdict), args.reviewer, args.reason
            )
            results = [
                {
                    "job_id": r.job_id,
                    "review_status": r.status.value,
                    "review_id": r.id,
                    "reviewer": r.reviewer,
                    "reason": r.reason,
                }
                for r in reviews
            ]
    finally:
        repo.close()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for item in results:
            if args.verdict == "undo" and not item["undone"]:
                print(f"clip {item['job_id']}: no verdict to undo")
            else:
                word = review_word(ReviewStatus(item["review_status"])).lower()
                print(f"clip {item['job_id']}: {word}")
    return 0
