"""``sora-studio import PATH...``: bring video files from disk into the library as clips.

Each file is probed, hashed (duplicates are skipped with a message), given a locally made
thumbnail and spritesheet, and copied into the library (or referenced where it lies with
``--link``). Exit status 0 when every file imported or was a duplicate, 2 when any failed.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import video files (or folders of them) as clips to review",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", metavar="PATH", nargs="+", help="video files or folders")
    parser.add_argument(
        "--link",
        action="store_true",
        help="reference the files where they are instead of copying them into the library",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.imports import import_clips
    from sora_studio.services.setting_keys import library_root

    paths, repo = open_repository(args)
    try:
        report = import_clips(
            repo, library_root(repo, paths.library), args.paths, copy=not args.link
        )
    finally:
        repo.close()
    if args.json:
        data = {
            "imported": [
                {
                    "source": c.source,
                    "job_id": c.job_id,
                    "video_path": c.video_path,
                    "copied": c.copied,
                    "sha256": c.sha256,
                    "size": f"{c.width}x{c.height}",
                    "duration_s": round(c.duration_s, 3),
                }
                for c in report.imported
            ],
            "duplicates": [
                {"source": d.source, "duplicate_of": d.duplicate_of, "message": d.message}
                for d in report.duplicates
            ],
            "failures": [{"source": f.source, "message": f.message} for f in report.failures],
        }
        print(json.dumps(data, indent=2))
    else:
        for clip in report.imported:
            how = "copied" if clip.copied else "linked"
            print(
                f"imported {clip.source} as clip {clip.job_id} "
                f"({clip.width}x{clip.height}, {clip.duration_s:.2f} s, {how})"
            )
        for dup in report.duplicates:
            print(dup.message)
    for failure in report.failures:
        print(f"sora-studio: {failure.message}", file=sys.stderr)
    if not report.imported and not report.duplicates and not report.failures:
        print("sora-studio: no video files found in the paths given", file=sys.stderr)
        return 2
    return 0 if report.ok else 2
