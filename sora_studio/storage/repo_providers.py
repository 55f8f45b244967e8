"""Provider profiles: how to reach a provider and where its key lives, never the key itself.

There is no column for a key anywhere in the schema. As a second guard, a value that looks like
a pasted secret (``sk-...``) or an option named like one (``api_key``, ``token``) is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import Row

# Prefixes OpenAI-style secrets start with, so a key pasted into the wrong field is refused.
_SECRET_LOOKING = re.compile(r"^\s*(sk|sess|rk)-", re.IGNORECASE)
_SECRET_NAMES = re.compile(r"(^|_)(key|api_key|apikey|secret|token|password)$", re.IGNORECASE)

# Fields of a profile dict (``api.provider.ProviderProfile.to_dict()``) that have columns;
# everything else in such a dict is kept in ``options``.
_COLUMN_FIELDS = (
    "name",
    "kind",
    "base_url",
    "key_source",
    "catalog_override",
    "catalog_overrides",
    "concurrency_limit",
    "long_durations",
)


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    """A stored provider profile: how to reach it and where its key lives (not the key)."""

    name: str
    kind: str
    base_url: str | None
    key_source: str
    catalog_override: dict[str, Any] | None = None
    concurrency_limit: int = 2
    long_durations: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0

    def to_profile_dict(self) -> dict[str, Any]:
        """The shape ``api.provider.profile_from_dict`` reads (options spread at top level)."""
        return {
            **self.options,
            "name": self.name,
            "kind": self.kind,
            "base_url": self.base_url,
            "key_source": self.key_source,
            "catalog_overrides": dict(self.catalog_override or {}),
            "concurrency_limit": self.concurrency_limit,
            "long_durations": self.long_durations,
        }


def _provider_from_row(row: Row) -> ProviderRecord:
    override = row["catalog_override"]
    return ProviderRecord(
        name=row["name"],
        kind=row["kind"],
        base_url=row["base_url"],
        key_source=row["key_source"],
        catalog_override=json.loads(override) if override else None,
        concurrency_limit=int(row["concurrency_limit"]),
        long_durations=bool(row["long_durations"]),
        options=json.loads(row["options"] or "{}"),
        created_at=float(row["created_at"]),
    )


def _refuse_secrets(key_source: str, options: Mapping[str, Any]) -> None:
    if _SECRET_LOOKING.match(key_source):
        raise UserError(
            "the key source says where the API key lives (for example 'env:OPENAI_API_KEY' "
            "or 'keyring'), not the key itself; keys are never saved in the library"
        )
    for name, value in options.items():
        if _SECRET_NAMES.search(name) or (isinstance(value, str) and _SECRET_LOOKING.match(value)):
            raise UserError(
                f"provider option {name!r} looks like an API key; keys are never saved in the "
                "library: keep the key in an environment variable or the system key store"
            )


def _check_provider(
    name: str, key_source: str, options: Mapping[str, Any], concurrency_limit: int
) -> None:
    if not name.strip():
        raise UserError("a provider profile needs a name")
    _refuse_secrets(key_source, options)
    if concurrency_limit < 1:
        raise UserError(f"concurrency limit must be at least 1, got {concurrency_limit}")


def _provider_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    """``upsert_provider``'s arguments from a ``ProviderProfile.to_dict()`` mapping."""
    if "name" not in data or "kind" not in data:
        raise UserError("a provider profile needs at least a name and a kind")
    override = data.get("catalog_overrides", data.get("catalog_override"))
    return {
        "name": str(data["name"]),
        "kind": str(data["kind"]),
        "base_url": None if data.get("base_url") in (None, "") else str(data["base_url"]),
        "key_source": str(data.get("key_source", "none")),
        "catalog_override": dict(override) if override else None,
        "concurrency_limit": int(data.get("concurrency_limit", 2)),
        "long_durations": bool(data.get("long_durations", False)),
        "options": {k: v for k, v in data.items() if k not in _COLUMN_FIELDS},
    }


def check_provider_dict(data: Mapping[str, Any]) -> None:
    """Raise the ``UserError`` that :meth:`ProvidersRepo.upsert_provider_dict` would, writing
    nothing: a form checks what it is about to save before it closes."""
    columns = _provider_columns(data)
    _check_provider(
        columns["name"], columns["key_source"], columns["options"], columns["concurrency_limit"]
    )


class ProvidersRepo(RepoBase):
    """Provider profile rows."""

    def upsert_provider(
        self,
        name: str,
        *,
        kind: str,
        base_url: str | None,
        key_source: str,
        catalog_override: Mapping[str, Any] | None = None,
        concurrency_limit: int = 2,
        long_durations: bool = False,
        options: Mapping[str, Any] | None = None,
    ) -> ProviderRecord:
        """Save a profile. ``key_source`` names where the key lives, e.g. ``env:OPENAI_API_KEY``.

        ``options`` holds JSON-ready extras (timeouts, retries); ``created_at`` survives updates.
        """
        extras = dict(options or {})
        _check_provider(name, key_source, extras, concurrency_limit)
        override = None if catalog_override is None else json.dumps(dict(catalog_override))
        self.db.execute(
            """
            INSERT INTO providers (name, kind, base_url, key_source, catalog_override,
                                   concurrency_limit, long_durations, options, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET
                kind = excluded.kind, base_url = excluded.base_url,
                key_source = excluded.key_source, catalog_override = excluded.catalog_override,
                concurrency_limit = excluded.concurrency_limit,
                long_durations = excluded.long_durations, options = excluded.options
            """,
            [
                name,
                kind,
                base_url,
                key_source,
                override,
                concurrency_limit,
                int(long_durations),
                json.dumps(extras, sort_keys=True),
                self._now(),
            ],
        )
        provider = self.get_provider(name)
        assert provider is not None
        return provider

    def upsert_provider_dict(self, data: Mapping[str, Any]) -> ProviderRecord:
        """Save a profile given as ``ProviderProfile.to_dict()`` (unknown fields go to options)."""
        columns = _provider_columns(data)
        return self.upsert_provider(columns.pop("name"), **columns)

    def get_provider(self, name: str) -> ProviderRecord | None:
        row = self._one("SELECT * FROM providers WHERE name = ?", [name])
        return None if row is None else _provider_from_row(row)

    def require_provider_dict(self, name: str) -> dict[str, Any]:
        """A stored profile in ``ProviderProfile.to_dict()`` shape; UserError if there is none."""
        provider = self.get_provider(name)
        if provider is None:
            raise UserError(f"no provider profile named {name!r}")
        return provider.to_profile_dict()

    def list_providers(self) -> list[ProviderRecord]:
        return [_provider_from_row(r) for r in self._all("SELECT * FROM providers ORDER BY name")]

    def delete_provider(self, name: str) -> None:
        cursor = self.db.execute("DELETE FROM providers WHERE name = ?", [name])
        if cursor.rowcount == 0:
            raise UserError(f"no provider profile named {name!r}")
