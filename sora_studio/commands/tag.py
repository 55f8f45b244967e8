"""``sora-studio tag ID [add|remove TAG...]``: put tags on a clip, take them off, or list them.

Tags are single lower-case words (``#Hero shot`` becomes ``hero-shot``). Connected to a team
library, each change travels to the team's desks like a verdict does.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tag",
        help="put tags on a clip, take them off, or list them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job_id", metavar="ID", type=int, help="the clip")
    parser.add_argument("action", nargs="?", choices=("add", "remove"), help="default: list")
    parser.add_argument("tags", metavar="TAG", nargs="*", help="the tags to add or remove")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.core.errors import UserError
    from sora_studio.services.tags import add_tag, clip_tags, remove_tag

    if args.action and not args.tags:
        raise UserError(f"say which tags to {args.action}, like: tag {args.job_id} add hero")
    if args.tags and not args.action:
        raise UserError("say add or remove before the tags")
    _, repo = open_repository(args)
    try:
        change = add_tag if args.action == "add" else remove_tag
        for text in args.tags:
            change(repo, args.job_id, text)
        repo.require_job(args.job_id)
        tags = clip_tags(repo, args.job_id)
    finally:
        repo.close()
    if args.json:
        print(json.dumps({"job_id": args.job_id, "tags": tags}, indent=2))
    else:
        print(f"clip {args.job_id}: {', '.join('#' + t for t in tags) or 'no tags'}")
    return 0
