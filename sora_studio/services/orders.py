"""The frozen values the job engine takes and gives back (the services <-> ui contract).

A :class:`RenderOrder` is what a person asked for (one prompt, N variants); the engine turns it
into one job row per variant. :class:`Preflight` is the cheap, side-effect-free look at an order
before money is spent; :class:`PollReport` is what one ``poll_once`` step did; :class:`JobUpdate`
tells listeners (the poll worker, the CLI) that a job changed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sora_studio.core.models import (
    AssetVariant,
    Brief,
    ErrorClass,
    Job,
    LineageKind,
    Operation,
    PolicyFlag,
    ValidationProblem,
)


@dataclass(frozen=True, slots=True)
class RenderOrder:
    """One request from the prompt panel or the CLI; ``variants`` jobs come out of it."""

    prompt: str
    model: str
    size: str
    seconds: int
    provider: str
    brief: Brief = field(default_factory=Brief)
    variants: int = 1
    batch: bool = False
    reference_path: str | None = None
    character_ids: tuple[str, ...] = ()
    operation: Operation = Operation.CREATE
    parent_id: int | None = None
    lineage_kind: LineageKind = LineageKind.ORIGINAL
    # Settings the person chose for models that take them (negative_prompt, seed,
    # num_inference_steps, guidance_scale), as (name, value) pairs. The frame count and fps a
    # frame-based model needs are added from the model and the seconds, never typed here.
    extras: tuple[tuple[str, str | int | float], ...] = ()
    # The reviewer's note this order was asked from (an edit, extension or remix made from a
    # note): the engine links the note to the job it creates, in the same transaction.
    note_id: int | None = None


@dataclass(frozen=True, slots=True)
class Preflight:
    """What an order would cost and what is wrong with it, computed without any network call.

    ``policy_flags`` holds every local policy hit; :attr:`blocking_flags` and :attr:`warnings`
    split them by whether the provider refuses them outright.
    """

    problems: tuple[ValidationProblem, ...]
    policy_flags: tuple[PolicyFlag, ...]
    estimate_cents: Decimal
    batch_estimate_cents: Decimal
    per_variant_cents: Decimal
    budget_cap_cents: Decimal | None
    budget_left_after_cents: Decimal | None

    @property
    def within_budget(self) -> bool:
        return self.budget_left_after_cents is None or self.budget_left_after_cents >= 0

    @property
    def blocking_flags(self) -> tuple[PolicyFlag, ...]:
        """Policy flags the provider refuses outright: the order may not be submitted."""
        return tuple(f for f in self.policy_flags if f.block)

    @property
    def warnings(self) -> tuple[PolicyFlag, ...]:
        """Policy flags the provider may refuse: shown to the person, never a reason to stop."""
        return tuple(f for f in self.policy_flags if not f.block)

    @property
    def ok(self) -> bool:
        """True when the order may be submitted: valid, no blocking flag, within the budget.

        Warnings do not count: a crime drama may say "murder" and still be sent.
        """
        return not self.problems and not self.blocking_flags and self.within_budget


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """A job changed; ``reason`` is a short human sentence for logs and notifications."""

    job: Job
    reason: str


@dataclass(frozen=True, slots=True)
class PollReport:
    """What one ``poll_once`` step changed, when to call it next, and how many requests it made."""

    updated: tuple[Job, ...]
    next_delay_s: float
    requests_made: int
    connection_ok: bool = True  # False while the provider cannot be reached or refuses the key
    connection_message: str = ""
    stalled: tuple[tuple[int, str], ...] = ()  # (job id, message) first reported in this step


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What start-up reconciliation found for jobs an earlier process left unfinished."""

    attached: tuple[int, ...] = ()  # SUBMITTING jobs found remotely and attached
    unconfirmed: tuple[int, ...] = ()  # SUBMITTING jobs not found: FAILED, retry explicitly
    requeued_downloads: tuple[int, ...] = ()  # DOWNLOADING jobs whose download restarts
    partial_files_removed: int = 0
    requests_made: int = 0


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """One verified file now in the library."""

    variant: AssetVariant
    path: str
    bytes: int
    sha256: str
    made_locally: bool = False  # a preview made from the MP4, not downloaded


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """The outcome of one job's download, handed from a pool thread to the engine's thread."""

    job_id: int
    files: tuple[DownloadedFile, ...] = ()
    error_class: ErrorClass | None = None
    error_message: str | None = None
    recipe_path: str | None = None
    actual_size: str | None = None  # the server made another frame size than asked (WxH)

    @property
    def ok(self) -> bool:
        return self.error_class is None
