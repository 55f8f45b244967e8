"""Sending a create-like request in the encoding the server takes, and learning it.

Servers differ in the body they accept for ``POST /videos`` and its siblings: vLLM-Omni takes only
multipart form fields, NVIDIA Dynamo only JSON, the official contract and SGLang either. The
profile says which (``capabilities.body_format``). For "either", the first try follows the official
SDK (multipart for a plain create; JSON with characters, object references, remix, edit and extend);
when the server refuses the encoding (a 415, or a 400/422 that reads like one) the request is sent
once more in the other encoding, and a :class:`BodySender` remembers what worked for its client.

Why some requests avoid the SDK's typed methods: the SDK cannot send object references
(``{"id": ...}``, ``{"file_id": ...}``), the ``characters`` array (videos-api.md §2.1) or other
servers' fields, so those go through ``client.post``; a plain create and a remix keep the typed
calls so the official contract sees exactly what the SDK sends. The sender raises the SDK's own
exceptions; ``VideosClient`` classifies them.
"""

from __future__ import annotations

import mimetypes
from typing import Any, cast

import httpx2
import openai

from sora_studio.api.errors import is_body_format_refusal
from sora_studio.api.request_bodies import WireRequest
from sora_studio.api.sdk import request_timeout
from sora_studio.core.capabilities import BodyFormat, ProviderCapabilities


class BodySender:
    """Posts :class:`WireRequest`s for one client. Thread use: as its ``VideosClient``; the
    learned format is one attribute, so concurrent senders at worst both learn the same thing."""

    def __init__(
        self,
        sdk: openai.OpenAI,
        capabilities: ProviderCapabilities,
        *,
        create_timeout_s: float,
    ) -> None:
        self._sdk = sdk
        self._capabilities = capabilities
        self._create_timeout_s = create_timeout_s
        self.learned_format: BodyFormat | None = None

    def first_format(self, wire: WireRequest) -> BodyFormat:
        """The encoding to try first for ``wire``."""
        body_format = self._capabilities.body_format
        if body_format is not BodyFormat.EITHER:
            return body_format
        if self.learned_format is not None:
            return self.learned_format
        # The official contract's behaviour: a plain create is multipart (as the SDK sends it);
        # characters, object references, remix, edit and extend are JSON.
        if wire.path == "/videos" and not wire.prefers_json:
            return BodyFormat.MULTIPART
        return BodyFormat.JSON

    def send(self, wire: WireRequest) -> httpx2.Response:
        """Post ``wire``; on a body-format refusal from an "either" server, once more in the other
        encoding. A synchronous create gets the long timeout and no SDK retries (a retried
        blocking render would be paid twice)."""
        options: dict[str, Any] = {}
        if self._capabilities.synchronous and wire.path == "/videos":
            options = {"timeout": request_timeout(self._create_timeout_s), "max_retries": 0}
        first = self.first_format(wire)
        try:
            return self._post(wire, first, options)
        except openai.APIStatusError as exc:
            either = self._capabilities.body_format is BodyFormat.EITHER
            if not either or not is_body_format_refusal(exc, wire.sent_fields):
                raise
        other = BodyFormat.JSON if first is BodyFormat.MULTIPART else BodyFormat.MULTIPART
        response = self._post(wire, other, options)
        self.learned_format = other
        return response

    def _post(
        self, wire: WireRequest, body_format: BodyFormat, options: dict[str, Any]
    ) -> httpx2.Response:
        if body_format is BodyFormat.MULTIPART:
            return self._post_multipart(wire, options)
        return self._post_json(wire, options)

    def _post_json(self, wire: WireRequest, options: dict[str, Any]) -> httpx2.Response:
        if wire.remix_of is not None and not options:
            # The SDK's typed remix sends exactly {"prompt": ...} (plus any extras).
            extra = dict(wire.extras) or None
            raw = self._sdk.videos.with_raw_response.remix(
                wire.remix_of, prompt=str(wire.fields["prompt"]), extra_body=extra
            )
            return raw.http_response
        return self._sdk.post(
            wire.path, body=wire.json_body(), cast_to=httpx2.Response, options=cast(Any, options)
        )

    def _post_multipart(self, wire: WireRequest, options: dict[str, Any]) -> httpx2.Response:
        path = wire.multipart_file()
        if wire.path == "/videos" and not options:
            extra = wire.multipart_fields(include_own_fields=False) or None
            # The casts: providers offer sizes and lengths the SDK's Literal types do not list yet.
            raw = self._sdk.videos.with_raw_response.create(
                prompt=str(wire.fields["prompt"]),
                model=str(wire.fields["model"]),
                size=cast(Any, wire.fields["size"]),
                seconds=cast(Any, str(wire.fields["seconds"])),
                input_reference=path if path is not None else openai.omit,
                extra_body=extra,
            )
            return raw.http_response
        files: Any = None
        if path is not None:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            files = [("input_reference", (path.name, path.read_bytes(), mime))]
        headers = {"Content-Type": "multipart/form-data"}
        return self._sdk.post(
            wire.path,
            body=wire.multipart_fields(),
            files=files,
            cast_to=httpx2.Response,
            options=cast(Any, {**options, "headers": headers}),
        )


__all__ = ["BodySender"]
