"""``python -m sora_studio.ui.queue``: the render queue panel on its own, on sample renders.

A throwaway library (deleted on exit) holds one job in each state the queue shows, with real
MP4s and thumbnails for the finished ones (``samples``). There is no engine: what the panel asks
for (cancel, retry, delete, reorder, pause) is said in the status line and applied to the sample
jobs, so the rows change as they would. ``--screenshot PNG`` and ``--quit-after-paint`` as for
every preview (``ui.preview``).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sora_studio.core.models import JobStatus
from sora_studio.ui.preview import PreviewWindow, run_preview
from sora_studio.ui.queue.actions import DeleteChoice
from sora_studio.ui.queue.model import THUMBNAIL_BUDGET_BYTES, QueueModel
from sora_studio.ui.queue.samples import fill_library, sample_jobs
from sora_studio.ui.queue_panel import QueuePanel
from sora_studio.ui.thumbnail_cache import ThumbnailCache


def build(library: Path) -> PreviewWindow:
    """The queue panel over sample jobs in ``library``, its requests applied to them."""
    jobs = sample_jobs(time.time())
    fill_library(library, jobs)
    thumbnails = ThumbnailCache(pixmap_budget_bytes=THUMBNAIL_BUDGET_BYTES)
    model = QueueModel(thumbnails, library_root=library)
    model.set_jobs(jobs)
    panel = QueuePanel(model, library, confirm_delete=lambda *_: DeleteChoice(remote=False))
    window = PreviewWindow(panel, shutdown=thumbnails.shutdown)
    thumbnails.setParent(window)
    model.setParent(window)

    def change(job_id: int, status: JobStatus, said: str) -> None:
        job = model.job(job_id)
        if job is not None:
            model.upsert(dataclasses.replace(job, status=status, updated_at=time.time()))
            window.say(f"{said} job {job_id}")

    def retry(job_id: int) -> None:
        job = model.job(job_id)
        if job is not None:
            new_id = max(j.id for j in model.jobs()) + 1
            again = dataclasses.replace(job, id=new_id, status=JobStatus.QUEUED_LOCAL)
            model.upsert(dataclasses.replace(again, remote_id=None, error_class=None))
            window.say(f"Retry of job {job_id} queued as job {new_id}")

    panel.cancel_requested.connect(lambda i: change(i, JobStatus.CANCELLED, "Cancelled"))
    panel.delete_requested.connect(lambda i, _: change(i, JobStatus.DELETED, "Deleted"))
    panel.retry_requested.connect(retry)
    panel.reorder_requested.connect(lambda i, to: window.say(f"Move job {i} to place {to + 1}"))
    panel.pause_toggled.connect(lambda on: window.say("Queue paused" if on else "Queue resumed"))
    panel.job_activated.connect(lambda job: window.say(f"Open job {job.id} in review"))
    return window


def main(argv: Sequence[str] | None = None) -> int:
    return run_preview(build, title="Render queue", size=(1100, 600), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
