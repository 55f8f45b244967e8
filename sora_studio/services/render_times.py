"""How long a render is expected to take, so polling one job at a time stays cheap.

Servers that cannot list are asked about each job by id, and each question is a request. The
engine times those questions for when the job should be done (see
:class:`sora_studio.core.lifecycle.JobPacing`), which needs an expectation: the median of the
render times this library saw recently for the same provider and model, or, before there are
enough of those, the catalog's figure for the model. Learning matters because a catalog figure is
a guess about someone else's hardware: the same Wan model renders in seconds on a big GPU and in
minutes on a small one.

Engine thread only (it reads the repository once per provider and model, then learns in memory).
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable

from sora_studio.core.catalog import Catalog
from sora_studio.core.models import Job

SAMPLES_KEPT = 20
MIN_SAMPLES = 3
# With no catalog figure at all: a fixed start-up cost plus a multiple of the clip length.
FALLBACK_BASE_S = 20.0
FALLBACK_PER_CLIP_SECOND = 5.0
# Longer than any render: a larger figure comes from clocks that disagree, not from a render.
MAX_PLAUSIBLE_RENDER_S = 86400.0


def catalog_expected_s(catalog: Catalog, job: Job) -> float:
    """The catalog's expected render time for ``job``, or a conservative guess without one."""
    expected = getattr(catalog, "expected_render_s", None)
    if callable(expected):
        try:
            value = float(expected(job.model, job.size, job.seconds))
        except (KeyError, ValueError, TypeError):
            value = 0.0
        if value > 0:
            return value
    return FALLBACK_BASE_S + FALLBACK_PER_CLIP_SECOND * max(job.seconds, 1)


class RenderTimes:
    """Observed render times per (provider, model), seeded from the library's history.

    Samples are seconds of render time per second of clip, so a 4 s and a 12 s clip of the same
    model inform each other; ``history(provider, model, limit)`` gives such rates from the
    library (the repository's :meth:`recent_render_rates`).
    """

    def __init__(
        self,
        history: Callable[[str, str, int], list[float]],
        catalog_for: Callable[[str], Catalog],
    ) -> None:
        self._history = history
        self._catalog_for = catalog_for
        self._samples: dict[tuple[str, str], deque[float]] = {}

    def _seen(self, provider: str, model: str) -> deque[float]:
        key = (provider, model)
        samples = self._samples.get(key)
        if samples is None:
            past = [s for s in self._history(provider, model, SAMPLES_KEPT) if s > 0]
            samples = deque(past, maxlen=SAMPLES_KEPT)
            self._samples[key] = samples
        return samples

    def observe(self, job: Job, render_s: float) -> None:
        """Record that ``job`` took ``render_s`` seconds on its provider."""
        if 0 < render_s < MAX_PLAUSIBLE_RENDER_S:
            self._seen(job.provider, job.model).append(render_s / max(job.seconds, 1))

    def expected_s(self, job: Job) -> float:
        """Seconds ``job`` should take from submission to the provider finishing it."""
        samples = self._seen(job.provider, job.model)
        if len(samples) >= MIN_SAMPLES:
            return float(statistics.median(samples)) * max(job.seconds, 1)
        try:
            catalog = self._catalog_for(job.provider)
        except Exception:  # an unknown provider: the job fails elsewhere; pace conservatively
            return FALLBACK_BASE_S + FALLBACK_PER_CLIP_SECOND * max(job.seconds, 1)
        return catalog_expected_s(catalog, job)
