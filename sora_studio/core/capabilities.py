"""What a `/v1/videos` server can do, as data: the capability profile the engine reads.

Every real server speaks the protocol a little differently (real-servers.md): LiteLLM cannot list
and answers thumbnails with the MP4; SGLang Diffusion lists without cursors, echoes no prompt and
forgets jobs on restart; vLLM-Omni takes multipart only; NVIDIA Dynamo blocks on create and hands
the result back as a URL or base64. The engine never asks which server it talks to; it asks the
profile's :class:`ProviderCapabilities`.

Presets ship as data (``provider_presets.json`` beside this module); a profile names one and may
override any field (``capability_overrides``), which is also where "Test connection" puts what it
found. Pure: no I/O beyond reading the shipped JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any


class CapabilityError(ValueError):
    """A preset or an override is malformed; the message names the field."""


class BodyFormat(StrEnum):
    """How create-style requests must be encoded."""

    JSON = "json"
    MULTIPART = "multipart"
    EITHER = "either"


class Feature(StrEnum):
    """Optional operations a server may offer beyond create / retrieve / content."""

    REMIX = "remix"
    EDIT = "edit"
    EXTEND = "extend"
    CHARACTERS = "characters"
    REFERENCE_IMAGE = "reference_image"
    BATCH = "batch"


class ReferenceStyle(StrEnum):
    """How a reference image given by URL or file ID travels in a create request.

    A local image file always goes as the multipart file part ``input_reference`` (every server
    takes that); these styles differ for references that are not a file part.
    """

    INPUT_REFERENCE = "input_reference"  # official: {"input_reference": {"image_url"|"file_id"}}
    # vLLM-Omni: {"image_reference": {"image_url"|"file_id"}}; multipart: that object JSON-encoded
    IMAGE_REFERENCE = "image_reference"
    REFERENCE_URL = "reference_url"  # SGLang Diffusion: {"reference_url": "<http(s) or data: URL>"}


class ErrorShape(StrEnum):
    """The error bodies a server sends (the client reads all of them; this is for people)."""

    OPENAI = "openai"  # {"error": {"message", "type", "param", "code"}}
    DETAIL = "detail"  # FastAPI: {"detail": "..."} or {"detail": [{"loc", "msg", ...}]}
    FLAT = "flat"  # {"message", "type", "code"} at the top level
    CODE_MESSAGE = "code_message"  # {"code": 400, "message": "..."}


ALL_FEATURES = frozenset(Feature)
ALL_VARIANTS = frozenset({"video", "thumbnail", "spritesheet"})


@dataclass(frozen=True, slots=True)
class ProviderCapabilities:
    """One server's dialect of `/v1/videos`. Defaults describe the official contract."""

    list_videos: bool = True  # GET /videos works (else: poll each job by id)
    delete: bool = True  # DELETE /videos/{id} removes the provider's copy
    delete_cancels: bool = False  # DELETE also stops a render still running
    content_variants: frozenset[str] = ALL_VARIANTS  # variants served correctly by /content
    content_endpoint: bool = True  # False: the result arrives as a URL or base64 on the object
    body_format: BodyFormat = BodyFormat.EITHER
    features: frozenset[Feature] = ALL_FEATURES
    prompt_echoed: bool = True  # video objects carry the prompt (crash reconciliation uses it)
    synchronous: bool = False  # POST /videos blocks until the render is done
    seconds_as_integer: bool = False  # the request's seconds is an int, not the string "8"
    model_required: bool = False
    models_listed: bool = True  # GET /models names the models the server offers
    keeps_jobs: bool = True  # False: the server forgets every job when it restarts
    exact_size: bool = True  # renders exactly the size asked (else the size it made is kept)
    error_shapes: tuple[ErrorShape, ...] = (ErrorShape.OPENAI,)
    reference_style: ReferenceStyle = ReferenceStyle.INPUT_REFERENCE

    def supports(self, feature: Feature) -> bool:
        return feature in self.features

    def serves_variant(self, variant: str) -> bool:
        return self.content_endpoint and variant in self.content_variants

    def with_overrides(self, overrides: Mapping[str, Any]) -> ProviderCapabilities:
        """A copy with ``overrides`` (field name -> JSON value) applied; checked field by field."""
        if not overrides:
            return self
        return replace(self, **{k: _coerce(k, v) for k, v in overrides.items()})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (sets become sorted lists)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = sorted(str(v) for v in value)
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            elif isinstance(value, StrEnum):
                value = value.value
            out[f.name] = value
        return out

    def differences(self, other: ProviderCapabilities) -> dict[str, Any]:
        """Fields of ``other`` that differ from this one, as overrides (JSON values)."""
        mine, theirs = self.to_dict(), other.to_dict()
        return {k: v for k, v in theirs.items() if mine[k] != v}


_FIELD_NAMES = frozenset(f.name for f in fields(ProviderCapabilities))
_BOOL_FIELDS = frozenset(f.name for f in fields(ProviderCapabilities) if f.type in ("bool", bool))


def _enum_values(enum: type[StrEnum], value: Any, name: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise CapabilityError(f"capability {name!r} must be a list, got {value!r}")
    try:
        return [enum(str(v)) for v in value]
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum)
        raise CapabilityError(f"capability {name!r}: {exc}; allowed: {allowed}") from exc


def _coerce(name: str, value: Any) -> Any:
    if name not in _FIELD_NAMES:
        raise CapabilityError(
            f"unknown capability {name!r}; known: {', '.join(sorted(_FIELD_NAMES))}"
        )
    if name in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise CapabilityError(f"capability {name!r} must be true or false, got {value!r}")
        return value
    if name == "body_format":
        try:
            return BodyFormat(str(value))
        except ValueError as exc:
            raise CapabilityError(
                f"capability 'body_format' must be json, multipart or either, got {value!r}"
            ) from exc
    if name == "reference_style":
        try:
            return ReferenceStyle(str(value))
        except ValueError as exc:
            allowed = ", ".join(r.value for r in ReferenceStyle)
            raise CapabilityError(
                f"capability 'reference_style' must be one of {allowed}, got {value!r}"
            ) from exc
    if name == "features":
        return frozenset(_enum_values(Feature, value, name))
    if name == "error_shapes":
        return tuple(_enum_values(ErrorShape, value, name))
    if name == "content_variants":
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise CapabilityError(f"capability {name!r} must be a list, got {value!r}")
        variants = frozenset(str(v) for v in value)
        if not variants <= ALL_VARIANTS:
            raise CapabilityError(
                f"capability {name!r}: unknown variants {sorted(variants - ALL_VARIANTS)}; "
                "allowed: video, thumbnail, spritesheet"
            )
        return variants
    raise CapabilityError(f"capability {name!r} cannot be set")  # pragma: no cover


def capabilities_from_dict(data: Mapping[str, Any]) -> ProviderCapabilities:
    """Capabilities from their JSON form; unnamed fields keep the official contract's value."""
    return ProviderCapabilities().with_overrides(data)


@dataclass(frozen=True, slots=True)
class ProviderPreset:
    """A kind of server the desk knows: its capabilities and sensible profile defaults."""

    name: str
    label: str
    description: str
    capabilities: ProviderCapabilities
    models: tuple[str, ...] = ()  # catalog models it usually serves ((): every catalog model)
    concurrency_limit: int = 4
    timeout_s: float = 30.0
    synchronous_timeout_s: float = 900.0  # how long a blocking create may take
    default_base_url: str = ""
    notes: tuple[str, ...] = field(default=(), hash=False)
    # Sent with every request to this kind of server. LiteLLM retries a failed upstream call
    # twice on its own (a create among them: a second paid render); the desk keeps its own
    # bounded retries, so it asks the proxy for none.
    request_headers: tuple[tuple[str, str], ...] = ()


GENERIC_PRESET = "generic"


@cache
def provider_presets() -> dict[str, ProviderPreset]:
    """The shipped presets by name, in display order."""
    text = resources.files("sora_studio.core").joinpath("provider_presets.json").read_text("utf-8")
    return presets_from_dict(json.loads(text))


def presets_from_dict(data: Mapping[str, Any]) -> dict[str, ProviderPreset]:
    """Parse the presets file; raises :class:`CapabilityError` naming the bad entry."""
    presets: dict[str, ProviderPreset] = {}
    try:
        for name, raw in data["presets"].items():
            try:
                caps = capabilities_from_dict(raw.get("capabilities") or {})
            except CapabilityError as exc:
                raise CapabilityError(f"preset {name!r}: {exc}") from exc
            presets[name] = ProviderPreset(
                name=name,
                label=str(raw["label"]),
                description=str(raw.get("description", "")),
                capabilities=caps,
                models=tuple(str(m) for m in raw.get("models", ())),
                concurrency_limit=int(raw.get("concurrency_limit", 4)),
                timeout_s=float(raw.get("timeout_s", 30.0)),
                synchronous_timeout_s=float(raw.get("synchronous_timeout_s", 900.0)),
                default_base_url=str(raw.get("default_base_url", "")),
                notes=tuple(str(n) for n in raw.get("notes", ())),
                request_headers=tuple(
                    (str(k), str(v)) for k, v in (raw.get("request_headers") or {}).items()
                ),
            )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, CapabilityError):
            raise
        raise CapabilityError(f"provider presets are missing or mistyped: {exc}") from exc
    if GENERIC_PRESET not in presets:
        raise CapabilityError(f"provider presets need a {GENERIC_PRESET!r} preset")
    return presets


def preset(name: str) -> ProviderPreset:
    """The preset called ``name``; raises :class:`CapabilityError` listing the known ones."""
    presets = provider_presets()
    found = presets.get(name)
    if found is None:
        raise CapabilityError(f"unknown provider preset {name!r}; choose {', '.join(presets)}")
    return found
