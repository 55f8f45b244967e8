"""The review area of the desk: filter bar and clip grid, player, notes, versions and compare.

Lives on the GUI thread. It reads the library through its own ``LibraryView`` (opened on this
thread at ``database``, read-only; WAL lets it read while others write); a pool thread opens
another to read a large library in the background (``JobLoader``). It never writes: what a
reviewer decides here (verdicts and their undo, notes, resolving) is shown at once and written by
the desk's writer thread (:class:`~sora_studio.ui.workers.desk_writer.DeskWriter`, the desk's own
or, standing alone, one the panel makes), which hands back what it stored
(:mod:`.verdicts`, :mod:`.clip_notes`). Everything that needs the provider (edit, extend, remix,
promote, regenerate, delete) leaves as ``action_requested(name, job_id)`` or, for a note turned
into work, ``note_action_requested(kind, job_id, text, note_id)``; the engine links the note to
the job it makes, and when that job arrives (:meth:`ReviewPanel.on_jobs_updated`) the notes on
show are read again.

Keys: see :mod:`.review_keys` (player, ``N``, ``E X M P``, ``V``, ``Ctrl+F``, ``Shift+U``) and
:mod:`.grid_view` (``1/A 2/C 3/R`` verdicts, ``Ctrl+Z`` undo). What a verdict does next (the
reject reason asked in place, auto-advance to the next clip, posters decoded ahead, the session
summary) is :mod:`.culling`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QWidget

from sora_studio.core.errors import UserError
from sora_studio.core.models import Asset, AssetVariant, Job, JobStatus, ReviewStatus
from sora_studio.services.desk_writes import SaveSettings
from sora_studio.services.library_view import LibraryView
from sora_studio.services.review import default_reviewer
from sora_studio.services.setting_keys import AUTO_ADVANCE_SETTING, auto_advance
from sora_studio.ui.compare.compare_view import CompareView
from sora_studio.ui.dialogs.clip_checks import ProfileLookup
from sora_studio.ui.notes.lineage_view import LineageView
from sora_studio.ui.notes.notes_panel import NotesPanel
from sora_studio.ui.player.player_panel import PlayerPanel
from sora_studio.ui.review.clip_actions import ClipActions
from sora_studio.ui.review.clip_filter import ClipFilter, ClipFilterProxy
from sora_studio.ui.review.clip_model import ClipModel, SortKey
from sora_studio.ui.review.clip_notes import ClipNotes
from sora_studio.ui.review.clip_row import RENDERING_STATUSES, ClipRow, build_clip_row
from sora_studio.ui.review.clip_tags import ClipTags
from sora_studio.ui.review.culling import Culling
from sora_studio.ui.review.filter_bar import FilterBar
from sora_studio.ui.review.grid_view import ClipGridView, ReasonProvider
from sora_studio.ui.review.job_loader import JobLoader
from sora_studio.ui.review.reason_bar import ReasonBar
from sora_studio.ui.review.review_keys import install_review_shortcuts
from sora_studio.ui.review.review_layout import lay_out_review_panel
from sora_studio.ui.review.sheet_maker import SpritesheetMaker
from sora_studio.ui.review.verdicts import VerdictRecorder
from sora_studio.ui.thumbnail_cache import ThumbnailCache
from sora_studio.ui.workers.desk_writer import DeskWriter

# Clips read on the GUI thread before the first paint; the rest load in the background.
FIRST_PAGE = 300


class ReviewPanel(QWidget):
    """Grid + player + notes + versions + compare (GUI thread)."""

    action_requested = Signal(str, int)  # edit|extend|remix|promote|regenerate|delete, job id
    note_action_requested = Signal(str, int, str, int)  # edit|extend|remix, job id, text, note id
    status_message = Signal(str)  # feedback for the status bar
    clip_opened = Signal(int)
    loading_finished = Signal()  # the background read of a large library is done
    # Made by ``lay_out_review_panel`` (.review_layout).
    detail_tabs: QTabWidget  # Notes | Versions, under the player
    right_tabs: QTabWidget  # Clip | Compare
    splitter: QSplitter  # the grid | the clip

    def __init__(
        self,
        database: Path,
        library_root: Path,
        parent: QWidget | None = None,
        *,
        writer: DeskWriter | None = None,
        reviewer: str | None = None,
        reason_provider: ReasonProvider | None = None,
        with_audio: bool = True,
        auto_advance_on: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = Path(database)
        self.library_root = Path(library_root)
        self.view = LibraryView.open(self.database)
        # Standing alone (tests, benchmarks) the panel brings its own writer; in the desk it
        # shares the desk's, so the desk has one writer thread whatever is open.
        self._owns_writer = writer is None
        self.writer = writer or DeskWriter.for_database(self.database, self, start=False)
        self.reviewer = reviewer or default_reviewer()
        self.cache = ThumbnailCache(self)
        self.loader = JobLoader(lambda: LibraryView.open(self.database), self)
        self.sheets = SpritesheetMaker(self.library_root, self)
        self._local_sheets: dict[int, str] = {}
        self.model = ClipModel(self._build_row, self)
        self.verdicts = VerdictRecorder(
            self.writer, self.reviewer, self.model.job, self.view.get_job, self
        )
        self.proxy = ClipFilterProxy(self.model, self)
        self.filter_bar = FilterBar(self)
        self.grid = ClipGridView(self.proxy, self.cache, self, reason_provider=reason_provider)
        self.empty_label = QLabel(
            "No clips yet. Write a prompt on the left and render, or import MP4s.", self
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.player = PlayerPanel(self, with_audio=with_audio)
        self.notes = NotesPanel(self)
        self.clip_notes = ClipNotes(self.notes, self.view, self.writer, self.reviewer, self)
        self.lineage = LineageView(self)
        self.actions_bar = ClipActions(self)
        self.compare = CompareView(self, with_audio=with_audio)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)  # a long message wraps; it never widens the window
        self.reason_bar = ReasonBar(self)  # a reject's reason, asked in place
        on = auto_advance(self.view) if auto_advance_on is None else auto_advance_on
        self.culling = Culling(self, auto_advance=on)
        self.tags = ClipTags(self)  # hand-put tags: shown, filtered on, edited with T
        self._current: int | None = None
        self._sized = False
        self._shut_down = False
        lay_out_review_panel(self)
        self._connect()
        install_review_shortcuts(self)
        self.reload()
        self.writer.start()  # last: a failed build never leaves the writer thread running

    # -- construction --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # The grid gets most of the width the first time; the user's split is kept after.
            self._sized = True
            width = max(self.width(), 800)
            self.splitter.setSizes([int(width * 0.62), width - int(width * 0.62)])

    def _connect(self) -> None:
        self.filter_bar.filter_changed.connect(self.set_filter)
        self.filter_bar.sort_changed.connect(
            lambda key, desc: self.proxy.set_sort(SortKey(key), descending=desc)
        )
        self.grid.verdict_requested.connect(self._on_verdict)
        self.grid.reject_requested.connect(self.culling.ask_reject)
        self.reason_bar.confirmed.connect(self.culling.reject_confirmed)
        self.reason_bar.cancelled.connect(self.culling.reject_cancelled)
        self.culling.auto_advance_changed.connect(self._store_auto_advance)
        self.grid.undo_requested.connect(self.undo_verdict)
        self.grid.current_clip_changed.connect(self._on_current_changed)
        self.grid.open_requested.connect(self._on_open)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._update_counts)
        self.verdicts.reconciled.connect(self._on_verdicts_stored)
        self.verdicts.refused.connect(self.report)
        self.player.duration_changed.connect(lambda _ms: self._refresh_markers())
        self.notes.add_requested.connect(self._on_add_note)
        self.notes.seek_requested.connect(self.player.seek)
        self.notes.resolve_requested.connect(self.clip_notes.resolve)
        self.notes.turn_into_requested.connect(self._on_turn_note_into)
        self.actions_bar.reasons_changed.connect(self.notes.set_turn_refusals)
        self.clip_notes.changed.connect(self._refresh_markers)
        self.clip_notes.refused.connect(self.report)
        self.grid.clip_delegate.sheet_unusable.connect(self._on_sheet_unusable)
        self.sheets.made.connect(self._on_sheet_made)
        self.sheets.failed.connect(
            lambda job_id, text: self.report(f"No scrub preview for #{job_id}: {text}")
        )
        self.loader.loaded.connect(self._on_rest_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.lineage.clip_selected.connect(self.select_clip)
        self.lineage.compare_requested.connect(self.compare_clips)
        self.actions_bar.action_requested.connect(self.action_requested)
        self.actions_bar.compare_requested.connect(self.compare_selection)

    def transport_key(self, key: Qt.Key) -> bool:
        """Space, J/K/L, ``,``/``.``, I/O go to the compare view while it is on show, else
        to the player."""
        if self.right_tabs.currentWidget() is self.compare:
            return self.compare.handle_key(key)
        return self.player.handle_key(key, Qt.KeyboardModifier.NoModifier)

    def _build_row(self, job: Job, version: int) -> ClipRow:
        # A clip still rendering or downloading has no files recorded yet (the engine stores
        # them in the same transaction that makes it ready): no query for the many progress
        # updates of a busy queue, which repaint on the GUI thread.
        assets: Mapping[AssetVariant, Asset] = {}
        if job.status not in RENDERING_STATUSES:
            try:
                assets = self.view.assets_for(job.id)
            except UserError:
                assets = {}
        row = build_clip_row(job, version, self.library_root, assets)
        local = self._local_sheets.get(job.id)
        return row if local is None else dataclasses.replace(row, spritesheet_path=local)

    def _on_sheet_unusable(self, job_id: int) -> None:
        """The clip's own sheet cannot be scrubbed: make one from its MP4 in the background."""
        if self.model.job(job_id) is None:
            return
        row = self.model.clip_row(job_id)
        if row.video_path and not row.media_missing:
            self.sheets.request(job_id, row.video_path)

    def _on_sheet_made(self, job_id: int, path: str) -> None:
        self._local_sheets[job_id] = path
        self.cache.forget(path)
        self.model.refresh_row(job_id)
        self.grid.rescrub()

    # -- the review area as the window sees it (ReviewWidget) ---------------------------------

    def as_widget(self) -> QWidget:
        return self

    def refresh_actions(self) -> None:
        """Settings changed: work out again what the clip on show allows, and whether a
        verdict moves on to the next clip."""
        self.actions_bar.refresh()
        self.culling.set_auto_advance(auto_advance(self.view))

    def _store_auto_advance(self, on: bool) -> None:
        """The View menu's toggle: kept for the next start (written by the writer thread)."""
        self.writer.send(SaveSettings(settings=((AUTO_ADVANCE_SETTING, on),)))
        self.report(f"Auto-advance after a verdict is {'on' if on else 'off'}.")

    def set_profiles(self, profiles: ProfileLookup | None) -> None:
        """Where each clip's provider profile and catalog are read (the desk's ProfileBook)."""
        self.actions_bar.set_profiles(profiles)

    # -- data in -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the clips again (start-up, after an import).

        The newest screenful is read here, so the grid paints at once; the rest of a large
        library is read on a pool thread and streams in after (see ``JobLoader``).
        """
        first = self.view.list_jobs(limit=FIRST_PAGE)
        self.model.set_jobs(first)
        self._set_choices()
        self._update_counts()
        if len(first) == FIRST_PAGE:
            self.loader.start(frozenset(job.id for job in first))
        else:
            self.loader.cancel()

    def _on_rest_loaded(self, jobs: list[Job]) -> None:
        self.model.add_jobs(jobs)
        self._set_choices()
        self._update_counts()
        self.loading_finished.emit()

    def _on_load_failed(self, message: str) -> None:
        self.report(f"Could not read the whole library: {message}")
        self.loading_finished.emit()

    def _set_choices(self) -> None:
        jobs = self.model.jobs()
        self.filter_bar.set_choices(
            (j.model for j in jobs), (j.size for j in jobs), (j.provider for j in jobs)
        )

    def on_job_updated(self, job: Job) -> None:
        """A job changed (from the poll worker): repaint its cell; never touches the selection."""
        self.on_jobs_updated([job])

    def on_jobs_updated(self, jobs: list[Job]) -> None:
        """A batch of job changes (the main window's 50 ms batches): new clips go into the grid
        together, so a burst of renders lays the grid out once, not once per clip."""
        # An update read before a verdict was stored still shows the verdict on screen.
        jobs = [self.verdicts.overlay(job) for job in jobs]
        previous = {job.id: self.model.job(job.id) for job in jobs}
        for job in jobs:
            before = previous[job.id]
            if before is not None and before.status is not job.status is JobStatus.READY:
                # Fresh media replaces whatever was cached for the clip while it rendered.
                row = self.model.clip_row(job.id)
                for path in (row.thumbnail_path, row.spritesheet_path):
                    if path:
                        self.cache.forget(path)
                if row.video_path:
                    self.culling.posters.forget(row.video_path)
        self.model.upsert_jobs(jobs)
        lineage_touched = notes_touched = False
        for job in jobs:
            before = previous[job.id]
            if job.id == self._current:
                self._show_clip(
                    job.id, reload_media=before is None or before.status is not job.status
                )
            elif self._current is not None and not lineage_touched:
                lineage_touched = self._in_shown_lineage(job)
            # A new version of the clip on show may be what one of its notes asked for: the
            # engine linked the note when it made the job, so read the notes again.
            notes_touched |= before is None and job.parent_id == self._current is not None
        if lineage_touched:
            self._refresh_lineage()
        if notes_touched:
            self.clip_notes.reload()

    def _in_shown_lineage(self, job: Job) -> bool:
        """True if ``job`` is, or is a new child of, a version in the lineage on show."""
        if self.lineage.item_for(job.id) is not None:
            return True
        return job.parent_id is not None and self.lineage.item_for(job.parent_id) is not None

    def set_filter(self, clip_filter: ClipFilter) -> None:
        self.proxy.set_filter(clip_filter)
        self._update_counts()

    def select_clip(self, job_id: int) -> bool:
        return self.grid.select_job(job_id)

    @property
    def current_job_id(self) -> int | None:
        return self._current

    # -- verdicts ------------------------------------------------------------------------------

    def record_verdict(self, job_ids: list[int], status: ReviewStatus, reason: str = "") -> None:
        """Judge the selected clips: the grid shows it now, the writer stores it; with
        auto-advance the next clip that needs a verdict opens and plays (:mod:`.culling`)."""
        self.culling.record(job_ids, status, reason)

    def undo_verdict(self) -> None:
        """Take back the last verdict and go back to the clip it changed."""
        self.culling.undo()

    def _on_verdict(self, job_ids: list[int], status: str, reason: str) -> None:
        self.record_verdict(list(job_ids), ReviewStatus(status), reason)

    def _on_verdicts_stored(self, jobs: list[Job]) -> None:
        # Only the verdict is taken from the writer's copy: an engine update that arrived since
        # it was read (progress, expiry) stays.
        merged = []
        for job in jobs:
            shown = self.model.job(job.id)
            merged.append(
                job
                if shown is None
                else dataclasses.replace(shown, review_status=job.review_status)
            )
        self.show_verdicts(merged)

    def show_verdicts(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.model.upsert_job(job)
        self.lineage.update_verdicts(jobs)

    # -- current clip --------------------------------------------------------------------------

    def _on_current_changed(self, job_id: int) -> None:
        self._current = job_id if job_id >= 0 else None
        if self._current is None:
            self.player.load(None)
            self.player.video.clear("No clip selected")
            self.clip_notes.show(None)
            self.lineage.set_lineage([])
            self.actions_bar.set_clip(None)
            return
        self._show_clip(self._current, reload_media=True)

    def show_current(self, *, reload_media: bool) -> None:
        if self._current is not None:
            self._show_clip(self._current, reload_media=reload_media)

    def _show_clip(self, job_id: int, *, reload_media: bool) -> None:
        if self.model.job(job_id) is None:
            return
        row = self.model.clip_row(job_id)
        # The picture first (a poster is painted at once), then what goes with the clip.
        opened = reload_media and self.culling.open_media(row)
        self.actions_bar.set_clip(row)
        if reload_media and not opened:
            return  # passed over under a held arrow key: opened once the key rests
        if opened:
            self.clip_notes.show(job_id)
        self._refresh_lineage()

    def _refresh_lineage(self) -> None:
        if self._current is None:
            return
        try:
            family = self.view.lineage(self._current)
        except UserError:
            family = []
        # Verdicts still on their way to the library are shown as on the grid.
        self.lineage.set_lineage(map(self.verdicts.overlay, family), self._current)

    def _refresh_markers(self) -> None:
        self.player.set_markers(self.clip_notes.markers())

    def _on_open(self, job_id: int) -> None:
        self.right_tabs.setCurrentIndex(0)
        self.player.setFocus(Qt.FocusReason.OtherFocusReason)
        self.clip_opened.emit(job_id)

    # -- notes ---------------------------------------------------------------------------------

    def begin_note(self) -> None:
        """``N``: pause and pin a note to the playhead, or to the in/out range when one is set."""
        if self._current is None:
            return
        self.player.pause()
        in_ms, out_ms = self.player.in_out
        if in_ms is not None and out_ms is not None:
            self.notes.begin_note(in_ms, out_ms)
        else:
            self.notes.begin_note(self.player.position_ms)
        self.detail_tabs.setCurrentWidget(self.notes)

    def _on_add_note(self, start_ms: int, end_ms: int, text: str) -> None:
        if self._current is not None:
            self.clip_notes.add(start_ms, None if end_ms < 0 else end_ms, text)

    def _on_turn_note_into(self, note_id: int, kind: str, text: str) -> None:
        if self._current is None:
            return
        self.note_action_requested.emit(kind, self._current, text, note_id)
        self.report(f"Asked for a {kind} of #{self._current} from note {note_id}.")

    # -- compare -------------------------------------------------------------------------------

    def compare_selection(self) -> bool:
        """Compare the two selected clips, or the current clip with its parent."""
        ids = self.grid.selected_job_ids()
        if len(ids) == 2:
            return self.compare_clips(ids[0], ids[1])
        job = self.model.job(ids[0]) if len(ids) == 1 else None
        if job is not None and job.parent_id is not None:
            return self.compare_clips(job.parent_id, job.id)
        self.report("Select two clips (or a clip that has a parent) to compare.")
        return False

    def compare_clips(self, a_id: int, b_id: int) -> bool:
        a, b = self.view.get_job(a_id), self.view.get_job(b_id)
        if a is None or b is None:
            self.report(f"Cannot compare: clip #{a_id if a is None else b_id} no longer exists.")
            return False

        def playable(job: Job) -> str | None:
            row = build_clip_row(job, 1, self.library_root, self.view.assets_for(job.id))
            return (
                None if row.media_missing or job.status is not JobStatus.READY else row.video_path
            )

        self.compare.set_clips(a, playable(a), b, playable(b))
        self.right_tabs.setCurrentWidget(self.compare)
        self.compare.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    # -- misc ----------------------------------------------------------------------------------

    def _update_counts(self, *_args: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.filter_bar.set_counts(shown, total, loading=self.loader.is_loading)
        empty_library = total == 0
        self.grid.setVisible(not empty_library)
        self.empty_label.setVisible(empty_library)
        self.grid.empty_text = (
            "No clips in this view. Shift+U shows clips with a verdict again."
            if self.filter_bar.to_review.isChecked()
            else "No clips match the filter."
        )

    def report(self, text: str) -> None:
        self.message.setText(text)
        self.status_message.emit(text)

    def shutdown(self) -> None:
        """Stop playback and background work, store what is on its way, and close the view
        (safe to call twice)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.culling.shutdown()
        self.player.shutdown()
        self.compare.shutdown()
        self.loader.shutdown()
        self.sheets.shutdown()
        self.cache.shutdown()
        if self._owns_writer:
            self.writer.shutdown()
        self.view.close()
