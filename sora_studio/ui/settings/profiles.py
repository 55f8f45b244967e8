"""Provider profiles and desk settings as the GUI thread reads and writes them.

The profile listing and the default choice come from ``api.provider``, the same functions the
engine's registry uses, without loading the SDK (which takes about a second). Keys never pass
through here except on their way into the OS key store.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from sora_studio.api.provider import (
    ProviderProfile,
    choose_default_profile,
    merge_profiles,
)
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


def budget_cap_cents(store: SettingsSource) -> Decimal | None:
    value = store.get_setting(BUDGET_SETTING)
    return parse_cents(None if value is None else str(value))


def theme_mode(store: SettingsSource) -> str:
    value = store.get_setting(THEME_SETTING, "system")
    return value if value in ("system", "dark", "light") else "system"
