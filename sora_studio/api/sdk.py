"""Building and calling the ``openai`` SDK client: explicit timeouts, bounded retries, the key
resolved from the profile, the expected Sora deprecation warning silenced, and every failure turned
into a classified ``ProviderError``. Shared by ``VideosClient``, ``BatchClient`` and the probe.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx2
import openai

from sora_studio.api.errors import to_provider_error
from sora_studio.api.provider import ProviderProfile, install_key_redaction, resolve_api_key
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import ErrorClass

CONNECT_TIMEOUT_S = 5.0
_SORA_DEPRECATION = "The Sora API is scheduled to permanently shut down"

T = TypeVar("T")


@contextmanager
def quiet_sora_deprecation() -> Iterator[None]:
    """Silence the SDK's expected Sora ``DeprecationWarning`` for one call.

    ``catch_warnings`` swaps the process-wide filter list; when two threads overlap, the worst
    outcome is that this narrow ignore outlives the call, which is harmless.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SORA_DEPRECATION, category=DeprecationWarning)
        yield


def run_sdk_call(fn: Callable[[], T], *, base_url: str | None, model: str | None = None) -> T:
    """Run one SDK call: quiet the deprecation and turn every failure into ProviderError."""
    try:
        with quiet_sora_deprecation():
            return fn()
    except ProviderError:
        raise
    except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
        raise to_provider_error(exc, model=model, base_url=base_url) from exc


def request_timeout(seconds: float) -> openai.Timeout:
    """A per-request timeout of ``seconds`` with a short connect phase."""
    return openai.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds))


def sdk_timeout(profile: ProviderProfile) -> openai.Timeout:
    """An explicit per-request timeout (never the SDK's 600 s default)."""
    return request_timeout(profile.timeout_s)


def open_sdk_client(
    profile: ProviderProfile, *, base_url: str | None = None, api_key: str | None = None
) -> openai.OpenAI:
    """Build the SDK client for ``profile``: explicit timeout, bounded retries, resolved key."""
    url = base_url or profile.base_url
    if not url:
        raise UserError(
            f"provider {profile.name!r} has no base URL yet; start the emulator or set the "
            "provider's address in Settings > Providers"
        )
    key = api_key if api_key is not None else resolve_api_key(profile)
    if not key:
        where = (
            f" or set the environment variable {profile.key_source[4:]}"
            if profile.key_source.startswith("env:")
            else ""
        )
        raise ProviderError(
            ErrorClass.AUTH,
            f"no API key is set for provider {profile.name!r}; set it in Settings > Providers"
            f"{where}",
        )
    install_key_redaction()
    return openai.OpenAI(
        base_url=url,
        api_key=key,
        timeout=sdk_timeout(profile),
        max_retries=profile.max_retries,
        default_headers=dict(profile.preset_info.request_headers) or None,
    )


__all__ = [
    "CONNECT_TIMEOUT_S",
    "open_sdk_client",
    "quiet_sora_deprecation",
    "request_timeout",
    "run_sdk_call",
    "sdk_timeout",
]
