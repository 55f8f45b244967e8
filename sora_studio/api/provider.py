"""Provider profiles (where a `/v1/videos` service lives and where its key comes from) and API keys.

A profile is plain data: a name, a kind, a base URL, a key source and catalog overrides. Keys live
in an environment variable or in the OS key store through ``keyring`` (service ``sora-studio``,
user name = profile name); they are never written to the database or to logs. ``mask_key`` is the
only form in which a key may be shown.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import keyring
import keyring.errors

from sora_studio.core.capabilities import (
    GENERIC_PRESET,
    CapabilityError,
    ProviderCapabilities,
    ProviderPreset,
    preset,
)
from sora_studio.core.catalog import Catalog, catalog_for_profile, default_catalog
from sora_studio.core.errors import UserError

KEYRING_SERVICE = "sora-studio"
OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENAI_HOST = "api.openai.com"
# The SDK refuses to build a client without a key; local servers ignore it, so send a placeholder.
PLACEHOLDER_KEY = "emulator"

EMULATOR_PROFILE = "emulator"
OPENAI_PROFILE = "openai"
ENVIRONMENT_PROFILE = "environment"

PROFILE_KINDS = ("emulator", "openai", "gateway")
# A profile saved before presets existed gets the preset its kind implies.
_PRESET_FOR_KIND = {"emulator": "emulator", "openai": "openai", "gateway": GENERIC_PRESET}
_KEY_SOURCE = re.compile(r"^(none|keyring|env:[A-Za-z_][A-Za-z0-9_]*)$")
_NO_KEY_STORE = (
    "no OS key store is available on this system, so the key cannot be kept there; "
    "set the key in an environment variable instead (for example OPENAI_API_KEY) and choose "
    "'environment variable' as the key source"
)


@dataclass(frozen=True)
class ProviderProfile:
    """One configured provider. ``base_url`` is None only for the emulator (known at run time)."""

    name: str
    kind: str  # "emulator" | "openai" | "gateway"
    base_url: str | None
    key_source: str  # "none" | "env:VARNAME" | "keyring"
    catalog_overrides: dict[str, Any] = field(default_factory=dict, hash=False)
    concurrency_limit: int = 4
    long_durations: bool = False
    timeout_s: float = 30.0
    max_retries: int = 2
    retired: bool = False  # OpenAI's own Videos API: shown, but submissions are explained, not sent
    preset: str = ""  # a name from core/provider_presets.json; "" = the one ``kind`` implies
    capability_overrides: dict[str, Any] = field(default_factory=dict, hash=False)
    served_models: tuple[str, ...] = ()  # model names the server listed (Test connection)
    synchronous_timeout_s: float | None = None  # a blocking create's limit; None: the preset's

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise UserError("a provider profile needs a name")
        if not self.preset:
            object.__setattr__(self, "preset", _PRESET_FOR_KIND.get(self.kind, GENERIC_PRESET))
        try:
            self.preset_info.capabilities.with_overrides(self.capability_overrides)
        except CapabilityError as exc:
            raise UserError(f"provider {self.name!r}: {exc}") from exc
        if self.kind not in PROFILE_KINDS:
            raise UserError(
                f"provider {self.name!r}: kind must be one of {', '.join(PROFILE_KINDS)}, "
                f"got {self.kind!r}"
            )
        if not _KEY_SOURCE.match(self.key_source):
            raise UserError(
                f"provider {self.name!r}: key source must be 'none', 'keyring' or "
                f"'env:VARIABLE_NAME', got {self.key_source!r}"
            )
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UserError(
                    f"provider {self.name!r}: base URL must look like https://host/v1, "
                    f"got {self.base_url!r}"
                )
        elif self.kind != "emulator":
            raise UserError(f"provider {self.name!r}: a base URL such as https://host/v1 is needed")
        if self.concurrency_limit < 1:
            raise UserError(f"provider {self.name!r}: concurrency limit must be at least 1")
        if not self.timeout_s > 0:
            raise UserError(f"provider {self.name!r}: timeout must be a positive number of seconds")
        if self.max_retries < 0:
            raise UserError(f"provider {self.name!r}: retries cannot be negative")
        if self.synchronous_timeout_s is not None and not self.synchronous_timeout_s > 0:
            raise UserError(
                f"provider {self.name!r}: the render timeout must be a positive number of seconds"
            )

    @property
    def preset_info(self) -> ProviderPreset:
        """The shipped preset this profile starts from."""
        try:
            return preset(self.preset)
        except CapabilityError as exc:
            raise UserError(f"provider {self.name!r}: {exc}") from exc

    @property
    def capabilities(self) -> ProviderCapabilities:
        """What this server can do: the preset's capabilities with this profile's overrides."""
        return self.preset_info.capabilities.with_overrides(self.capability_overrides)

    @property
    def create_timeout_s(self) -> float:
        """How long one create call may take: long for servers that block until rendered."""
        if not self.capabilities.synchronous:
            return self.timeout_s
        if self.synchronous_timeout_s is not None:
            return self.synchronous_timeout_s
        return max(self.timeout_s, self.preset_info.synchronous_timeout_s)

    @property
    def long_durations_enabled(self) -> bool:
        """16 s and 20 s clips: always on for the emulator, a per-profile switch elsewhere."""
        return self.long_durations or self.kind == "emulator"

    @property
    def host(self) -> str | None:
        return urlsplit(self.base_url).hostname if self.base_url else None

    @property
    def is_openai(self) -> bool:
        return self.host == OPENAI_HOST

    def catalog(self) -> Catalog:
        """What this profile offers: its preset's models, or exactly the models its server
        listed (Test connection), then its own overrides."""
        return catalog_for_profile(
            default_catalog(), self.preset_info.models, self.served_models, self.catalog_overrides
        )

    def with_base_url(self, base_url: str) -> ProviderProfile:
        """A copy pointing at ``base_url`` (how the emulator's profile learns its port)."""
        return dataclasses.replace(self, base_url=base_url)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the settings file (never contains a key)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "base_url": self.base_url,
            "key_source": self.key_source,
            "catalog_overrides": dict(self.catalog_overrides),
            "concurrency_limit": self.concurrency_limit,
            "long_durations": self.long_durations,
            "timeout_s": self.timeout_s,
            "max_retries": self.max_retries,
            "retired": self.retired,
            "preset": self.preset,
            "capability_overrides": dict(self.capability_overrides),
            "served_models": list(self.served_models),
            "synchronous_timeout_s": self.synchronous_timeout_s,
        }


def profile_from_dict(data: Mapping[str, Any]) -> ProviderProfile:
    """Rebuild a profile from ``to_dict`` output; raises ``UserError`` naming a bad field."""
    try:
        return ProviderProfile(
            name=str(data["name"]),
            kind=str(data["kind"]),
            base_url=None if data.get("base_url") in (None, "") else str(data["base_url"]),
            key_source=str(data.get("key_source", "none")),
            catalog_overrides=dict(data.get("catalog_overrides") or {}),
            concurrency_limit=int(data.get("concurrency_limit", 4)),
            long_durations=bool(data.get("long_durations", False)),
            timeout_s=float(data.get("timeout_s", 30.0)),
            max_retries=int(data.get("max_retries", 2)),
            retired=bool(data.get("retired", False)),
            preset=str(data.get("preset") or ""),
            capability_overrides=dict(data.get("capability_overrides") or {}),
            served_models=tuple(str(m) for m in data.get("served_models") or ()),
            synchronous_timeout_s=(
                None
                if data.get("synchronous_timeout_s") is None
                else float(data["synchronous_timeout_s"])
            ),
        )
    except KeyError as exc:
        raise UserError(f"provider profile is missing the field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise UserError(f"provider profile has a mistyped field: {exc}") from exc


def saved_profile(record: Any) -> ProviderProfile:
    """A stored ``ProviderRecord`` as a profile, its options (timeout, retries, retired) kept."""
    data = dict(record.to_profile_dict())
    data["base_url"] = data.get("base_url") or None
    return profile_from_dict(data)


def merge_profiles(
    env: Mapping[str, str], records: Iterable[Any], emulator_base_url: str | None = None
) -> list[ProviderProfile]:
    """Built-ins first, then saved profiles (a saved one replaces a built-in of its name); the
    emulator gets the URL it listens on once it has been started."""
    by_name = {p.name: p for p in builtin_profiles(env)}
    for record in records:
        by_name[record.name] = saved_profile(record)
    result = []
    for profile in by_name.values():
        if profile.kind == "emulator" and profile.base_url is None and emulator_base_url:
            profile = profile.with_base_url(emulator_base_url)
        result.append(profile)
    return result


def choose_default_profile(profiles: Iterable[ProviderProfile], saved_choice: object) -> str:
    """The saved default; else the ``environment`` profile unless it points at a retired service
    (an ``OPENAI_API_KEY`` left in a shell must not make every render fail); else the emulator."""
    by_name = {p.name: p for p in profiles}
    if isinstance(saved_choice, str) and saved_choice in by_name:
        return saved_choice
    environment = by_name.get(ENVIRONMENT_PROFILE)
    if environment is not None and not environment.retired:
        return ENVIRONMENT_PROFILE
    return EMULATOR_PROFILE


def builtin_profiles(env: Mapping[str, str]) -> list[ProviderProfile]:
    """The profiles every install has: the emulator, OpenAI (retired for video) and, when
    ``OPENAI_BASE_URL`` and/or ``OPENAI_API_KEY`` are set, an ``environment`` profile."""
    profiles = [
        ProviderProfile(
            name=EMULATOR_PROFILE,
            kind="emulator",
            base_url=None,
            key_source="none",
            long_durations=True,
            timeout_s=15.0,
        ),
        ProviderProfile(
            name=OPENAI_PROFILE,
            kind="openai",
            base_url=OPENAI_BASE_URL,
            key_source="env:OPENAI_API_KEY",
            retired=True,
        ),
    ]
    env_url = env.get("OPENAI_BASE_URL", "").strip()
    env_key = env.get("OPENAI_API_KEY", "").strip()
    if env_url or env_key:
        base_url = env_url.rstrip("/") or OPENAI_BASE_URL
        is_openai = urlsplit(base_url).hostname == OPENAI_HOST
        profiles.append(
            ProviderProfile(
                name=ENVIRONMENT_PROFILE,
                kind="openai" if is_openai else "gateway",
                base_url=base_url,
                key_source="env:OPENAI_API_KEY" if env_key else "none",
                retired=is_openai,
            )
        )
    return profiles


def resolve_api_key(profile: ProviderProfile, env: Mapping[str, str] | None = None) -> str | None:
    """The key to send for ``profile``, or None when it has none yet.

    ``none`` gives a placeholder (local servers ignore it); ``env:NAME`` reads the variable;
    ``keyring`` asks the OS key store and treats an unavailable store as "no key".
    """
    source = profile.key_source
    if source == "none":
        return PLACEHOLDER_KEY
    if source.startswith("env:"):
        value = (os.environ if env is None else env).get(source[4:], "").strip()
        return value or None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, profile.name)
    except keyring.errors.KeyringError:
        # No usable key store: the caller reports "no key set", which tells the user what to do.
        return None
    return stored or None


def stored_secret(name: str) -> str | None:
    """The secret kept under ``name`` in the OS key store (service ``sora-studio``), or None.

    An unavailable key store reads as "nothing stored" (the team library's password then comes
    from libpq's own sources: ``PGPASSWORD``, ``~/.pgpass``).
    """
    try:
        return keyring.get_password(KEYRING_SERVICE, name) or None
    except keyring.errors.KeyringError:
        return None


def store_api_key(profile_name: str, key: str) -> None:
    """Keep ``key`` for ``profile_name`` in the OS key store; ``UserError`` when there is none."""
    key = key.strip()
    if not key:
        raise UserError("the API key is empty; paste the key from your provider's dashboard")
    if any(ch.isspace() for ch in key):
        raise UserError("the API key contains spaces or line breaks; paste only the key itself")
    try:
        keyring.set_password(KEYRING_SERVICE, profile_name, key)
    except keyring.errors.NoKeyringError as exc:
        raise UserError(_NO_KEY_STORE) from exc
    except keyring.errors.KeyringError as exc:
        raise UserError(f"the OS key store refused to save the key: {exc}") from exc


def delete_api_key(profile_name: str) -> bool:
    """Remove the stored key; False when there was none. ``UserError`` when no key store exists."""
    try:
        if keyring.get_password(KEYRING_SERVICE, profile_name) is None:
            return False
        keyring.delete_password(KEYRING_SERVICE, profile_name)
    except keyring.errors.NoKeyringError as exc:
        raise UserError(_NO_KEY_STORE) from exc
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise UserError(f"the OS key store refused to delete the key: {exc}") from exc
    return True


def mask_key(key: str | None) -> str:
    """A key as it may be shown: ``sk-...abcd`` (prefix and last four characters only)."""
    if not key:
        return "(not set)"
    prefix = key.split("-", 1)[0] + "-" if "-" in key[:8] else ""
    if len(key) <= 8:
        return f"{prefix}..."
    return f"{prefix}...{key[-4:]}"


_SECRET_PATTERNS = (
    re.compile(r"(Bearer\s+)[^\s'\",}]+", re.IGNORECASE),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"),
)


class KeyRedactingFilter(logging.Filter):
    """Masks bearer tokens and ``sk-`` keys in log records, whatever logger produced them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for pattern in _SECRET_PATTERNS:
            redacted = pattern.sub(
                lambda m: (m.group(1) if m.groups() else "") + "[redacted]", redacted
            )
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


_REDACTED_PREFIXES = ("openai", "httpx2", "httpcore", "sora_studio")


def install_key_redaction(*handlers: logging.Handler) -> None:
    """Attach ``KeyRedactingFilter`` where request headers may be logged (idempotent).

    A logger's filters only see records created on that very logger, so the filter goes on every
    logger already created under the SDK's and the app's names, and on any ``handlers`` given
    (the app passes its log handlers, which then catch records from loggers made later).
    """
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name.split(".", 1)[0] in _REDACTED_PREFIXES
    ]
    targets: list[logging.Filterer] = [logging.getLogger(n) for n in {*names, *_REDACTED_PREFIXES}]
    targets.extend(handlers)
    for target in targets:
        if not any(isinstance(f, KeyRedactingFilter) for f in target.filters):
            target.addFilter(KeyRedactingFilter())
