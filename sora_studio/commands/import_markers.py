"""``sora-studio import-markers FILE``: an editor's markers back in as notes on their clips.

FILE is a timeline from the editing application: ``.otio``, Final Cut Pro 7 ``.xml`` or CMX 3600
``.edl``. Clips are recognised by the job id our ``.otio`` carries, else by their media's file
name (``clip-0012.mp4``, or the library's own file name). Markers already imported, or exported
from here, are skipped; markers on clips the library does not know are listed. An EDL does not
say its frame rate: it is read at the first recognised clip's rate unless ``--rate`` says.

Exit status 0 when every marker was added, already there, or listed as on an unknown clip;
2 when the file could not be read or a marker could not be added.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import-markers",
        help="import an editor's markers (.otio, .xml, .edl) as notes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the timeline: .otio, .xml or .edl")
    parser.add_argument(
        "--rate", type=float, metavar="FPS", help="the frame rate an EDL was written at"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.core.timecode import format_timecode
    from sora_studio.services.timeline_import import import_markers

    _, repo = open_repository(args)
    try:
        report = import_markers(repo, args.file, edl_rate=args.rate)
    finally:
        repo.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.headline)
        for note in report.added:
            print(f"  clip {note.job_id} at {format_timecode(note.start_ms)}: {note.text}")
        for stray in report.unknown:
            where = f"clip {stray.clip}" if stray.clip else "no clip"
            print(f"  not imported ({where} at {stray.at}, {stray.reason}): {stray.text}")
    for stray in report.refused:
        print(
            f"sora-studio: marker at {stray.at} on {stray.clip} not added: {stray.reason}",
            file=sys.stderr,
        )
    return 2 if report.refused else 0
