"""One-key verdicts and their undo: shown at once, written by the desk's writer thread.

GUI thread, no widgets. :meth:`VerdictRecorder.record` works out which selected clips can be
judged (only finished ones; the rest are left out and counted, rather than failing the batch),
returns them with the new verdict for the grid to show *now*, and sends one ``RecordVerdicts``
command to the writer (:mod:`sora_studio.services.desk_writes`, the same rules as the CLI). When
the writer answers, the clips as stored come back on ``reconciled`` for the grid; when it
refuses, the clips are read again and the reason goes out on ``refused``. A verdict on a
multi-selection is one step on the undo stack, so ``Ctrl+Z`` takes back the whole batch, again
at once on screen and then in the library.

Several keys pressed quickly on one clip leave several writes in flight. Each clip remembers
the verdict last shown for it (a generation number per clip); an answer for an older write is
not applied, so the grid never flickers back through earlier verdicts, and a job update from the
engine that was read before the write is shown with the verdict on screen (:meth:`overlay`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from sora_studio.core.models import Job, ReviewStatus
from sora_studio.core.status_words import review_word
from sora_studio.services.desk_writes import RecordVerdicts, UndoVerdicts, VerdictsRecorded
from sora_studio.services.review import REVIEWABLE_STATUSES
from sora_studio.ui.workers.desk_writer import DeskWriter

JobLookup = Callable[[int], "Job | None"]


@dataclass(frozen=True, slots=True)
class VerdictResult:
    jobs: tuple[Job, ...]  # the judged clips as shown now (the verdict applied)
    skipped: tuple[int, ...]  # ids left out because they are not finished clips


@dataclass(slots=True)
class _Step:
    """One undo step: the clips a key judged and the verdicts they had before."""

    previous: dict[int, ReviewStatus] = field(default_factory=dict)


def verdict_message(status: ReviewStatus, result: VerdictResult) -> str:
    """``"Approved: 2 clips (Ctrl+Z undoes)."`` plus the clips left out, for the status bar."""
    parts = []
    if result.jobs:
        noun = "clip" if len(result.jobs) == 1 else "clips"
        parts.append(f"{review_word(status)}: {len(result.jobs)} {noun} (Ctrl+Z undoes).")
    if result.skipped:
        parts.append(
            f"Skipped {len(result.skipped)} unfinished clip(s): only ready clips can be judged."
        )
    return " ".join(parts)


class VerdictRecorder(QObject):
    """Verdicts shown at once, written off the GUI thread, reconciled when stored (GUI thread).

    ``shown(job_id)`` is the clip as the grid has it; ``stored(job_id)`` reads it from the
    library again (after a refusal).
    """

    reconciled = Signal(list)  # list[Job]: clips as stored, to put in the grid
    refused = Signal(str)  # why the library did not take a verdict (the grid is put back)

    def __init__(
        self,
        writer: DeskWriter,
        reviewer: str,
        shown: JobLookup,
        stored: JobLookup,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if not reviewer.strip():
            raise ValueError("a reviewer name is needed to record verdicts")
        self._writer = writer
        self.reviewer = reviewer
        self._shown = shown
        self._stored = stored
        self._undo: list[_Step] = []
        self._generation: dict[int, int] = {}  # per clip: the write whose verdict is on show
        self._on_show: dict[int, ReviewStatus] = {}  # clips with a write in flight

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def in_flight(self) -> int:
        """Clips whose verdict on screen is not stored yet."""
        return len(self._on_show)

    def overlay(self, job: Job) -> Job:
        """``job`` (an engine update) with the verdict on screen while its write is in flight."""
        status = self._on_show.get(job.id)
        return job if status is None else dataclasses.replace(job, review_status=status)

    def record(
        self, job_ids: Sequence[int], status: ReviewStatus, reason: str = ""
    ) -> VerdictResult:
        """Judge the finished clips of ``job_ids``: shown now, stored by the writer."""
        status = ReviewStatus(status)
        ids = list(dict.fromkeys(int(i) for i in job_ids))
        jobs = {job_id: self._shown(job_id) for job_id in ids}
        judged = [
            job for job in jobs.values() if job is not None and job.status in REVIEWABLE_STATUSES
        ]
        skipped = tuple(job_id for job_id in ids if job_id not in {j.id for j in judged})
        if not judged:
            return VerdictResult((), skipped)
        step = _Step({job.id: job.review_status for job in judged})
        self._undo.append(step)
        shown = self._show({job.id: status for job in judged})
        generations = self._begin(shown)
        self._writer.send(
            RecordVerdicts(tuple(step.previous), status, self.reviewer, reason.strip()),
            on_done=lambda result: self._recorded(step, generations, result),
            on_refused=lambda why: self._record_refused(step, generations, why),
        )
        return VerdictResult(tuple(shown), skipped)

    def undo(self) -> list[Job]:
        """Take back the last batch: the clips as shown now ([] when there is nothing to undo)."""
        if not self._undo:
            return []
        step = self._undo.pop()
        shown = self._show(step.previous)
        generations = self._begin(shown)
        self._writer.send(
            UndoVerdicts(tuple(step.previous), self.reviewer),
            on_done=lambda jobs: self._settle(generations, jobs),
            on_refused=lambda why: self._refused(generations, why),
        )
        return shown

    # --- bookkeeping ----------------------------------------------------------------------

    def _show(self, statuses: Mapping[int, ReviewStatus]) -> list[Job]:
        shown = []
        for job_id, status in statuses.items():
            job = self._shown(job_id)
            if job is not None:
                shown.append(dataclasses.replace(job, review_status=status))
                self._on_show[job_id] = status
        return shown

    def _begin(self, jobs: list[Job]) -> dict[int, int]:
        """A new generation for each clip: answers to older writes will not be shown."""
        for job in jobs:
            self._generation[job.id] = self._generation.get(job.id, 0) + 1
        return {job.id: self._generation[job.id] for job in jobs}

    def _current(self, generations: Mapping[int, int], job_id: int) -> bool:
        """True (and the clip no longer in flight) if this write is the latest for the clip."""
        if job_id not in generations or self._generation.get(job_id) != generations[job_id]:
            return False
        self._on_show.pop(job_id, None)
        return True

    def _recorded(
        self, step: _Step, generations: Mapping[int, int], result: VerdictsRecorded
    ) -> None:
        # A clip the library would not judge (it stopped being ready in between) is not part
        # of the step any more: undoing the step must not take back an older verdict of it.
        for job_id in result.skipped:
            step.previous.pop(job_id, None)
        self._settle(generations, result.jobs)

    def _record_refused(self, step: _Step, generations: Mapping[int, int], why: str) -> None:
        if step in self._undo:  # nothing was stored: there is nothing to undo
            self._undo.remove(step)
        self._refused(generations, why)

    def _settle(self, generations: Mapping[int, int], jobs: Sequence[Job]) -> None:
        fresh = [job for job in jobs if self._current(generations, job.id)]
        if fresh:
            self.reconciled.emit(fresh)

    def _refused(self, generations: Mapping[int, int], why: str) -> None:
        ids = [job_id for job_id in generations if self._current(generations, job_id)]
        stored = [job for job in map(self._stored, ids) if job is not None]
        if stored:
            self.reconciled.emit(stored)
        self.refused.emit(why)
