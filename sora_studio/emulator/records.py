"""The emulator's stored objects as typed records: videos, characters, files and batches.

Each record is a frozen dataclass. Its fields are of two kinds, told apart by field metadata:
*public* fields are what the API shows (``public()`` returns exactly those, in declaration order,
after ``id`` and ``object``), *private* ones say how the emulator renders or tracks the object
(asset paths, lineage, ordering). A change is a new record (``dataclasses.replace``), made under
the state's lock (``state.Table.update``).

On disk a record is the JSON object older emulators wrote: the public fields under their own
names and each private field under its name with a leading ``_`` (``_mode``, ``_reference``,
``_seq``...). ``to_json``/``from_json`` convert both ways, so existing data folders load as they
are and a folder written now is still readable by an older emulator. Keys a record does not know
are ignored; a private key an older folder lacks takes the field's default.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, Self

_PUBLIC = "public"
_LOAD = "load"  # converts a JSON value into the field's type (lists into tuples)


# ``field(metadata=SHOWN)`` marks a field the API shows.
SHOWN: Mapping[str, Any] = MappingProxyType({_PUBLIC: True})


def _tuple_of_str(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


class Record(Protocol):
    """What ``state.Table`` needs of a stored object (every record below is one)."""

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> int: ...

    @property
    def seq(self) -> int: ...

    def public(self) -> dict[str, Any]: ...

    def to_json(self) -> dict[str, Any]: ...

    def with_seq(self, seq: int) -> Self: ...

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRecord:
    """Conversions every record kind shares; subclasses declare the fields."""

    OBJECT: ClassVar[str] = ""

    def public(self) -> dict[str, Any]:
        """The object as the API shows it: ``id``, ``object``, then the public fields."""
        values = {
            item.name: _plain(getattr(self, item.name))
            for item in dataclasses.fields(self)
            if item.metadata.get(_PUBLIC)
        }
        return {"id": values.pop("id"), "object": self.OBJECT, **values}

    def to_json(self) -> dict[str, Any]:
        """The on-disk form: public fields by name, private ones as ``_name``."""
        data = self.public()
        for item in dataclasses.fields(self):
            if not item.metadata.get(_PUBLIC):
                data[f"_{item.name}"] = _plain(getattr(self, item.name))
        return data

    def with_seq(self, seq: int) -> Self:
        """The record numbered ``seq`` (the state orders objects made in the same second)."""
        # Every record kind declares ``seq``; this base class does not, hence the mapping.
        return dataclasses.replace(self, **{"seq": seq})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """A record from its on-disk form (KeyError/TypeError when a required field is missing)."""
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            key = item.name if item.metadata.get(_PUBLIC) else f"_{item.name}"
            if key in data:
                load: Callable[[Any], Any] | None = item.metadata.get(_LOAD)
                values[item.name] = load(data[key]) if load else data[key]
        return cls(**values)


def _plain(value: Any) -> Any:
    """JSON-ready: tuples become lists (nested ones too), records their JSON."""
    if isinstance(value, StoredRecord):
        return value.to_json()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


# -- videos ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoRecord(StoredRecord):
    """A video job: the API's ``Video`` object plus the plan the renderer follows.

    ``size`` and ``seconds`` are what is rendered (``seconds`` is the stitched total of an
    extension; ``render_seconds`` the new segment). A compatibility mode tags its jobs with
    ``compat`` and keeps what its server would echo in ``echo``.
    """

    OBJECT: ClassVar[str] = "video"

    id: str = field(metadata=SHOWN)
    model: str = field(metadata=SHOWN)
    status: str = field(metadata=SHOWN, default="queued")
    progress: int = field(metadata=SHOWN, default=0)
    created_at: int = field(metadata=SHOWN, default=0)
    completed_at: int | None = field(metadata=SHOWN, default=None)
    expires_at: int | None = field(metadata=SHOWN, default=None)
    prompt: str | None = field(metadata=SHOWN)
    size: str = field(metadata=SHOWN)
    seconds: str = field(metadata=SHOWN)
    quality: str = field(metadata=SHOWN, default="standard")
    remixed_from_video_id: str | None = field(metadata=SHOWN, default=None)
    error: dict[str, Any] | None = field(metadata=SHOWN, default=None)
    # How to render it.
    mode: str = "create"  # create | remix | edit | extend
    render_seconds: int | None = None  # None: all of ``seconds``
    reference: str | None = None  # the stored reference image
    characters: tuple[str, ...] = field(default=(), metadata={_LOAD: _tuple_of_str})
    source_video: str | None = None  # the MP4 a remix, edit or extension starts from
    source_id: str | None = None
    extension_count: int = 0
    batch_id: str | None = None
    # What happened (sub-second times, for servers that report inference time as a float).
    submitted: float | None = None
    finished: float | None = None
    duration_s: float | None = None
    # A compatibility mode's own bookkeeping.
    compat: str | None = None
    echo: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False  # SGLang's store forgot it; the render and its file stay
    seq: int = 0

    @classmethod
    def queued(
        cls,
        video_id: str,
        *,
        model: str,
        prompt: str | None,
        size: str,
        seconds: int,
        render_seconds: int | None = None,
        reference: str | None = None,
        **plan: Any,
    ) -> VideoRecord:
        """A job as it is stored when accepted: queued now, rendering ``render_seconds``
        (default: all of ``seconds``); ``plan`` sets the other private fields."""
        return cls(
            id=video_id,
            model=model,
            created_at=int(time.time()),
            prompt=prompt,
            size=size,
            seconds=str(seconds),
            render_seconds=seconds if render_seconds is None else render_seconds,
            reference=reference,
            **plan,
        )

    @property
    def active(self) -> bool:
        """Queued or rendering."""
        return self.status in ("queued", "in_progress")

    @property
    def segment_seconds(self) -> int:
        """The seconds the renderer makes (an extension renders only its new segment)."""
        return int(self.render_seconds or self.seconds)

    def inference_time_s(self) -> float:
        """Seconds from submission to the end of the render, as servers report it."""
        return round(max(0.0, (self.finished or 0.0) - (self.submitted or 0.0)), 3)

    def hidden_from_listing(self) -> bool:
        """A blocking request's job (vLLM-Omni's ``/sync``) is never listed or retrieved."""
        return bool(self.echo.get("hidden"))

    def error_message(self) -> str:
        return str((self.error or {}).get("message", ""))


# -- characters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CharacterRecord(StoredRecord):
    """A character made from an uploaded clip; ``clip`` is where the clip is kept."""

    OBJECT: ClassVar[str] = "character"

    id: str = field(metadata=SHOWN)
    name: str = field(metadata=SHOWN)
    created_at: int = field(metadata=SHOWN, default=0)
    clip: str
    seq: int = 0

    def public(self) -> dict[str, Any]:
        # The API's Character object has no "object" field.
        return {"id": self.id, "name": self.name, "created_at": self.created_at}


# -- files -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRecord(StoredRecord):
    """An uploaded (or batch output) file; its bytes are at ``path``."""

    OBJECT: ClassVar[str] = "file"

    id: str = field(metadata=SHOWN)
    bytes: int = field(metadata=SHOWN)
    created_at: int = field(metadata=SHOWN, default=0)
    filename: str = field(metadata=SHOWN)
    purpose: str = field(metadata=SHOWN)
    status: str = field(metadata=SHOWN, default="processed")
    status_details: str | None = field(metadata=SHOWN, default=None)
    expires_at: int | None = field(metadata=SHOWN, default=None)
    path: str
    seq: int = 0


# -- batches -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchLine:
    """One request of a batch: its ``custom_id`` and, once tried, the video or the refusal."""

    custom_id: str
    video_id: str | None = None
    failure: dict[str, Any] | None = None  # {"status_code": ..., "body": ...}

    @property
    def tried(self) -> bool:
        return bool(self.video_id or self.failure)


def _lines(value: Any) -> tuple[BatchLine, ...]:
    # On disk each line is [custom_id, video id or None, failure or None], as older folders have.
    return tuple(BatchLine(*entry) for entry in value or ())


def _line_json(line: BatchLine) -> list[Any]:
    return [line.custom_id, line.video_id, line.failure]


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchRecord(StoredRecord):
    """A ``/v1/batches`` batch of video creations and its progress."""

    OBJECT: ClassVar[str] = "batch"

    id: str = field(metadata=SHOWN)
    endpoint: str = field(metadata=SHOWN)
    errors: dict[str, Any] | None = field(metadata=SHOWN, default=None)
    input_file_id: str = field(metadata=SHOWN)
    completion_window: str = field(metadata=SHOWN)
    status: str = field(metadata=SHOWN, default="validating")
    output_file_id: str | None = field(metadata=SHOWN, default=None)
    error_file_id: str | None = field(metadata=SHOWN, default=None)
    created_at: int = field(metadata=SHOWN, default=0)
    in_progress_at: int | None = field(metadata=SHOWN, default=None)
    expires_at: int = field(metadata=SHOWN)
    finalizing_at: int | None = field(metadata=SHOWN, default=None)
    completed_at: int | None = field(metadata=SHOWN, default=None)
    failed_at: int | None = field(metadata=SHOWN, default=None)
    expired_at: int | None = field(metadata=SHOWN, default=None)
    cancelling_at: int | None = field(metadata=SHOWN, default=None)
    cancelled_at: int | None = field(metadata=SHOWN, default=None)
    request_counts: dict[str, int] = field(
        metadata=SHOWN, default_factory=lambda: {"total": 0, "completed": 0, "failed": 0}
    )
    metadata: dict[str, Any] | None = field(metadata=SHOWN, default=None)
    model: str | None = field(metadata=SHOWN, default=None)
    requests: tuple[BatchLine, ...] = field(default=(), metadata={_LOAD: _lines})
    bodies: tuple[dict[str, Any], ...] = field(default=(), metadata={_LOAD: tuple})
    created: bool = False  # every line has been tried (resumable: each result is saved)
    seq: int = 0

    def to_json(self) -> dict[str, Any]:
        data = StoredRecord.to_json(self)
        data["_requests"] = [_line_json(line) for line in self.requests]
        return data

    def with_line(self, index: int, line: BatchLine) -> BatchRecord:
        lines = list(self.requests)
        lines[index] = line
        return dataclasses.replace(self, requests=tuple(lines))
