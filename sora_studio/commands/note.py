"""``sora-studio note ID --at MM:SS.mmm [--to MM:SS.mmm] TEXT``: pin a note to a clip's time.

The time must lie within the clip; ``--to`` makes the note cover a range.
"""

from __future__ import annotations

import argparse
import json

from sora_studio.core.errors import UserError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "note",
        help="add a timecoded note to a clip",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job_id", metavar="ID", type=int, help="the clip")
    parser.add_argument("text", metavar="TEXT", nargs="+", help="the note")
    parser.add_argument(
        "--at", required=True, metavar="MM:SS.mmm", help="where the note starts (e.g. 00:02.500)"
    )
    parser.add_argument("--to", metavar="MM:SS.mmm", help="where it ends, for a range")
    parser.add_argument("--author", default="", metavar="NAME", help="default: the OS user")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def _ms(flag: str, text: str) -> int:
    from sora_studio.core.timecode import parse_timecode

    try:
        return parse_timecode(text)
    except ValueError as exc:
        raise UserError(f"{flag}: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.core.timecode import format_timecode
    from sora_studio.services.review import add_note

    start_ms = _ms("--at", args.at)
    end_ms = _ms("--to", args.to) if args.to is not None else None
    _, repo = open_repository(args)
    try:
        note = add_note(repo, args.job_id, start_ms, " ".join(args.text), args.author, end_ms)
    finally:
        repo.close()
    if args.json:
        data = {
            "note_id": note.id,
            "job_id": note.job_id,
            "start_ms": note.start_ms,
            "end_ms": note.end_ms,
            "start": format_timecode(note.start_ms),
            "end": format_timecode(note.end_ms) if note.end_ms is not None else None,
            "text": note.text,
            "author": note.author,
        }
        print(json.dumps(data, indent=2))
    else:
        where = format_timecode(note.start_ms)
        if note.end_ms is not None:
            where += f"-{format_timecode(note.end_ms)}"
        print(f"note {note.id} on clip {note.job_id} at {where}")
    return 0
