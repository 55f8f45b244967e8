"""Provider profiles and desk settings as the GUI thread reads and writes them.

The engine's ``ProviderRegistry`` builds SDK clients, so importing it pulls in the ``openai``
package (over a second); the desk must show its window faster than that. This module gives the
GUI the same view of the profiles (built-ins, then saved ones replacing a built-in of the same
name, the saved default) from ``api.provider`` alone, which is cheap. Keys never pass through here
except on their way into the OS key store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sora_studio.api.provider import (
    EMULATOR_PROFILE,
    ENVIRONMENT_PROFILE,
    ProviderProfile,
    builtin_profiles,
    profile_from_dict,
)
from sora_studio.services.spend import BUDGET_SETTING, parse_cents

DEFAULT_PROVIDER_SETTING = "default_provider"  # the same key services.providers reads
THEME_SETTING = "theme"
LIBRARY_SETTING = "library_folder"


class SettingsSource(Protocol):
    def list_providers(self) -> list[Any]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...


def saved_profile(record: Any) -> ProviderProfile:
    """A stored ``ProviderRecord`` as a profile (its options, e.g. timeouts, included)."""
    data = dict(record.to_profile_dict())
    data["base_url"] = data.get("base_url") or None
    return profile_from_dict(data)


def all_profiles(
    store: SettingsSource, env: Mapping[str, str], emulator_base_url: str | None = None
) -> list[ProviderProfile]:
    """Built-ins first, then saved profiles (a saved one replaces a built-in of its name)."""
    by_name = {p.name: p for p in builtin_profiles(env)}
    for record in store.list_providers():
        by_name[record.name] = saved_profile(record)
    result = []
    for profile in by_name.values():
        if profile.kind == "emulator" and profile.base_url is None and emulator_base_url:
            profile = replace(profile, base_url=emulator_base_url)
        result.append(profile)
    return result


def default_profile_name(store: SettingsSource, env: Mapping[str, str]) -> str:
    """The saved default, else the environment profile when set, else the emulator."""
    names = [p.name for p in all_profiles(store, env)]
    chosen = store.get_setting(DEFAULT_PROVIDER_SETTING)
    if isinstance(chosen, str) and chosen in names:
        return chosen
    if ENVIRONMENT_PROFILE in names:
        return ENVIRONMENT_PROFILE
    return EMULATOR_PROFILE


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


def library_root(store: SettingsSource, default: Path) -> Path:
    value = store.get_setting(LIBRARY_SETTING)
    return Path(value) if isinstance(value, str) and value.strip() else default
