"""Culling at speed: a verdict moves straight on to the next clip, already loaded and playing.

GUI thread. :class:`Culling` is the review panel's verdict flow:

* **Auto-advance** (on unless turned off in the View menu or Settings; ``auto_advance_action``):
  after a verdict on the clip on show, the next clip in the grid's current order and filter that
  still needs a verdict (:func:`sora_studio.core.culling.next_needing_verdict`: a finished clip
  without one, wrapping round to the top) is selected and starts playing. When none is left the
  panel says so: "All N clips in this view have a verdict", with what to do next.
* **Ready before it is needed**: whenever a clip is shown, the posters (first frames, decoded
  off the GUI thread by :class:`~sora_studio.ui.player.posters.PosterCache`) of the clip an
  advance would go to and of the grid neighbours are asked for, so the switch paints a picture
  in the same turn of the event loop. Under a held arrow key each clip passed over only shows
  its poster (or thumbnail); the clip is opened once the key rests for ``SETTLE_MS``.
* **Keyboard-only**: a reject asks for its reason in place (:mod:`.reason_bar`), and ``Ctrl+Z``
  goes back to the clip it changed.
* **Session summary**: clips decided, average seconds per clip, approved share
  (``summary_changed``, shown in the desk's status bar).

Verdicts are still written by the desk's writer thread through :mod:`.verdicts`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

from PySide6.QtCore import QObject, QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QAction, QImage

from sora_studio.core.culling import CullingSession, next_needing_verdict
from sora_studio.core.models import Job, JobStatus, ReviewStatus
from sora_studio.services.review import REVIEWABLE_STATUSES
from sora_studio.ui.player.posters import PosterCache
from sora_studio.ui.review.clip_delegate import THUMBNAIL_MAX_SIDE
from sora_studio.ui.review.clip_filter import ClipFilterProxy
from sora_studio.ui.review.clip_row import ClipRow
from sora_studio.ui.review.verdicts import verdict_message

if TYPE_CHECKING:
    from sora_studio.ui.review.review_panel import ReviewPanel

SETTLE_MS = 160  # a held arrow key has let go (auto-repeat runs every ~30-40 ms)


def needs_verdict(job: Job | None) -> bool:
    """A finished clip nobody has judged yet."""
    return (
        job is not None
        and job.status in REVIEWABLE_STATUSES
        and job.review_status is ReviewStatus.UNREVIEWED
    )


def end_of_view_message(judged: int) -> str:
    """What the panel says when no clip in the view needs a verdict any more."""
    noun = "clip in this view has" if judged == 1 else "clips in this view have"
    return (
        f"All {judged} {noun} a verdict. Next: Shift+U shows every clip, "
        "File > Export sends the approved ones to an editor."
    )


class GridOrder(Sequence[int]):
    """The grid's clips in its current order and filter, read row by row when asked: an
    advance usually looks at the next row only, whatever the size of the library."""

    def __init__(self, proxy: ClipFilterProxy) -> None:
        self._proxy = proxy
        self._count = proxy.rowCount()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return self._proxy.job_id_at(index % self._count)


class Culling(QObject):
    """The review panel's verdicts, auto-advance, posters and session summary (GUI thread)."""

    summary_changed = Signal(str)  # the session summary for the status bar
    auto_advance_changed = Signal(bool)  # toggled by the person (to be stored)

    def __init__(self, panel: ReviewPanel, *, auto_advance: bool = True) -> None:
        super().__init__(panel)
        self.panel = panel
        self.posters = PosterCache(self)
        self.session = CullingSession()
        self.auto_advance_action = QAction("Auto-advance after a verdict", self)
        self.auto_advance_action.setCheckable(True)
        self.auto_advance_action.setChecked(auto_advance)
        self.auto_advance_action.setStatusTip(
            "After a verdict, open and play the next clip that still needs one"
        )
        self.auto_advance_action.toggled.connect(self.auto_advance_changed)
        self._shown_at = time.monotonic()
        self._play_next = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self._unsettled: int | None = None
        self.posters.ready.connect(self._on_poster_ready)

    # -- settings ------------------------------------------------------------------------------

    @property
    def auto_advance(self) -> bool:
        return self.auto_advance_action.isChecked()

    def set_auto_advance(self, on: bool) -> None:
        """Follow the stored setting (no ``auto_advance_changed``: nothing to store)."""
        with QSignalBlocker(self.auto_advance_action):
            self.auto_advance_action.setChecked(on)

    # -- verdicts ------------------------------------------------------------------------------

    def record(self, job_ids: list[int], status: ReviewStatus, reason: str = "") -> None:
        """Judge ``job_ids``; with auto-advance, move on to the next clip needing a verdict."""
        panel = self.panel
        current = panel.current_job_id
        result = panel.verdicts.record(job_ids, status, reason)
        judged = [job.id for job in result.jobs]
        self.session.decided(judged, status, time.monotonic() - self._shown_at)
        message = verdict_message(status, result)
        target = None
        if judged and self.auto_advance and (current is None or current in judged):
            target = self.next_after(judged)
            if target is not None:
                # Selected before the verdict is shown: with "needs a verdict" filtered, the
                # judged row then leaves the view without the grid picking a clip of its own.
                self._play_next = True
                try:
                    panel.select_clip(target)
                finally:
                    self._play_next = False
        panel.show_verdicts(list(result.jobs))
        if judged and self.auto_advance and target is None:
            # The announcement first: the status bar cuts what does not fit.
            message = f"{end_of_view_message(self.judged_in_view())} {message}"
        panel.report(message)
        self._emit_summary()

    def undo(self) -> None:
        """``Ctrl+Z``: take back the last verdict and go back to the clip it changed."""
        panel = self.panel
        jobs = panel.verdicts.undo()
        if not jobs:
            panel.report("Nothing to undo.")
            return
        panel.show_verdicts(jobs)
        self.session.undone({job.id: job.review_status for job in jobs})
        back = jobs[0].id
        if panel.current_job_id != back and not panel.select_clip(back):
            panel.report(
                f"Undid the last verdict on {len(jobs)} clip(s); #{back} is hidden by the filter."
            )
        else:
            panel.report(f"Undid the last verdict on {len(jobs)} clip(s).")
        self._emit_summary()

    def ask_reject(self, job_ids: list[int]) -> None:
        """``R``: ask for the reason in place (the bar under the grid)."""
        self.panel.reason_bar.ask(job_ids)

    def reject_confirmed(self, job_ids: list[int], reason: str) -> None:
        self.panel.grid.setFocus()
        self.record(job_ids, ReviewStatus.REJECTED, reason)

    def reject_cancelled(self) -> None:
        self.panel.grid.setFocus()
        self.panel.report("Reject cancelled: no verdict given.")

    # -- where to go next ----------------------------------------------------------------------

    def view_order(self) -> list[int]:
        """Job ids in the grid's current order and filter."""
        return list(GridOrder(self.panel.proxy))

    def next_after(self, judged: list[int]) -> int | None:
        """The clip an advance from ``judged`` goes to (None: every clip has a verdict)."""
        proxy = self.panel.proxy
        rows = [proxy.proxy_index_of(job_id).row() for job_id in judged]
        model = self.panel.model
        return next_needing_verdict(
            GridOrder(proxy),
            lambda job_id: needs_verdict(model.job(job_id)),
            max(rows, default=-1),
            set(judged),
        )

    def judged_in_view(self) -> int:
        """Finished clips in the view, each with a verdict once the end is announced. The
        verdict part of the filter is left out: with "To review" on, the clips just judged
        have left the grid, yet they are what the reviewer went through."""
        scope = self.panel.proxy.clip_filter.with_changes(review_statuses=frozenset())
        return sum(
            1
            for job in self.panel.model.jobs()
            if job.status in REVIEWABLE_STATUSES and scope.matches(job)
        )

    # -- showing a clip ------------------------------------------------------------------------

    def open_media(self, row: ClipRow) -> bool:
        """Load the clip of ``row`` into the player: its poster at once, playing after an
        advance. Under a held arrow key only its poster (or thumbnail) is shown and False is
        returned: the clip is opened once the key rests."""
        panel = self.panel
        self._shown_at = time.monotonic()
        path = self.playable(row)
        if panel.grid.repeating and path is not None:
            panel.player.preview(self._picture(row), "Loading…")
            self.posters.request(path, "passing")
            self._unsettled = row.job_id
            self._settle.start()
            return False
        self._settle.stop()
        self._unsettled = None
        # After an advance the poster is painted at once, before the file is opened and the
        # clip's notes and versions are read: the picture is what the reviewer waits for.
        poster = self.posters.get(path)
        panel.player.load(
            path,
            poster=poster,
            play=self._play_next,
            paint_now=self._play_next,
            placeholder=self.unplayable_reason(row),
        )
        self.preload(row.job_id)
        return True

    def preload(self, job_id: int) -> None:
        """Ask for the posters of the clips that may come next: the advance target and the
        grid neighbours of ``job_id``."""
        order = GridOrder(self.panel.proxy)
        position = self.panel.proxy.proxy_index_of(job_id).row()
        if position < 0:
            return
        model = self.panel.model
        target = next_needing_verdict(
            order, lambda i: needs_verdict(model.job(i)), position, {job_id}
        )
        wanted: list[tuple[str, int | None]] = [("advance", target)]
        if position + 1 < len(order):
            wanted.append(("below", order[position + 1]))
        if position > 0:
            wanted.append(("above", order[position - 1]))
        for slot, other in wanted:
            if other is not None and model.job(other) is not None:
                self.posters.request(self.playable(model.clip_row(other)), slot)

    def unplayable_reason(self, row: ClipRow) -> str | None:
        """What the player says for a finished clip it cannot open: a teammate's clip whose
        media is on a team share not reachable here says so (read through the view); None
        for a playable clip or any other (the player's own words then)."""
        if self.playable(row) is not None or row.job.status is not JobStatus.READY:
            return None
        return self.panel.view.media_unreachable(row.job_id)

    @staticmethod
    def playable(row: ClipRow) -> str | None:
        if row.job.status is JobStatus.READY and not row.media_missing and row.video_path:
            return row.video_path
        return None

    def _picture(self, row: ClipRow) -> QImage | None:
        poster = self.posters.get(self.playable(row))
        if poster is not None:
            return poster
        if row.thumbnail_path:
            pixmap = self.panel.cache.pixmap(row.thumbnail_path, THUMBNAIL_MAX_SIDE)
            if pixmap is not None:
                return pixmap.toImage()
        return None

    def _settled(self) -> None:
        job_id, self._unsettled = self._unsettled, None
        if job_id is not None and job_id == self.panel.current_job_id:
            self.panel.show_current(reload_media=True)

    def _on_poster_ready(self, path: str) -> None:
        # A held arrow key is on a clip whose poster just arrived: show it.
        if self._unsettled is None or self.panel.model.job(self._unsettled) is None:
            return
        row = self.panel.model.clip_row(self._unsettled)
        image = self.posters.get(path) if self.playable(row) == path else None
        if image is not None:
            self.panel.player.preview(image)

    def _emit_summary(self) -> None:
        self.summary_changed.emit(self.session.summary().text())

    def summary_text(self) -> str:
        return self.session.summary().text()

    def shutdown(self) -> None:
        self._settle.stop()
        self.posters.shutdown()
