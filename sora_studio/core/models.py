"""Frozen dataclasses and enums that every layer speaks.

Nothing here does I/O. Money is always a ``Decimal`` number of US cents, so sums stay exact.
Times are Unix seconds (``float``) unless the name ends in ``_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class JobStatus(StrEnum):
    """Where a render job is in its life (DESIGN.md §3)."""

    DRAFT = "draft"
    QUEUED_LOCAL = "queued_local"  # waiting in front of the provider's concurrency limit
    SUBMITTING = "submitting"  # row committed, create call in flight or unconfirmed
    QUEUED = "queued"  # accepted by the provider, not started
    IN_PROGRESS = "in_progress"
    DOWNLOADING = "downloading"
    READY = "ready"
    FAILED = "failed"
    BLOCKED = "blocked"  # refused by content policy; never counted as spend
    RATE_LIMITED = "rate_limited"  # waiting for the provider to accept more work
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # finished remotely but the assets expired before download
    DELETED = "deleted"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES

    @property
    def is_active_remote(self) -> bool:
        """True while the provider is working on the job and it must be polled."""
        return self in (JobStatus.QUEUED, JobStatus.IN_PROGRESS)


# A job on its way to a clip: waiting here, with the provider, or downloading (a draft is not yet).
RENDERING_STATUSES = frozenset(
    {
        JobStatus.QUEUED_LOCAL,
        JobStatus.SUBMITTING,
        JobStatus.QUEUED,
        JobStatus.IN_PROGRESS,
        JobStatus.DOWNLOADING,
        JobStatus.RATE_LIMITED,
    }
)

TERMINAL_STATUSES = frozenset(
    {
        JobStatus.READY,
        JobStatus.FAILED,
        JobStatus.BLOCKED,
        JobStatus.CANCELLED,
        JobStatus.EXPIRED,
        JobStatus.DELETED,
    }
)


class RemoteStatus(StrEnum):
    """The provider's own status values (``Video.status``)."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class LineageKind(StrEnum):
    """How a job came from its parent."""

    ORIGINAL = "original"
    REMIX = "remix"
    EDIT = "edit"
    EXTENSION = "extension"
    PROMOTION = "promotion"
    REGENERATE = "regenerate"
    RETRY = "retry"
    IMPORT = "import"


class Operation(StrEnum):
    """Which endpoint a request goes to."""

    CREATE = "create"
    REMIX = "remix"
    EDIT = "edit"
    EXTEND = "extend"


class ReviewStatus(StrEnum):
    UNREVIEWED = "unreviewed"
    APPROVED = "approved"
    CHANGES = "changes"
    REJECTED = "rejected"


class ErrorClass(StrEnum):
    """Errors are classified, not stringified: each has its own message and place in the UI."""

    POLICY_BLOCKED = "policy_blocked"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    AUTH = "auth"
    MODEL_UNAVAILABLE = "model_unavailable"
    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"
    DOWNLOAD_FAILED = "download_failed"
    SUBMIT_UNCONFIRMED = "submit_unconfirmed"  # crashed mid-submit and not found remotely
    LOST = "lost"  # the provider no longer knows a job it accepted (restart, TTL, deleted)
    STALLED = "stalled"
    BUDGET_EXCEEDED = "budget_exceeded"
    INTERNAL = "internal"


class AssetVariant(StrEnum):
    VIDEO = "video"
    THUMBNAIL = "thumbnail"
    SPRITESHEET = "spritesheet"

    @property
    def file_extension(self) -> str:
        return {"video": ".mp4", "thumbnail": ".webp", "spritesheet": ".jpg"}[self.value]


@dataclass(frozen=True, slots=True)
class Size:
    """A frame size in pixels, written ``WxH`` on the wire."""

    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Size:
        """Parse ``"1280x720"``; raises ``ValueError`` with a readable message otherwise."""
        parts = text.lower().strip().split("x")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError(f"size must look like 1280x720, got {text!r}")
        return cls(int(parts[0]), int(parts[1]))

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def is_portrait(self) -> bool:
        return self.height > self.width


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What validation needs to know about a reference image (read by ``media/``)."""

    format: str  # lower-case: "jpeg", "png", "webp", or whatever the file really is
    width: int
    height: int
    path: str | None = None
    has_face: bool = False


@dataclass(frozen=True, slots=True)
class CharacterRef:
    """A reusable character uploaded to a provider."""

    remote_id: str
    name: str


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """Everything needed to ask a provider for one video; its fingerprint identifies it."""

    prompt: str
    model: str
    size: str
    seconds: int
    operation: Operation = Operation.CREATE
    source_remote_id: str | None = None  # remix / edit / extend source
    reference: ImageInfo | None = None
    characters: tuple[CharacterRef, ...] = ()
    batch: bool = False
    # Model-specific body fields beyond the official contract (negative_prompt, seed,
    # num_inference_steps, guidance_scale, num_frames, fps), sent as given; sorted by name.
    extras: tuple[tuple[str, str | int | float], ...] = ()


@dataclass(frozen=True, slots=True)
class ValidationProblem:
    """One thing wrong with a request, pinned to the field it concerns."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class PolicyFlag:
    """A local pre-check hit: a phrase the provider may refuse, with the rule it breaks.

    ``block`` is True when the provider refuses such prompts outright (copyrighted characters,
    real people, ...): nothing is sent. False is a warning ("murder" in a crime drama may pass):
    the person is told, and may render anyway.
    """

    rule: str  # e.g. "copyrighted_character", "real_person", "under_18", "copyrighted_music"
    phrase: str
    message: str
    block: bool = True


@dataclass(frozen=True, slots=True)
class Brief:
    """The structured prompt: fields kept apart, composed into prompt text by ``core.brief``."""

    subject: str = ""
    setting: str = ""
    camera: str = ""
    lighting: str = ""
    motion: str = ""
    style: str = ""
    audio: str = ""
    constraints: str = ""
    free_text: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    """One render job as stored locally."""

    id: int
    provider: str
    fingerprint: str
    prompt: str
    model: str
    size: str
    seconds: int
    status: JobStatus
    operation: Operation = Operation.CREATE
    remote_id: str | None = None
    brief: Brief = field(default_factory=Brief)
    progress: int = 0
    error_class: ErrorClass | None = None
    error_message: str | None = None
    estimate_cents: Decimal = Decimal(0)
    cost_cents: Decimal | None = None
    parent_id: int | None = None
    lineage_kind: LineageKind = LineageKind.ORIGINAL
    batch_id: int | None = None
    use_batch: bool = False
    reference_path: str | None = None
    character_ids: tuple[str, ...] = ()
    source_remote_id: str | None = None
    review_status: ReviewStatus = ReviewStatus.UNREVIEWED
    queue_position: int = 0
    created_at: float = 0.0
    submitted_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    updated_at: float = 0.0
    extras: tuple[tuple[str, str | int | float], ...] = ()  # see RenderRequest.extras
    result_url: str | None = None  # the finished video handed over directly by the server
    base_url: str | None = None  # the provider address ``remote_id`` belongs to
    download_attempts: int = 0  # failed download rounds so far (bounded, kept across restarts)


@dataclass(frozen=True, slots=True)
class Asset:
    """A downloaded (or locally made) file belonging to a job."""

    job_id: int
    variant: AssetVariant
    path: str
    bytes: int
    sha256: str
    verified: bool
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Review:
    """One append-only verdict."""

    id: int
    job_id: int
    status: ReviewStatus
    reviewer: str
    reason: str = ""
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Note:
    """A reviewer note pinned to a time (``end_ms`` None) or a time range."""

    id: int
    job_id: int
    start_ms: int
    text: str
    author: str
    end_ms: int | None = None
    resolved: bool = False
    created_at: float = 0.0
    result_job_id: int | None = None  # the edit/extension/remix this note turned into


@dataclass(frozen=True, slots=True)
class Character:
    id: int
    provider: str
    remote_id: str
    name: str
    source_path: str | None = None
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class BatchRecord:
    id: int
    provider: str
    model: str
    status: str
    remote_id: str | None = None
    input_file_id: str | None = None
    output_file_id: str | None = None
    created_at: float = 0.0
    completed_at: float | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """An audit-log entry."""

    id: int
    kind: str
    detail: str
    job_id: int | None = None
    created_at: float = 0.0
