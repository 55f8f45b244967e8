"""Which providers exist and one SDK client per provider.

Profiles come from two places: the built-ins every install has (the emulator, OpenAI, and an
``environment`` profile when ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` are set) and the ones saved
in the library (which win over a built-in of the same name). Keys are looked up at client build
time from the environment or the OS key store and live only inside the client object.

The emulator's profile has no base URL until the app or the CLI starts the emulator; they pass
the URL it listens on as ``emulator_base_url``.

The SDK adapters (``api.videos``, ``api.batch_client``, ``api.errors``) import ``openai``, which
takes about a second; they are imported only when the first client is built, so the desk can
read profiles and catalogs through a registry without paying for the SDK at start-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from sora_studio.api.provider import (
    ProviderProfile,
    choose_default_profile,
    merge_profiles,
    resolve_api_key,
)
from sora_studio.core.catalog import Catalog
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import ErrorClass

# Re-exported only for ``commands._provider_changes`` until it imports it from ``setting_keys``.
from sora_studio.services.setting_keys import default_provider_name

if TYPE_CHECKING:
    from sora_studio.api.batch_client import BatchClient
    from sora_studio.api.videos import VideosClient


class ProviderStore(Protocol):
    """What the registry reads from the repository."""

    def list_providers(self) -> list[Any]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...


ClientFactory = Callable[[ProviderProfile, str], "VideosClient"]


def _default_factory(profile: ProviderProfile, api_key: str) -> VideosClient:
    from sora_studio.api.videos import VideosClient  # loads openai: only when a client is built

    return VideosClient(profile, api_key=api_key)


class ProviderRegistry:
    """Profiles by name, their catalogs, and a cached client for each (engine thread only)."""

    def __init__(
        self,
        store: ProviderStore,
        *,
        env: Mapping[str, str] | None = None,
        emulator_base_url: str | None = None,
        client_factory: ClientFactory = _default_factory,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """``overrides`` patch profile fields by name (e.g. a benchmark's concurrency limit)."""
        self._store = store
        self._env = dict(os.environ if env is None else env)
        self._emulator_base_url = emulator_base_url
        self._factory = client_factory
        self._overrides = {k: dict(v) for k, v in (overrides or {}).items()}
        self._clients: dict[tuple[str, bool], VideosClient] = {}
        self._batch_clients: dict[str, BatchClient] = {}
        self._retired: list[VideosClient] = []  # replaced by reload(), closed by close()

    # -- profiles ----------------------------------------------------------------------------

    def profiles(self) -> list[ProviderProfile]:
        """Built-ins first, then saved profiles; a saved one replaces a built-in of its name."""
        return [
            replace(profile, **self._overrides.get(profile.name, {}))
            for profile in merge_profiles(
                self._env, self._store.list_providers(), self._emulator_base_url
            )
        ]

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.profiles())

    def profile(self, name: str) -> ProviderProfile:
        for profile in self.profiles():
            if profile.name == name:
                return profile
        raise UserError(
            f"no provider named {name!r}; choose one of {', '.join(self.names())} "
            "or add it in Settings > Providers"
        )

    def default_name(self) -> str:
        """See :func:`~sora_studio.api.provider.choose_default_profile`."""
        return choose_default_profile(self.profiles(), default_provider_name(self._store))

    def catalog(self, name: str) -> Catalog:
        return self.profile(name).catalog()

    def concurrency(self, name: str) -> int:
        return self.profile(name).concurrency_limit

    # -- clients -----------------------------------------------------------------------------

    def client(self, name: str) -> VideosClient:
        """The provider's client, built once; raises ``ProviderError`` when it cannot be used."""
        return self._client(name, sdk_retries=True)

    def submit_client(self, name: str) -> VideosClient:
        """A client with the SDK's automatic retries off, for create calls.

        The SDK sends no idempotency key, so its silent retry of a timed-out POST could start a
        second paid render; the engine confirms by listing before it ever sends again.
        """
        return self._client(name, sdk_retries=False)

    def _client(self, name: str, *, sdk_retries: bool) -> VideosClient:
        cached = self._clients.get((name, sdk_retries))
        if cached is not None:
            return cached
        profile = self.profile(name)
        if not sdk_retries:
            profile = replace(profile, max_retries=0)
        if profile.retired:
            from sora_studio.api.errors import RETIRED_MESSAGE

            raise ProviderError(ErrorClass.MODEL_UNAVAILABLE, RETIRED_MESSAGE)
        if profile.base_url is None:
            raise ProviderError(
                ErrorClass.TRANSIENT,
                "the built-in emulator is not running; restart Sora Studio",
            )
        key = resolve_api_key(profile, self._env)
        if key is None:
            where = (
                f"set the environment variable {profile.key_source[4:]}"
                if profile.key_source.startswith("env:")
                else "store it in Settings > Providers (OS key store)"
            )
            raise ProviderError(ErrorClass.AUTH, f"no API key for provider {name!r}; {where}")
        client = self._factory(profile, key)
        self._clients[(name, sdk_retries)] = client
        return client

    def warm(self, name: str | None = None) -> bool:
        """Build ``name``'s clients (default: the default provider's) now; True when usable.

        The first client loads the SDK's HTTP stack and builds an SSL context, which holds
        Python's GIL for tens of milliseconds; the desk calls this on the engine's thread before
        it lets anyone submit, so that pause is not felt as a stutter after the first render
        is sent. A provider that cannot be used yet (no key, emulator down) answers False; the
        engine reports that on its first real call as usual.
        """
        try:
            target = name if name is not None else self.default_name()
            self.client(target)
            self.submit_client(target)
        except (ProviderError, UserError):
            return False
        return True

    def batch_client(self, name: str) -> BatchClient:
        """Files + Batches calls for the provider, sharing the SDK client of :meth:`client`."""
        cached = self._batch_clients.get(name)
        if cached is None:
            from sora_studio.api.batch_client import BatchClient

            videos = self.client(name)
            cached = BatchClient(videos.profile, base_url=videos.base_url, sdk=videos.sdk)
            self._batch_clients[name] = cached
        return cached

    def reload(self) -> None:
        """Forget the cached clients so the next call re-reads its profile and key.

        Profiles themselves are read from the store on every call; after Settings changed a
        base URL, a key or a timeout, only the clients built from the old values must go. They
        are not closed here: a download thread may be streaming through one right now, and
        closing its connection pool would cut that download. They are closed with the
        registry (``close``), which the engine calls once its downloads have stopped.
        """
        self._retired.extend(self._clients.values())
        self._clients.clear()
        self._batch_clients.clear()

    def close(self) -> None:
        """Close every client's connection pool, current and retired."""
        for client in [*self._clients.values(), *self._retired]:
            client.close()
        self._clients.clear()
        self._batch_clients.clear()
        self._retired.clear()
