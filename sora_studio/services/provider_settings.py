"""Provider profiles as the desk shows and edits them: the providers part of the service facade.

What Settings › Providers and the review area need, without the widgets reaching into ``api``:
the profiles (built-ins merged with the saved ones, the same choice of default the engine makes),
each provider's catalog and what its server refuses (:class:`ProfileBook`), the OS key store
(store a key, show it masked), a profile checked before it is saved, and "Test connection".

Nothing here loads the ``openai`` SDK at import time (about a second): the probe imports it
inside :func:`probe_connection`, which the desk runs on a pool thread. Keys never reach the
database; they go from the password field straight into the OS key store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from sora_studio.api.provider import (
    EMULATOR_PROFILE,
    ProviderProfile,
    choose_default_profile,
    mask_key,
    merge_profiles,
    profile_from_dict,
    resolve_api_key,
    store_api_key,
)
from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.services.capability_checks import FEATURE_FOR_OPERATION, refusal
from sora_studio.services.setting_keys import default_provider_name
from sora_studio.storage.repo_providers import check_provider_dict

if TYPE_CHECKING:
    from sora_studio.api.probe import ProbeReport

__all__ = [
    "EMULATOR_PROFILE",
    "FEATURE_FOR_OPERATION",
    "KeyStore",
    "ProbeReport",
    "ProfileBook",
    "ProviderProfile",
    "SettingsSource",
    "all_profiles",
    "check_profile",
    "default_profile_name",
    "mask_key",
    "masked_stored_key",
    "probe_connection",
    "profile_from_dict",
    "profile_named",
    "refusal",
    "resolve_key",
    "store_key",
]

# (profile name, key) -> None; raises UserError when the key cannot be kept.
KeyStore = Callable[[str, str], None]


class SettingsSource(Protocol):
    """What profiles and desk settings are read from (a ``LibraryView``)."""

    def list_providers(self) -> list[Any]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...


# --- profiles ------------------------------------------------------------------------------


def all_profiles(
    store: SettingsSource, env: Mapping[str, str], emulator_base_url: str | None = None
) -> list[ProviderProfile]:
    """Built-ins first, then saved profiles (a saved one replaces a built-in of its name)."""
    return merge_profiles(env, store.list_providers(), emulator_base_url)


def default_profile_name(store: SettingsSource, env: Mapping[str, str]) -> str:
    """The same choice the engine makes (``api.provider.choose_default_profile``)."""
    return choose_default_profile(all_profiles(store, env), default_provider_name(store))


def profile_named(
    store: SettingsSource, env: Mapping[str, str], name: str, emulator_base_url: str | None = None
) -> ProviderProfile:
    """The profile called ``name``, else the first one (the emulator's)."""
    profiles = all_profiles(store, env, emulator_base_url)
    for profile in profiles:
        if profile.name == name:
            return profile
    return profiles[0]


def check_profile(profile: ProviderProfile) -> dict[str, Any]:
    """The mapping Settings saves for ``profile``; ``UserError`` for one the library refuses.

    Checked before the dialog closes, so a refusal is shown beside the form, not after it.
    """
    data = profile.to_dict()
    if profile.kind == "emulator":
        data["base_url"] = None  # where this run's emulator listens is not kept
    check_provider_dict(data)
    return data


class ProfileBook:
    """Each provider's profile and catalog by name, read once until :meth:`clear`.

    A clip's actions are worked out every time it is shown or updated; reading the profiles
    from the library each time would be a query and a catalog build per progress tick.
    ``emulator_url`` says where the built-in emulator listens once it has started. Used on the
    GUI thread, with the GUI's ``LibraryView``.
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


# --- keys ----------------------------------------------------------------------------------


def store_key(profile_name: str, key: str) -> None:
    """Keep ``key`` for ``profile_name`` in the OS key store; ``UserError`` says why not."""
    store_api_key(profile_name, key)


def resolve_key(profile: ProviderProfile, env: Mapping[str, str] | None = None) -> str | None:
    """The key ``profile`` would send (environment or OS key store), or None without one."""
    return resolve_api_key(profile, env)


def masked_stored_key(profile_name: str) -> str:
    """The key kept in the OS key store for ``profile_name``, masked (``sk-...abcd``)."""
    probe = ProviderProfile(
        name=profile_name, kind="gateway", base_url="https://x/v1", key_source="keyring"
    )
    return mask_key(resolve_api_key(probe))


# --- Test connection -----------------------------------------------------------------------


def probe_connection(profile: ProviderProfile, api_key: str | None) -> ProbeReport:
    """Probe ``profile``'s server with safe, free GETs. Loads the SDK: call it off the GUI thread.

    Raises ``UserError`` with what to do (no key set, the emulator not started yet).
    """
    from sora_studio.api.probe import probe_provider

    if profile.base_url is None:
        raise UserError("the built-in emulator is not running yet; try again in a moment")
    try:
        return probe_provider(profile, api_key)
    except ProviderError as exc:  # no key set: say what to do, like the CLI
        raise UserError(exc.message) from exc
