""" "Test connection": find out what a `/v1/videos` server can do with only safe, free calls.

:func:`probe_provider` asks three things and never creates or deletes anything:

1. ``GET /models``: is the server there, is the key accepted, which models does it serve (and which
   of them make video)?
2. ``GET /videos?limit=1``: can it list videos? (LiteLLM answers 400, a server without the route
   404/405; those mean "poll each job by id".)
3. ``GET /videos/<an id that cannot exist>``: how does it say "not found", in which error shape?

The :class:`ProbeReport` carries each step's question and answer, what was learned, the capability
fields that differ from the profile's (``suggested_overrides``, ready for
``ProviderProfile.capability_overrides``) and a paragraph for people. Unreachable hosts and refused
keys are findings in the report, not exceptions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import httpx2
import openai

from sora_studio.api.error_bodies import (
    describe_body,
    error_shape_of,
    looks_like_html,
    parse_json,
    read_error_body,
)
from sora_studio.api.provider import ProviderProfile
from sora_studio.api.remote import RemoteModel, models_from_payload
from sora_studio.api.sdk import open_sdk_client, request_timeout
from sora_studio.api.videos import fill_litellm_modes, is_litellm
from sora_studio.core.capabilities import ErrorShape, provider_presets

PROBE_TIMEOUT_S = 15.0
_NO_LIST_STATUSES = frozenset({400, 404, 405, 500, 501})
_SHAPE_WORDS = {
    ErrorShape.OPENAI: 'the OpenAI shape {"error": {...}}',
    ErrorShape.DETAIL: 'the FastAPI shape {"detail": ...}',
    ErrorShape.FLAT: 'a flat {"message", "type", "code"} object',
    ErrorShape.CODE_MESSAGE: 'a {"code", "message"} object',
}


@dataclass(frozen=True, slots=True)
class ProbeStep:
    """One request of the probe and what came back."""

    name: str  # "models" | "list" | "missing video"
    request: str  # e.g. "GET /v1/videos?limit=1"
    status: int | None  # None: no HTTP answer at all
    outcome: str  # what came back, in words
    ok: bool  # the answer was a 2xx


@dataclass(frozen=True, slots=True)
class ProbeReport:
    """What "Test connection" found. ``None`` in a finding means the probe could not tell."""

    base_url: str
    reachable: bool
    auth_accepted: bool | None
    models: tuple[RemoteModel, ...]
    video_models: tuple[str, ...]
    list_supported: bool | None
    models_listed: bool | None
    error_shape: ErrorShape | None
    server: str | None
    suggested_overrides: Mapping[str, Any] = field(default_factory=dict)
    suggested_preset: str | None = None
    summary: str = ""
    steps: tuple[ProbeStep, ...] = ()


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int | None
    headers: Mapping[str, str]
    text: str
    failure: str | None = None  # why there was no HTTP answer

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def auth_refused(self) -> bool:
        return self.status in (401, 403, 407)


def _ask(sdk: openai.OpenAI, path: str, params: Mapping[str, Any] | None = None) -> _Answer:
    options: dict[str, Any] = {"params": dict(params)} if params else {}
    try:
        response = sdk.get(path, cast_to=httpx2.Response, options=cast(Any, options))
        return _Answer(response.status_code, response.headers, response.text)
    except openai.APIStatusError as exc:
        try:
            text = exc.response.text
        except (httpx2.HTTPError, RuntimeError):
            text = ""
        return _Answer(exc.status_code, exc.response.headers, text)
    except openai.APITimeoutError:
        return _Answer(None, {}, "", failure="the request timed out")
    except openai.APIConnectionError as exc:
        return _Answer(None, {}, "", failure=str(exc.__cause__ or exc))
    except httpx2.HTTPError as exc:
        return _Answer(None, {}, "", failure=str(exc))


def _outcome(answer: _Answer, success: str) -> str:
    if answer.status is None:
        return f"no answer: {answer.failure}"
    if answer.ok and parse_json(answer.text) is None:
        body = describe_body(answer.text, answer.headers.get("content-type"))
        return f"HTTP {answer.status}, but not JSON: {body}"
    if answer.ok:
        return f"HTTP {answer.status}: {success}"
    shape = error_shape_of(answer.text)
    if shape is not None:
        message = read_error_body(answer.text).message or "no message"
        return f"HTTP {answer.status}: {message} ({shape.value} error shape)"
    return f"HTTP {answer.status}: {describe_body(answer.text, answer.headers.get('content-type'))}"


def _server_name(answers: list[_Answer]) -> str | None:
    for answer in answers:
        if is_litellm(answer.headers):
            version = answer.headers.get("x-litellm-version")
            return f"LiteLLM {version}" if version else "LiteLLM"
    for answer in answers:
        for header in ("server", "x-powered-by"):
            value = answer.headers.get(header)
            if value:
                return value.strip()[:80]
    return None


def probe_provider(
    profile: ProviderProfile, api_key: str | None = None, *, base_url: str | None = None
) -> ProbeReport:
    """Probe ``profile``'s server with safe, free GETs and report what it can do.

    ``api_key`` overrides the profile's key source (a key typed into Settings but not saved yet).
    Raises only what building a client raises before any request: ``ProviderError`` (AUTH) when
    no key is set for the profile, ``UserError`` when it has no base URL. Everything the server
    does (or does not answer) is reported, not raised.
    """
    url = base_url or profile.base_url or ""
    sdk = open_sdk_client(profile, base_url=base_url, api_key=api_key).with_options(
        max_retries=0, timeout=request_timeout(min(profile.timeout_s, PROBE_TIMEOUT_S))
    )
    prefix = urlsplit(url).path.rstrip("/")  # shown in each step: "GET /v1/models"
    steps: list[ProbeStep] = []
    answers: list[_Answer] = []
    try:
        models_answer = _ask(sdk, "/models")
        answers.append(models_answer)
        models: tuple[RemoteModel, ...] = ()
        if models_answer.ok:
            models = models_from_payload(parse_json(models_answer.text))
            if models and is_litellm(models_answer.headers) and all(m.mode is None for m in models):
                models = fill_litellm_modes(sdk, models)
        steps.append(
            ProbeStep(
                "models",
                f"GET {prefix}/models",
                models_answer.status,
                _outcome(models_answer, f"{len(models)} model(s) listed"),
                models_answer.ok,
            )
        )
        if models_answer.status is None:
            return _report(profile, url, steps, answers, models=(), list_answer=None, missing=None)

        list_answer = _ask(sdk, "/videos", {"limit": 1})
        answers.append(list_answer)
        steps.append(
            ProbeStep(
                "list",
                f"GET {prefix}/videos?limit=1",
                list_answer.status,
                _outcome(list_answer, "videos can be listed"),
                list_answer.ok,
            )
        )
        missing_id = f"video_sora_studio_probe_{uuid.uuid4().hex}"
        missing = _ask(sdk, f"/videos/{missing_id}")
        answers.append(missing)
        steps.append(
            ProbeStep(
                "missing video",
                f"GET {prefix}/videos/{missing_id}",
                missing.status,
                _outcome(missing, "answered as if the video existed"),
                missing.ok,
            )
        )
    finally:
        sdk.close()
    return _report(
        profile, url, steps, answers, models=models, list_answer=list_answer, missing=missing
    )


def _list_supported(answer: _Answer | None) -> bool | None:
    if answer is None or answer.status is None or answer.auth_refused:
        return None
    if answer.ok:
        data = parse_json(answer.text)
        if data is None:
            return None  # not JSON at all (a web page): the base URL is wrong, not the server
        return isinstance(data, Mapping) and isinstance(data.get("data"), list)
    return False if answer.status in _NO_LIST_STATUSES else None


def _models_listed(answer: _Answer, models: tuple[RemoteModel, ...]) -> bool | None:
    if answer.ok:
        return None if parse_json(answer.text) is None else bool(models)
    return False if answer.status in (404, 405, 501) else None


def _report(
    profile: ProviderProfile,
    url: str,
    steps: list[ProbeStep],
    answers: list[_Answer],
    *,
    models: tuple[RemoteModel, ...],
    list_answer: _Answer | None,
    missing: _Answer | None,
) -> ProbeReport:
    reachable = any(a.status is not None for a in answers)
    if not reachable:
        auth: bool | None = None
    elif any(a.auth_refused for a in answers):
        auth = False
    else:
        auth = True
    list_supported = _list_supported(list_answer)
    models_listed = _models_listed(answers[0], models) if auth else None
    shape = None
    for answer in (missing, list_answer, answers[0]):
        if answer is not None and not answer.ok and answer.status is not None:
            shape = error_shape_of(answer.text)
            if shape is not None:
                break
    server = _server_name(answers)
    current = profile.capabilities
    found: dict[str, Any] = {}
    if list_supported is not None:
        found["list_videos"] = list_supported
    if models_listed is not None:
        found["models_listed"] = models_listed
    if shape is not None and shape not in current.error_shapes:
        found["error_shapes"] = [s.value for s in (*current.error_shapes, shape)]
    overrides = current.differences(current.with_overrides(found)) if found else {}
    litellm = any(is_litellm(a.headers) for a in answers)
    suggested_preset = "litellm" if litellm and profile.preset != "litellm" else None
    video_models = tuple(m.id for m in models if m.is_video)
    html = any(a.status is not None and looks_like_html(a.text) for a in answers)
    summary = _summary(
        url,
        reachable=reachable,
        auth=auth,
        models=models,
        video_models=video_models,
        list_supported=list_supported,
        list_answer=list_answer,
        shape=shape,
        server=server,
        overrides=overrides,
        suggested_preset=suggested_preset,
        html=html,
        failure=answers[0].failure if answers else None,
    )
    return ProbeReport(
        base_url=url,
        reachable=reachable,
        auth_accepted=auth,
        models=models,
        video_models=video_models,
        list_supported=list_supported,
        models_listed=models_listed,
        error_shape=shape,
        server=server,
        suggested_overrides=overrides,
        suggested_preset=suggested_preset,
        summary=summary,
        steps=tuple(steps),
    )


def _summary(
    url: str,
    *,
    reachable: bool,
    auth: bool | None,
    models: tuple[RemoteModel, ...],
    video_models: tuple[str, ...],
    list_supported: bool | None,
    list_answer: _Answer | None,
    shape: ErrorShape | None,
    server: str | None,
    overrides: Mapping[str, Any],
    suggested_preset: str | None,
    html: bool,
    failure: str | None,
) -> str:
    if not reachable:
        return (
            f"Could not reach {url} ({failure}). Check that the server is running and that the "
            "base URL is right (for example http://127.0.0.1:4000/v1), then test again."
        )
    parts = [f"Reached {url}" + (f" ({server})." if server else ".")]
    if auth is False:
        parts.append(
            "The server refused the API key (HTTP 401/403): set the right key in "
            "Settings > Providers and test again."
        )
        return " ".join(parts)
    parts.append("The key was accepted.")
    if models:
        names = ", ".join(m.id for m in models[:6]) + (" and more" if len(models) > 6 else "")
        video = f"; video models: {', '.join(video_models)}" if video_models else ""
        parts.append(f"It lists {len(models)} model(s): {names}{video}.")
    else:
        parts.append("It does not list its models, so choose the model by hand.")
    if list_supported:
        parts.append("It can list videos, so several jobs are polled with one call.")
    elif list_supported is False and list_answer is not None:
        parts.append(
            f"It cannot list videos (GET /videos answered HTTP {list_answer.status}), so each "
            "job will be polled by its id."
        )
    if shape is not None:
        parts.append(f"Its errors come in {_SHAPE_WORDS[shape]}.")
    if html:
        parts.append(
            "Some answers were HTML pages, not JSON: the base URL may point at a web page or a "
            "proxy rather than the API; it usually ends in /v1."
        )
    if suggested_preset:
        preset = provider_presets().get(suggested_preset)
        label = preset.label if preset is not None else suggested_preset
        parts.append(f"Its answers match the “{label}” server kind: choose it for this profile.")
    if overrides:
        changes = ", ".join(f"{k} = {v}" for k, v in overrides.items())
        parts.append(f"Suggested changes to the profile: {changes}.")
    return " ".join(parts)


__all__ = ["ProbeReport", "ProbeStep", "probe_provider"]
