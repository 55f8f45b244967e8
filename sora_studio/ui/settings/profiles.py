"""Provider profiles and desk settings as the GUI thread reads and writes them.

The profile listing and the default choice come from ``api.provider``, the same functions the
engine's registry uses, without loading the SDK (which takes about a second). Keys never pass
through here except on their way into the OS key store. :class:`ProfileBook` keeps the profiles
(and their catalogs) the desk reads for each clip it shows, until Settings change them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from sora_studio.api.provider import (
    ProviderProfile,
    choose_default_profile,
    merge_profiles,
)
from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.services.spend import BUDGET_SETTING, parse_cents

DEFAULT_PROVIDER_SETTING = "default_provider"  # the same key services.providers reads
THEME_SETTING = "theme"


class SettingsSource(Protocol):
    def list_providers(self) -> list[Any]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...


def all_profiles(
    store: SettingsSource, env: Mapping[str, str], emulator_base_url: str | None = None
) -> list[ProviderProfile]:
    """Built-ins first, then saved profiles (a saved one replaces a built-in of its name)."""
    return merge_profiles(env, store.list_providers(), emulator_base_url)


def default_profile_name(store: SettingsSource, env: Mapping[str, str]) -> str:
    """The same choice the engine makes (``api.provider.choose_default_profile``)."""
    return choose_default_profile(
        all_profiles(store, env), store.get_setting(DEFAULT_PROVIDER_SETTING)
    )


def profile_named(
    store: SettingsSource, env: Mapping[str, str], name: str, emulator_base_url: str | None = None
) -> ProviderProfile:
    for profile in all_profiles(store, env, emulator_base_url):
        if profile.name == name:
            return profile
    return all_profiles(store, env, emulator_base_url)[0]


class ProfileBook:
    """Each provider's profile and catalog by name, read once until :meth:`clear` (GUI thread).

    A clip's actions are worked out every time it is shown or updated; reading the profiles
    from the library each time would be a query and a catalog build per progress tick.
    ``emulator_url`` says where the built-in emulator listens once it has started.
    """

    def __init__(
        self,
        store: SettingsSource,
        env: Mapping[str, str],
        emulator_url: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._store = store
        self._env = env
        self._emulator_url = emulator_url
        self._profiles: dict[str, ProviderProfile] | None = None
        self._catalogs: dict[str, Catalog] = {}

    def clear(self) -> None:
        """Forget what was read (Settings were saved, or the emulator started)."""
        self._profiles = None
        self._catalogs.clear()

    def _all(self) -> dict[str, ProviderProfile]:
        if self._profiles is None:
            profiles = all_profiles(self._store, self._env, self._emulator_url())
            self._profiles = {p.name: p for p in profiles}
        return self._profiles

    def profile(self, name: str) -> ProviderProfile | None:
        """The profile called ``name``; None for a provider not configured here (imports)."""
        return self._all().get(name)

    def catalog(self, name: str) -> Catalog:
        """What ``name`` sells (the shipped catalog for a provider not configured here)."""
        if name not in self._catalogs:
            profile = self.profile(name)
            self._catalogs[name] = profile.catalog() if profile is not None else default_catalog()
        return self._catalogs[name]


def budget_cap_cents(store: SettingsSource) -> Decimal | None:
    value = store.get_setting(BUDGET_SETTING)
    return parse_cents(None if value is None else str(value))


def theme_mode(store: SettingsSource) -> str:
    value = store.get_setting(THEME_SETTING, "system")
    return value if value in ("system", "dark", "light") else "system"
