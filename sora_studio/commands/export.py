"""``sora-studio export clips|notes-csv|report-pdf|timeline OUT``: get reviewed work out.

* ``clips OUT_DIR``: each clip's media and its ``recipe.json`` in ``OUT_DIR/clip-NNNN/``
  (default: approved clips).
* ``notes-csv OUT.csv``: every note, one row each (default: all ready clips).
* ``report-pdf OUT.pdf``: a review report, a page per clip (default: all ready clips).
* ``timeline OUT.otio|OUT.xml|OUT.edl``: the clips end to end for an editing application, as
  OpenTimelineIO, Final Cut Pro 7 XML or a CMX 3600 EDL (by the extension), each clip at its
  media's own frame rate with its notes as markers (default: approved clips). ``--copy-media
  DIR`` copies the clips' media into DIR and points the timeline at the copies. Bring the
  editor's markers back with ``sora-studio import-markers``.

``--status`` chooses clips by verdict (``all`` for every ready clip); ``--id`` picks clips
by id instead (repeatable).
"""

from __future__ import annotations

import argparse
import json
import sys

# The kinds are ``services.exports.CLIP_EXPORTS``; spelled here so that building the parser does
# not import the export code (PDF and all) for every command.
_KINDS = ("clips", "notes-csv", "report-pdf", "timeline")
_STATUSES = ("approved", "changes", "rejected", "unreviewed", "all")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export clips, notes CSV, a report PDF or a timeline for editing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=_KINDS, help="what to export")
    parser.add_argument("out", metavar="OUT", help="the folder (clips) or file to write")
    parser.add_argument(
        "--status", choices=_STATUSES, help="which clips, by verdict (default depends on KIND)"
    )
    parser.add_argument(
        "--id", dest="job_ids", type=int, action="append", metavar="ID", help="export this clip"
    )
    parser.add_argument(
        "--copy-media",
        metavar="DIR",
        help="timeline only: copy the clips' media into DIR and point the timeline at the copies",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.core.models import ReviewStatus
    from sora_studio.services.exports import EXPORT_KINDS, KIND_DEFAULT, StatusChoice, run_export

    status: StatusChoice = KIND_DEFAULT
    if args.status is not None:
        status = None if args.status == "all" else ReviewStatus(args.status)
    _, repo = open_repository(args)
    try:
        report = run_export(
            repo,
            args.kind,
            args.out,
            status=status,
            job_ids=args.job_ids,
            copy_media=args.copy_media,
        )
    finally:
        repo.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(f"wrote {report.items} {EXPORT_KINDS[args.kind].unit} to {report.out_path}")
    for skip in report.skipped:
        print(f"sora-studio: skipped clip {skip.job_id}: {skip.message}", file=sys.stderr)
    return 0
