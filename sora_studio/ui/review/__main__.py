"""``python -m sora_studio.ui.review``: the review panel on its own, on a dozen sample renders.

A throwaway library (deleted on exit) holds twelve finished clips with real MP4s, thumbnails
and spritesheets, some already judged or annotated (``samples``). The panel is the desk's own:
grid, player, notes, versions and compare, reading the library through its ``LibraryView`` and
writing verdicts (``1``/``2``/``3``, ``Ctrl+Z``) and notes (``N``) through its own
``DeskWriter``, as it does standing alone, so they are really stored in the throwaway library.
There is no engine: what would need the provider (edit, extend, remix, promote, a note turned
into work) is said in the status line. ``--screenshot PNG`` and ``--quit-after-paint`` as for
every preview (``ui.preview``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sora_studio.services.provider_settings import ProfileBook
from sora_studio.ui.preview import PreviewWindow, run_preview
from sora_studio.ui.review.review_panel import ReviewPanel
from sora_studio.ui.review.samples import fill_library

SIZE = (1400, 860)


def build(folder: Path) -> PreviewWindow:
    """The review panel over the sample library made in ``folder``, its newest clip open."""
    database, library = folder / "library.db", folder / "library"
    ids = fill_library(database, library)
    panel = ReviewPanel(database, library)
    window = PreviewWindow(panel, shutdown=panel.shutdown)
    window.say(
        f"Preview: {len(ids)} sample clips; verdicts and notes are stored in a throwaway "
        "library, edits and remixes only said here."
    )
    panel.set_profiles(ProfileBook(panel.view, {}))
    panel.status_message.connect(window.say)
    panel.actions_bar.refused.connect(window.say)
    panel.action_requested.connect(
        lambda kind, job_id: window.say(f"Would ask the engine: {kind} of clip #{job_id}")
    )
    panel.note_action_requested.connect(
        lambda kind, job_id, _text, note_id: window.say(
            f"Would ask the engine: {kind} of clip #{job_id} from note {note_id}"
        )
    )
    panel.select_clip(ids[-1])
    return window


def main(argv: Sequence[str] | None = None) -> int:
    return run_preview(build, title="Review", size=SIZE, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
