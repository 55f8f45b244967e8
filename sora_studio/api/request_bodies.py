"""Request bodies for create, remix, edit and extend, in the encoding each server takes.

One :class:`WireRequest` describes a request independently of its encoding; it renders itself as
a JSON body or as multipart fields (plus an optional file part), so ``VideosClient`` can send it in
the format the profile's capabilities ask for and, for servers that take either, retry once in the
other. What differs between servers lives in ``ProviderCapabilities``:

- ``seconds_as_integer``: ``"seconds": 8`` instead of the official string ``"8"`` (JSON only; a
  multipart field is text either way).
- ``reference_style``: how a reference image given by URL or file ID travels (``input_reference``
  object, vLLM-Omni's ``image_reference`` object, SGLang's ``reference_url`` string). A local image
  file goes as the ``input_reference`` file part in multipart and as a ``data:`` URL in JSON.
- Model-specific extras (negative_prompt, seed, num_inference_steps, ...) ride as top-level JSON
  fields or multipart text parts.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sora_studio.core.capabilities import ProviderCapabilities, ReferenceStyle
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass

ExtraValue = str | int | float


def image_data_url(path: Path) -> str:
    """A local image as a ``data:`` URL, so it can ride in a JSON body next to ``characters``."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def missing_reference(path: Path) -> ProviderError:
    return ProviderError(
        ErrorClass.INVALID_REQUEST,
        f"the reference image {path} does not exist; choose a JPEG, PNG or WebP file",
        param="input_reference",
    )


def seconds_value(seconds: int, capabilities: ProviderCapabilities) -> str | int:
    """The wire value of ``seconds``: the official string ("8"), or an int where the server
    wants one (NVIDIA Dynamo)."""
    return int(seconds) if capabilities.seconds_as_integer else str(int(seconds))


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    """A reference image: exactly one of a local file, a provider file ID or an image URL."""

    path: Path | None = None
    file_id: str | None = None
    image_url: str | None = None

    @property
    def is_object(self) -> bool:
        """True for a reference that is not a file part (a file ID or a URL)."""
        return self.path is None


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One create-like request, ready to be encoded as JSON or as multipart.

    ``fields`` are the request's own fields in wire order (JSON-ready values; ``video`` may be the
    ``{"id": ...}`` object of an edit or extension); ``extras`` follow them.
    """

    path: str
    fields: dict[str, Any]
    extras: tuple[tuple[str, ExtraValue], ...] = ()
    reference: ReferenceImage | None = None
    characters: tuple[str, ...] = ()
    reference_style: ReferenceStyle = ReferenceStyle.INPUT_REFERENCE
    remix_of: str | None = None  # the source video of a remix (its id is part of ``path``)

    @property
    def prefers_json(self) -> bool:
        """Whether JSON is the natural encoding (characters and object references, which
        multipart carries only awkwardly); otherwise multipart, as the official SDK sends."""
        return bool(self.characters) or (self.reference is not None and self.reference.is_object)

    @property
    def sent_fields(self) -> tuple[str, ...]:
        """Names of the top-level fields this request sends (to recognise "missing" refusals)."""
        return (*self.fields, *(name for name, _ in self.extras))

    def _reference_json(self) -> tuple[str, Any] | None:
        ref = self.reference
        if ref is None:
            return None
        style = self.reference_style
        if ref.file_id is not None:
            if style is ReferenceStyle.REFERENCE_URL:
                raise ProviderError(
                    ErrorClass.INVALID_REQUEST,
                    "this provider takes a reference image as a file or a URL, not as a file ID; "
                    "choose the image file instead",
                    param="input_reference",
                )
            value: dict[str, str] = {"file_id": ref.file_id}
        else:
            url = ref.image_url if ref.image_url is not None else _read_reference(ref.path)
            if style is ReferenceStyle.REFERENCE_URL:
                return "reference_url", url
            value = {"image_url": url}
        name = "image_reference" if style is ReferenceStyle.IMAGE_REFERENCE else "input_reference"
        return name, value

    def json_body(self) -> dict[str, Any]:
        """The request as a JSON object: fields, reference, characters, then extras."""
        body = dict(self.fields)
        reference = self._reference_json()
        if reference is not None:
            body[reference[0]] = reference[1]
        if self.characters:
            body["characters"] = [{"id": c} for c in self.characters]
        return _with_extras(body, self.extras)

    def multipart_file(self) -> Path | None:
        """The local reference image, sent as the ``input_reference`` file part."""
        return self.reference.path if self.reference is not None else None

    def multipart_fields(self, *, include_own_fields: bool = True) -> dict[str, Any]:
        """The request as multipart text fields (nested objects are sent in the SDK's bracket
        form, ``video[id]``); the local reference image is not among them (see
        :meth:`multipart_file`). ``include_own_fields=False`` gives only what the SDK's typed
        ``create`` does not send itself (references, characters, extras)."""
        body: dict[str, Any] = (
            {k: _form_value(v) for k, v in self.fields.items()} if include_own_fields else {}
        )
        ref = self.reference
        if ref is not None and ref.is_object:
            name, value = self._reference_json() or ("", None)
            # vLLM-Omni reads image_reference as a JSON-encoded object in one form field.
            body[name] = json.dumps(value) if name == "image_reference" else value
        if self.characters:
            body["characters"] = [{"id": c} for c in self.characters]
        return _with_extras(body, tuple((k, _form_value(v)) for k, v in self.extras))


def path_segment(value: str) -> str:
    """``value`` percent-encoded as one URL path segment (opaque ids may hold ``/`` or ``+``)."""
    return quote(value, safe="-._~!$&'()*+,;=:@")


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _read_reference(path: Path | None) -> str:
    if path is None:  # pragma: no cover - a ReferenceImage always has one of the three
        raise ValueError("no reference image given")
    try:
        return image_data_url(path)
    except OSError as exc:
        raise missing_reference(path) from exc


def _with_extras(body: dict[str, Any], extras: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    for name, value in extras:
        if name in body:
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                f"the extra field {name!r} would replace the request's own {name!r}; "
                "remove it from the model's advanced settings",
                param=name,
            )
        body[name] = value
    return body


def check_extras(extras: Sequence[tuple[str, Any]]) -> tuple[tuple[str, ExtraValue], ...]:
    """Extras as given, refusing names that are not plain identifiers or values of other types."""
    checked: list[tuple[str, ExtraValue]] = []
    for name, value in extras:
        if not name or not name.replace("_", "a").isalnum():
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                f"the extra field name {name!r} is not a plain name; use letters, digits and _",
                param=name or None,
            )
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                f"the extra field {name!r} must be text or a number, got {value!r}",
                param=name,
            )
        checked.append((name, value))
    return tuple(checked)


__all__ = [
    "ReferenceImage",
    "WireRequest",
    "check_extras",
    "image_data_url",
    "missing_reference",
    "path_segment",
    "seconds_value",
]
