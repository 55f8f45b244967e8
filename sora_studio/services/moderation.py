"""The prompt builder's moderation check, against the active provider's ``/v1/moderations``.

Moderation is advisory: the builder underlines what a provider would flag, and that must never
stop rendering by itself. So a provider without the endpoint, a missing key or an outage all
answer None ("no opinion"). :class:`ProviderModerator` is called on a pool thread, never the GUI
thread: its SDK client (built on first use, then reused) loads the ``openai`` SDK and makes a
network call.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sora_studio.api.provider import ProviderProfile, resolve_api_key
from sora_studio.core.errors import ProviderError, UserError

if TYPE_CHECKING:
    from sora_studio.api.videos import VideosClient


class ProviderModerator:
    """``moderator(text)`` -> (flagged, categories), or None without an answer (any thread)."""

    def __init__(self, profile: ProviderProfile, env: Mapping[str, str]) -> None:
        self._profile = profile
        self._env = env
        self._client: VideosClient | None = None
        # Two checks may overlap (the person keeps typing): one client is built, not two.
        self._lock = threading.Lock()

    def __call__(self, text: str) -> tuple[bool, list[str]] | None:
        if self._profile.retired or self._profile.base_url is None:
            return None
        with self._lock:
            if self._client is None:
                key = resolve_api_key(self._profile, self._env)
                if key is None:
                    return None
                from sora_studio.api.videos import VideosClient  # the SDK: off the GUI thread

                self._client = VideosClient(self._profile, api_key=key)
            client = self._client
        try:
            return client.moderate(text)
        except (ProviderError, UserError, OSError):
            return None

    def close(self) -> None:
        """Close the SDK client (it is built again if the moderator is called after)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
