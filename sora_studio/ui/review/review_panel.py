"""The review area of the desk: filter bar and clip grid, player, notes, versions and compare.

Lives on the GUI thread. It reads the library through its own ``Repository`` (made by the
injected factory on this thread; WAL lets it read while the engine's thread writes). The factory
is also called on a pool thread to read a large library in the background, so it must return a
new ``Repository`` (a new connection) on every call. The panel writes
only what a reviewer decides here: verdicts and notes. Everything that needs the provider (edit,
extend, remix, promote, regenerate, delete) leaves as ``action_requested(name, job_id)`` or, for
a note turned into work, ``note_action_requested(kind, job_id, text, note_id)``; the shell wires
them to the poll worker and feeds job updates back through :meth:`ReviewPanel.on_job_updated`.
When the job a note asked for appears, the note is linked to it.

Keys (shortcuts on the panel and its children): ``1/A 2/C 3/R`` verdicts and ``Ctrl+Z`` undo
(grid), ``Space J K L , . I O`` player, ``N`` note at the playhead (or the in/out range),
``E X M P`` edit/extend/remix/promote, ``V`` compare, ``Ctrl+F`` search.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from sora_studio.core.errors import UserError
from sora_studio.core.models import (
    Asset,
    AssetVariant,
    Job,
    JobStatus,
    LineageKind,
    Note,
    ReviewStatus,
)
from sora_studio.services.review import add_note, default_reviewer
from sora_studio.storage.repository import Repository
from sora_studio.ui.compare.compare_view import CompareView
from sora_studio.ui.notes.lineage_view import LineageView
from sora_studio.ui.notes.notes_panel import NotesPanel
from sora_studio.ui.player.player_panel import PlayerPanel
from sora_studio.ui.player.timeline import Marker
from sora_studio.ui.review.clip_actions import ClipActions
from sora_studio.ui.review.clip_filter import ClipFilter, ClipFilterProxy
from sora_studio.ui.review.clip_model import ClipModel, SortKey
from sora_studio.ui.review.clip_row import RENDERING_STATUSES, ClipRow, build_clip_row
from sora_studio.ui.review.filter_bar import FilterBar
from sora_studio.ui.review.grid_view import ClipGridView, ReasonProvider, ask_reject_reason
from sora_studio.ui.review.job_loader import JobLoader
from sora_studio.ui.review.sheet_maker import SpritesheetMaker
from sora_studio.ui.review.thumbnail_cache import ThumbnailCache
from sora_studio.ui.review.verdicts import VerdictRecorder

# Clips read on the GUI thread before the first paint; the rest load in the background.
FIRST_PAGE = 300
_NOTE_KIND_TO_LINEAGE = {
    "edit": LineageKind.EDIT,
    "extend": LineageKind.EXTENSION,
    "remix": LineageKind.REMIX,
}
_PLAYER_KEYS = (
    Qt.Key.Key_Space,
    Qt.Key.Key_J,
    Qt.Key.Key_K,
    Qt.Key.Key_L,
    Qt.Key.Key_Comma,
    Qt.Key.Key_Period,
    Qt.Key.Key_I,
    Qt.Key.Key_O,
)


class ReviewPanel(QWidget):
    """Grid + player + notes + versions + compare (GUI thread)."""

    action_requested = Signal(str, int)  # edit|extend|remix|promote|regenerate|delete, job id
    note_action_requested = Signal(str, int, str, int)  # edit|extend|remix, job id, text, note id
    status_message = Signal(str)  # feedback for the status bar
    clip_opened = Signal(int)
    loading_finished = Signal()  # the background read of a large library is done

    def __init__(
        self,
        repository_factory: Callable[[], Repository],
        library_root: Path,
        parent: QWidget | None = None,
        *,
        reviewer: str | None = None,
        reason_provider: ReasonProvider = ask_reject_reason,
        with_audio: bool = True,
    ) -> None:
        super().__init__(parent)
        self.library_root = Path(library_root)
        self.repo = repository_factory()
        self.reviewer = reviewer or default_reviewer()
        self.verdicts = VerdictRecorder(lambda: self.repo, self.reviewer)
        self.cache = ThumbnailCache(self)
        self.loader = JobLoader(repository_factory, self)
        self.sheets = SpritesheetMaker(self.library_root, self)
        self._local_sheets: dict[int, str] = {}
        self.model = ClipModel(self._build_row, self)
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
        self.lineage = LineageView(self)
        self.actions_bar = ClipActions(self)
        self.compare = CompareView(self, with_audio=with_audio)
        self.message = QLabel("", self)
        self._current: int | None = None
        self._pending_note_links: list[tuple[int, int, LineageKind]] = []
        self._sized = False
        self._shut_down = False
        self._build_layout()
        self._connect()
        self._install_shortcuts()
        self.reload()

    # -- construction --------------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter_bar)
        left_layout.addWidget(self.grid, 1)
        left_layout.addWidget(self.empty_label, 1)
        left_layout.addWidget(self.message)
        clip_page = QWidget(self)
        clip_layout = QVBoxLayout(clip_page)
        clip_layout.setContentsMargins(0, 0, 0, 0)
        below = QTabWidget(clip_page)
        below.addTab(self.notes, "Notes")
        below.addTab(self.lineage, "Versions")
        self.detail_tabs = below
        split = QSplitter(Qt.Orientation.Vertical, clip_page)
        split.addWidget(self.player)
        split.addWidget(below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        clip_layout.addWidget(self.actions_bar)
        clip_layout.addWidget(split, 1)
        self.right_tabs = QTabWidget(self)
        self.right_tabs.addTab(clip_page, "Clip")
        self.right_tabs.addTab(self.compare, "Compare")
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.right_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

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
        self.player.duration_changed.connect(lambda _ms: self._refresh_markers())
        self.notes.add_requested.connect(self._on_add_note)
        self.notes.seek_requested.connect(self.player.seek)
        self.notes.resolve_requested.connect(self._on_resolve_note)
        self.notes.turn_into_requested.connect(self._on_turn_note_into)
        self.grid.clip_delegate.sheet_unusable.connect(self._on_sheet_unusable)
        self.sheets.made.connect(self._on_sheet_made)
        self.sheets.failed.connect(
            lambda job_id, text: self._report(f"No scrub preview for #{job_id}: {text}")
        )
        self.loader.loaded.connect(self._on_rest_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.lineage.clip_selected.connect(self.select_clip)
        self.lineage.compare_requested.connect(self.compare_clips)
        self.actions_bar.action_requested.connect(self.action_requested)
        self.actions_bar.compare_requested.connect(self.compare_selection)

    def _install_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def shortcut(
            sequence: QKeySequence | QKeySequence.StandardKey | str, slot: Callable[[], object]
        ) -> None:
            item = QShortcut(QKeySequence(sequence), self)
            item.setContext(context)
            item.activated.connect(slot)

        def player_key(key: Qt.Key) -> Callable[[], object]:
            return lambda: self.transport_key(key)

        for key in _PLAYER_KEYS:
            shortcut(QKeySequence(key), player_key(key))
        shortcut(
            "Shift+I",
            lambda: self.player.handle_key(Qt.Key.Key_I, Qt.KeyboardModifier.ShiftModifier),
        )
        shortcut(
            "Shift+O",
            lambda: self.player.handle_key(Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier),
        )
        shortcut("N", self.begin_note)
        shortcut("E", lambda: self.actions_bar.trigger("edit"))
        shortcut("X", lambda: self.actions_bar.trigger("extend"))
        shortcut("M", lambda: self.actions_bar.trigger("remix"))
        shortcut("P", lambda: self.actions_bar.trigger("promote"))
        shortcut("V", self.compare_selection)
        shortcut(QKeySequence.StandardKey.Find, self.filter_bar.focus_search)

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
                assets = self.repo.assets_for(job.id)
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

    # -- data in -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the clips again (start-up, after an import).

        The newest screenful is read here, so the grid paints at once; the rest of a large
        library is read on a pool thread and streams in after (see ``JobLoader``).
        """
        first = self.repo.list_jobs(limit=FIRST_PAGE)
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
        self._report(f"Could not read the whole library: {message}")
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
        previous = {job.id: self.model.job(job.id) for job in jobs}
        for job in jobs:
            before = previous[job.id]
            if before is not None and before.status is not job.status is JobStatus.READY:
                # Fresh media replaces whatever was cached for the clip while it rendered.
                row = self.model.clip_row(job.id)
                for path in (row.thumbnail_path, row.spritesheet_path):
                    if path:
                        self.cache.forget(path)
        self.model.upsert_jobs(jobs)
        lineage_touched = False
        for job in jobs:
            self._link_pending_note(job)
            before = previous[job.id]
            if job.id == self._current:
                self._show_clip(
                    job.id, reload_media=before is None or before.status is not job.status
                )
            elif self._current is not None and not lineage_touched:
                lineage_touched = self._in_shown_lineage(job)
        if lineage_touched:
            self._refresh_lineage()

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
        try:
            result = self.verdicts.record(job_ids, status, reason)
        except UserError as exc:
            self._report(str(exc))
            return
        for job in result.jobs:
            self.model.upsert_job(job)
        words = {
            ReviewStatus.APPROVED: "Approved",
            ReviewStatus.CHANGES: "Needs changes",
            ReviewStatus.REJECTED: "Rejected",
        }
        parts = []
        if result.jobs:
            noun = "clip" if len(result.jobs) == 1 else "clips"
            parts.append(f"{words[status]}: {len(result.jobs)} {noun} (Ctrl+Z undoes).")
        if result.skipped:
            parts.append(
                f"Skipped {len(result.skipped)} unfinished clip(s): only ready clips can be judged."
            )
        self._report(" ".join(parts))
        if self._current in job_ids:
            self._refresh_lineage()

    def undo_verdict(self) -> None:
        try:
            jobs = self.verdicts.undo()
        except UserError as exc:
            self._report(str(exc))
            return
        if not jobs:
            self._report("Nothing to undo.")
            return
        for job in jobs:
            self.model.upsert_job(job)
        self._report(f"Undid the last verdict on {len(jobs)} clip(s).")
        if self._current in [j.id for j in jobs]:
            self._refresh_lineage()

    def _on_verdict(self, job_ids: list[int], status: str, reason: str) -> None:
        self.record_verdict(list(job_ids), ReviewStatus(status), reason)

    # -- current clip --------------------------------------------------------------------------

    def _on_current_changed(self, job_id: int) -> None:
        self._current = job_id if job_id >= 0 else None
        if self._current is None:
            self.player.load(None)
            self.notes.set_notes(None, [])
            self.lineage.set_lineage([])
            self.actions_bar.set_clip(None)
            return
        self._show_clip(self._current, reload_media=True)

    def _show_clip(self, job_id: int, *, reload_media: bool) -> None:
        if self.model.job(job_id) is None:
            return
        row = self.model.clip_row(job_id)
        self.actions_bar.set_clip(row)
        if reload_media:
            playable = (
                row.video_path
                if row.job.status is JobStatus.READY and not row.media_missing
                else None
            )
            self.player.load(playable)
            self.notes.set_notes(job_id, self.repo.notes_for(job_id))
            self._refresh_markers()
        self._refresh_lineage()

    def _refresh_lineage(self) -> None:
        if self._current is None:
            return
        try:
            family = self.repo.lineage(self._current)
        except UserError:
            family = []
        self.lineage.set_lineage(family, self._current)

    def _refresh_markers(self) -> None:
        self.player.set_markers(
            tuple(Marker(n.start_ms, n.end_ms, n.resolved, n.id) for n in self.notes.model.notes())
        )

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
        if self._current is None:
            return
        try:
            note = add_note(
                self.repo,
                self._current,
                start_ms,
                text,
                self.reviewer,
                None if end_ms < 0 else end_ms,
            )
        except UserError as exc:
            self._report(str(exc))
            return
        self.notes.note_changed(note)
        self.notes.select_note(note.id)
        self._refresh_markers()

    def _on_resolve_note(self, note_id: int, resolved: bool) -> None:
        try:
            note = self.repo.resolve_note(note_id, resolved)
        except UserError as exc:
            self._report(str(exc))
            return
        self.notes.note_changed(note)
        self._refresh_markers()

    def _on_turn_note_into(self, note_id: int, kind: str, text: str) -> None:
        if self._current is None:
            return
        self._pending_note_links.append((note_id, self._current, _NOTE_KIND_TO_LINEAGE[kind]))
        self.note_action_requested.emit(kind, self._current, text, note_id)
        self._report(f"Asked for a {kind} of #{self._current} from note {note_id}.")

    def forget_note_request(self, note_id: int) -> None:
        """The work a note asked for was not sent (dialog cancelled): stop waiting to link it."""
        self._pending_note_links = [p for p in self._pending_note_links if p[0] != note_id]

    def _link_pending_note(self, job: Job) -> None:
        """Link the oldest note waiting for a job like ``job`` (same parent, same kind)."""
        for i, (note_id, parent_id, kind) in enumerate(self._pending_note_links):
            if job.parent_id == parent_id and job.lineage_kind is kind:
                del self._pending_note_links[i]
                try:
                    note: Note = self.repo.link_note_result(note_id, job.id)
                except UserError as exc:
                    self._report(str(exc))
                    return
                self.notes.note_changed(note)
                return

    # -- compare -------------------------------------------------------------------------------

    def compare_selection(self) -> bool:
        """Compare the two selected clips, or the current clip with its parent."""
        ids = self.grid.selected_job_ids()
        if len(ids) == 2:
            return self.compare_clips(ids[0], ids[1])
        job = self.model.job(ids[0]) if len(ids) == 1 else None
        if job is not None and job.parent_id is not None:
            return self.compare_clips(job.parent_id, job.id)
        self._report("Select two clips (or a clip that has a parent) to compare.")
        return False

    def compare_clips(self, a_id: int, b_id: int) -> bool:
        a, b = self.repo.get_job(a_id), self.repo.get_job(b_id)
        if a is None or b is None:
            self._report(f"Cannot compare: clip #{a_id if a is None else b_id} no longer exists.")
            return False

        def playable(job: Job) -> str | None:
            row = build_clip_row(job, 1, self.library_root, self.repo.assets_for(job.id))
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

    def _report(self, text: str) -> None:
        self.message.setText(text)
        self.status_message.emit(text)

    def shutdown(self) -> None:
        """Stop playback and background work and close the repository (safe to call twice)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.player.shutdown()
        self.compare.shutdown()
        self.loader.shutdown()
        self.sheets.shutdown()
        self.cache.shutdown()
        self.repo.close()
