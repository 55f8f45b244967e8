"""Fixtures for the review-area tests: a real library on disk and a review panel over it.

The library has jobs in every state and media made by the emulator's renderer. Rendering is the
slow part, so each distinct (size, prompt) clip is rendered once and its files are copied into
every job folder that uses it; the grid still reads real MP4/WebP/JPEG files through the real
cache. ``make_library(specs)`` builds one from :class:`ClipSpec` values (``make_library.Spec``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.models import (
    AssetVariant,
    ErrorClass,
    Job,
    JobStatus,
    LineageKind,
    ReviewStatus,
)
from sora_studio.emulator.renderer import RenderedFiles, RenderSpec, render_video
from sora_studio.services.library import asset_path
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.review.review_panel import ReviewPanel
from tests.job_factory import copy_rendered_files

PROMPTS = (
    "a red fox running through fresh snow at dawn #nature",
    "a lighthouse in a storm, waves crashing, slow push in #coast",
    "neon city street at night in the rain, reflections, tracking shot",
    "a paper boat drifting down a rain-soaked street at dusk #rain",
)


@dataclass
class ClipSpec:
    """One job to create. ``media`` picks which rendered clip its files copy (None: no files)."""

    status: JobStatus = JobStatus.READY
    prompt: str = PROMPTS[0]
    model: str = "sora-2"
    size: str = "1280x720"
    seconds: int = 4
    review: ReviewStatus = ReviewStatus.UNREVIEWED
    progress: int = 0
    parent: int | None = None  # index into the spec list
    lineage: LineageKind = LineageKind.ORIGINAL
    provider: str = "emulator"
    characters: tuple[str, ...] = ()
    error: str | None = None
    media: bool = True
    delete_video: bool = False  # "missing media": the row says ready, the file is gone
    cost: Decimal | None = None


@dataclass
class Library:
    db_path: Path
    library_root: Path
    job_ids: list[int] = field(default_factory=list)
    rendered: dict[tuple[str, str], RenderedFiles] = field(default_factory=dict)

    def repo(self) -> Repository:
        return Repository(open_db(self.db_path))


def _render(cache_dir: Path, size: str, prompt: str, seconds: int) -> RenderedFiles:
    width, height = (int(v) for v in size.split("x"))
    # Small frames keep rendering fast; the sheet geometry only depends on the aspect ratio.
    scale = 320 / max(width, height)
    w, h = max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)
    key = f"{size}-{abs(hash(prompt)) % 10**8}"
    return render_video(RenderSpec(key, prompt, w, h, seconds), cache_dir / key)


def build_library(root: Path, specs: Sequence[ClipSpec], *, reviewer: str = "tester") -> Library:
    """Create the database, the jobs of ``specs`` (in order) and their media files."""
    root.mkdir(parents=True, exist_ok=True)
    library = Library(root / "studio.sqlite3", root / "library")
    repo = library.repo()
    try:
        for number, spec in enumerate(specs):
            parent_id = library.job_ids[spec.parent] if spec.parent is not None else None
            job = repo.create_job(
                provider=spec.provider,
                fingerprint=f"fp-{number}",
                prompt=spec.prompt,
                model=spec.model,
                size=spec.size,
                seconds=spec.seconds,
                status=JobStatus.QUEUED_LOCAL,
                estimate_cents=Decimal(10 * spec.seconds),
                parent_id=parent_id,
                lineage_kind=spec.lineage,
                character_ids=spec.characters,
            )
            changes: dict[str, object] = {"status": spec.status, "progress": spec.progress}
            if spec.status in (JobStatus.READY, JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING):
                changes["remote_id"] = f"video_{job.id}"
            if spec.status is JobStatus.READY:
                changes["cost_cents"] = (
                    spec.cost if spec.cost is not None else Decimal(10 * spec.seconds)
                )
                changes["progress"] = 100
            if spec.error:
                changes["error_message"] = spec.error
                changes["error_class"] = (
                    ErrorClass.POLICY_BLOCKED
                    if spec.status is JobStatus.BLOCKED
                    else ErrorClass.TRANSIENT
                )
            job = repo.update_job(job.id, **changes)
            if spec.review is not ReviewStatus.UNREVIEWED:
                repo.add_review(job.id, spec.review, reviewer)
            if spec.status is JobStatus.READY and spec.media:
                _attach_media(repo, library, job, spec)
            library.job_ids.append(job.id)
    finally:
        repo.close()
    return library


def _attach_media(repo: Repository, library: Library, job: Job, spec: ClipSpec) -> None:
    key = (spec.size, spec.prompt)
    rendered = library.rendered.get(key)
    if rendered is None:
        rendered = _render(library.db_path.parent / "renders", spec.size, spec.prompt, spec.seconds)
        library.rendered[key] = rendered
    copy_rendered_files(repo, library.library_root, job, rendered)
    if spec.delete_video:
        asset_path(library.library_root, job, AssetVariant.VIDEO).unlink()


def mixed_specs(count: int = 44) -> list[ClipSpec]:
    """``count`` clips in mixed states: reviewed, rendering, failed, blocked, missing, versions."""
    specs: list[ClipSpec] = []
    reviews = (
        ReviewStatus.UNREVIEWED,
        ReviewStatus.APPROVED,
        ReviewStatus.CHANGES,
        ReviewStatus.REJECTED,
        ReviewStatus.UNREVIEWED,
    )
    for i in range(count):
        prompt = PROMPTS[i % len(PROMPTS)]
        kind = i % 11
        if kind == 3:
            specs.append(ClipSpec(JobStatus.IN_PROGRESS, prompt, progress=15 + (i * 7) % 80))
        elif kind == 5:
            specs.append(ClipSpec(JobStatus.QUEUED, prompt, model="sora-2-pro", size="1920x1080"))
        elif kind == 7:
            specs.append(
                ClipSpec(JobStatus.FAILED, prompt, error="The provider had a server error; retry.")
            )
        elif kind == 8:
            specs.append(
                ClipSpec(
                    JobStatus.BLOCKED,
                    prompt,
                    error="Refused by content policy: remove the real person's name.",
                )
            )
        elif kind == 9:
            specs.append(ClipSpec(prompt=prompt, delete_video=True))
        elif kind == 10 and i > 0:
            # The original four places back is a ready clip with its media (kind 6).
            parent = i - 4 if specs[i - 4].status is JobStatus.READY else None
            base = specs[parent].prompt if parent is not None else prompt
            specs.append(
                ClipSpec(
                    prompt=base + ", longer ending",
                    parent=parent,
                    lineage=LineageKind.EXTENSION if parent is not None else LineageKind.ORIGINAL,
                    seconds=8,
                    review=ReviewStatus.APPROVED,
                )
            )
        elif kind == 4:
            specs.append(ClipSpec(prompt=prompt, size="720x1280", review=reviews[i % 5]))
        else:
            specs.append(
                ClipSpec(
                    prompt=prompt, review=reviews[i % 5], characters=("Mira",) if i % 6 == 0 else ()
                )
            )
    return specs


PROMPT = "a red fox running through fresh snow at dawn #nature"


def small_specs() -> list[ClipSpec]:
    """Eight clips: five ready (one portrait, one extension of another), one rendering,
    one failed, one ready whose video is gone. Two renders in all."""
    return [
        ClipSpec(prompt=PROMPT),
        ClipSpec(prompt=PROMPT, review=ReviewStatus.APPROVED, characters=("Mira",)),
        ClipSpec(prompt=PROMPT, size="720x1280", review=ReviewStatus.CHANGES),
        ClipSpec(JobStatus.IN_PROGRESS, "a lighthouse in a storm", progress=40),
        ClipSpec(JobStatus.FAILED, "a lighthouse in a storm", error="server error; retry"),
        ClipSpec(prompt=PROMPT, delete_video=True),
        ClipSpec(
            prompt=PROMPT + ", longer ending",
            parent=0,
            lineage=LineageKind.EXTENSION,
            model="sora-2-pro",
            seconds=4,
        ),
        ClipSpec(prompt=PROMPT, review=ReviewStatus.REJECTED),
    ]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return build_library(tmp_path / "lib", small_specs())


@pytest.fixture
def panel(qtbot, library: Library) -> Iterator[ReviewPanel]:  # type: ignore[no-untyped-def]
    reasons: list[str | None] = ["too dark"]
    widget = ReviewPanel(
        library.db_path,
        library.library_root,
        reviewer="ana",
        with_audio=False,
        reason_provider=lambda _parent, _ids: reasons[0],
        # These tests judge one clip several times over; auto-advance has its own tests
        # (test_culling.py), with the reason asked in place.
        auto_advance_on=False,
    )
    widget.reject_reasons = reasons  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


@pytest.fixture
def store(library: Library) -> Iterator[Repository]:
    """A writing connection to the panel's library: what the engine or the CLI would change."""
    repo = library.repo()
    yield repo
    repo.close()


def settle(qtbot, panel: ReviewPanel) -> None:  # type: ignore[no-untyped-def]
    """Wait until the panel's writer has stored everything sent so far."""
    qtbot.waitUntil(lambda: panel.writer.pending == 0, timeout=5000)


@pytest.fixture
def make_library(tmp_path: Path) -> Callable[[Sequence[ClipSpec]], Library]:
    """Build a library from specs; ``make_library.Spec`` is :class:`ClipSpec`."""
    counter = iter(range(1000))

    def make(specs: Sequence[ClipSpec]) -> Library:
        return build_library(tmp_path / f"lib{next(counter)}", specs)

    make.Spec = ClipSpec  # type: ignore[attr-defined]
    make.mixed = mixed_specs  # type: ignore[attr-defined]
    return make
