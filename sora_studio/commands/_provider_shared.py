"""What every ``sora-studio providers`` action shares: opening the registry, finding a profile by
name, and saying where a key lives and what a provider can do, in words.

Keys are never shown whole: ``key_text`` gives only the masked form (``sk-...abcd``).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sora_studio.api.provider import ProviderProfile
    from sora_studio.core.capabilities import ProviderCapabilities
    from sora_studio.paths import AppPaths
    from sora_studio.services.providers import ProviderRegistry
    from sora_studio.storage.repository import Repository

EXIT_OK = 0
EXIT_PROBLEM = 1  # providers test: the server could not be reached or refused the key
BUILT_IN_NOTE = "built in, started when a command needs it"


@contextmanager
def opened_library(args: argparse.Namespace) -> Iterator[tuple[AppPaths, Repository]]:
    """The library's paths and database for one action; the database is closed after."""
    from sora_studio.commands._repository import open_repository

    paths, repo = open_repository(args)
    try:
        yield paths, repo
    finally:
        repo.close()


def registry_of(repo: Repository) -> ProviderRegistry:
    from sora_studio.services.providers import ProviderRegistry

    return ProviderRegistry(repo, env=os.environ)


def profile_named(registry: ProviderRegistry, name: str) -> ProviderProfile:
    from sora_studio.commands._context import chosen_provider

    chosen_provider(registry, name)  # the CLI's wording for an unknown name
    return registry.profile(name)


def saved_names(repo: Repository) -> set[str]:
    return {record.name for record in repo.list_providers()}


def key_text(profile: ProviderProfile) -> tuple[str, str | None]:
    """(where the key lives, for people; the masked key or None): never the key itself."""
    from sora_studio.api.provider import mask_key, resolve_api_key

    source = profile.key_source
    if source == "none":
        return "no key", None
    masked = mask_key(resolve_api_key(profile, os.environ))
    shown = None if masked == mask_key(None) else masked
    if source.startswith("env:"):
        return f"${source[4:]} {masked}", shown
    return f"OS key store {masked}", shown


def capability_summary(caps: ProviderCapabilities) -> dict[str, str]:
    """The capabilities people ask about first, in words (``providers list``)."""
    previews = all(caps.serves_variant(v) for v in ("thumbnail", "spritesheet"))
    return {
        "list": "yes" if caps.list_videos else "no (each job polled by id)",
        "delete": "yes" if caps.delete else "no (the provider keeps its copy)",
        "previews": "served" if previews else "made locally",
        "body": caps.body_format.value,
        "operations": ", ".join(sorted(f.value for f in caps.features)) or "none",
        "sync": "synchronous (create blocks until done)" if caps.synchronous else "asynchronous",
    }


def json_value(value: Any) -> str:
    """A capability value for people: lists joined, booleans as JSON, the rest as text."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return json.dumps(value) if isinstance(value, bool) else str(value)
