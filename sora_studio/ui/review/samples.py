"""A sample library for running the review panel on its own: a dozen finished renders to judge.

``fill_library(database, library_root)`` writes twelve ready clips into a throwaway library, each
with a real short MP4, thumbnail and spritesheet (the emulator's renderer, through
``preview_media``), across the emulator's models, sizes and lengths, with a remix and an
extension so the Versions tab has a family to show. Some clips already carry a verdict or notes,
written through the same commands the desk's writer applies (``services.desk_writes``), so the
grid shows every verdict badge and the notes list is not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sora_studio.core.models import LineageKind, ReviewStatus
from sora_studio.preview_media import add_finished_render
from sora_studio.services.desk_writes import AddNote, DeskWrites, RecordVerdicts

SAMPLE_REVIEWER = "preview"
LANDSCAPE = (1280, 720)
PORTRAIT = (720, 1280)
CENTS_PER_SECOND = {"sora-2": Decimal(10), "sora-2-pro": Decimal(30)}


@dataclass(frozen=True)
class SampleClip:
    """One finished render; ``parent`` is the index (in ``SAMPLE_CLIPS``) of what it came from."""

    prompt: str
    model: str = "sora-2"
    size: tuple[int, int] = LANDSCAPE
    seconds: int = 2
    verdict: ReviewStatus | None = None
    reason: str = ""
    notes: tuple[tuple[int, str], ...] = ()  # (at ms, text)
    parent: int | None = None
    lineage: LineageKind = LineageKind.ORIGINAL


SAMPLE_CLIPS = (
    SampleClip("Neon city at night, slow pan across wet rooftops", "sora-2-pro", seconds=3),
    SampleClip(
        "A red kite over golden dunes, orbit",
        size=PORTRAIT,
        verdict=ReviewStatus.CHANGES,
        notes=((1000, "Kite string flickers here"),),
    ),
    SampleClip("Ocean waves at sunrise, dolly in", "sora-2-pro", verdict=ReviewStatus.APPROVED),
    SampleClip(
        "A lighthouse in a winter storm",
        verdict=ReviewStatus.REJECTED,
        reason="The beam points the wrong way",
    ),
    SampleClip("A cat asleep on a sunny windowsill", size=PORTRAIT),
    SampleClip("Snow falling on a quiet village square", seconds=3),
    SampleClip(
        "Snow falling on a quiet village square, and the church bells ring",
        parent=5,
        lineage=LineageKind.EXTENSION,
        seconds=4,
    ),
    SampleClip("Fireworks over the harbour", "sora-2-pro", size=PORTRAIT),
    SampleClip("Time-lapse of clouds over mountains", verdict=ReviewStatus.CHANGES),
    SampleClip("Forest path in spring, gentle zoom"),
    SampleClip(
        "A paper boat drifting down a rain-soaked street at dusk",
        verdict=ReviewStatus.APPROVED,
        notes=((400, "Lovely reflection on the kerb"),),
    ),
    # The newest clip, open when the preview starts: a version with notes and a verdict.
    SampleClip(
        "A paper boat drifting down a rain-soaked street at dusk, warmer light",
        verdict=ReviewStatus.CHANGES,
        notes=((500, "Too orange now; split the difference"), (1500, "Hold this a beat longer")),
        parent=10,
        lineage=LineageKind.REMIX,
    ),
)


def fill_library(database: Path, library_root: Path) -> list[int]:
    """Write ``SAMPLE_CLIPS`` (with their verdicts and notes) into the library; their ids."""
    ids: list[int] = []
    for clip in SAMPLE_CLIPS:
        ids.append(
            add_finished_render(
                database,
                library_root,
                prompt=clip.prompt,
                model=clip.model,
                size=clip.size,
                seconds=clip.seconds,
                cost_cents=CENTS_PER_SECOND[clip.model] * clip.seconds,
                parent_id=None if clip.parent is None else ids[clip.parent],
                lineage_kind=clip.lineage,
            )
        )
    writes = DeskWrites.open(database)
    try:
        for job_id, clip in zip(ids, SAMPLE_CLIPS, strict=True):
            if clip.verdict is not None:
                RecordVerdicts((job_id,), clip.verdict, SAMPLE_REVIEWER, clip.reason).apply(writes)
            for at_ms, text in clip.notes:
                AddNote(job_id, at_ms, text, SAMPLE_REVIEWER).apply(writes)
    finally:
        writes.close()
    return ids
