"""``providers add``, ``set-default`` and ``remove``: the actions that change the saved profiles.

Input is checked in full before anything is written: a bad preset, name or URL is one line
saying what to do (``UserError``, exit status 2) and leaves the library as it was. A key read
with ``--key-stdin`` goes to the OS key store, never into the database.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sora_studio.commands._provider_shared import (
    EXIT_OK,
    key_text,
    opened_library,
    profile_named,
    registry_of,
)
from sora_studio.core.errors import UserError

if TYPE_CHECKING:
    from sora_studio.api.provider import ProviderProfile

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _read_key(name: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"API key for {name} (hidden): ")
    return sys.stdin.read()


def new_profile(
    name: str,
    *,
    preset_name: str,
    base_url: str | None,
    key_source: str,
    concurrency: int | None,
    existing: Mapping[str, object],
) -> ProviderProfile:
    """The profile ``providers add`` saves, checked field by field (``UserError`` says what)."""
    from sora_studio.api.provider import ProviderProfile
    from sora_studio.core.capabilities import CapabilityError, preset

    name = name.strip()
    if not name:
        raise UserError("a provider needs a name, e.g. 'sora-studio providers add litellm ...'")
    if name in existing:
        raise UserError(
            f"a provider named {name!r} already exists; choose another name, or remove it first "
            f"with 'sora-studio providers remove {name}'"
        )
    try:
        info = preset(preset_name)
    except CapabilityError as exc:
        raise UserError(f"{exc} (--preset)") from exc
    url = (base_url or info.default_base_url).strip().rstrip("/")
    if not url:
        raise UserError(
            f"the {info.label} preset has no usual address: give --base-url, e.g. "
            "http://127.0.0.1:8000/v1"
        )
    if concurrency is not None and concurrency < 1:
        raise UserError("--concurrency must be at least 1")
    return ProviderProfile(
        name=name,
        kind="openai" if info.name == "openai" else "gateway",
        base_url=url,
        key_source=key_source,
        concurrency_limit=concurrency if concurrency is not None else info.concurrency_limit,
        timeout_s=info.timeout_s,
        preset=info.name,
    )


def _key_source(args: argparse.Namespace) -> str:
    """Where ``providers add`` is told the key lives: ``env:VAR``, ``keyring`` or ``none``."""
    if args.key_env is not None:
        if not _ENV_NAME.match(args.key_env):
            raise UserError(
                f"--key-env needs an environment variable name such as LITELLM_API_KEY, "
                f"got {args.key_env!r}"
            )
        return f"env:{args.key_env}"
    return "keyring" if args.key_stdin else "none"


def run_add(args: argparse.Namespace) -> int:
    from sora_studio.api.provider import store_api_key
    from sora_studio.services.setting_keys import DEFAULT_PROVIDER_SETTING

    key_source = _key_source(args)
    with opened_library(args) as (_, repo):
        profile = new_profile(
            args.name,
            preset_name=args.preset,
            base_url=args.base_url,
            key_source=key_source,
            concurrency=args.concurrency,
            existing=dict.fromkeys(registry_of(repo).names()),
        )
        if args.key_stdin:
            # Before the profile is saved: a refused key (or no key store) leaves nothing behind.
            try:
                store_api_key(profile.name, _read_key(profile.name))
            except UserError as exc:
                raise UserError(f"{exc} (here: --key-env VAR); nothing was saved") from exc
        repo.upsert_provider_dict(profile.to_dict())
        if args.default:
            repo.set_setting(DEFAULT_PROVIDER_SETTING, profile.name)
    where, _ = key_text(profile)
    print(
        f"added provider {profile.name} ({profile.preset_info.label}) at {profile.base_url}; "
        f"key: {where}{'; now the default' if args.default else ''}"
    )
    if args.key_env is not None and not os.environ.get(args.key_env, "").strip():
        print(f"note: ${args.key_env} is not set in this shell; set it before rendering")
    print(f"check what it supports with 'sora-studio providers test {profile.name}'")
    return EXIT_OK


def run_set_default(args: argparse.Namespace) -> int:
    from sora_studio.services.setting_keys import DEFAULT_PROVIDER_SETTING

    with opened_library(args) as (_, repo):
        profile = profile_named(registry_of(repo), args.name)
        if profile.retired:
            raise UserError(
                f"{profile.name!r} is retired for video (renders there are refused); choose "
                "another provider"
            )
        repo.set_setting(DEFAULT_PROVIDER_SETTING, profile.name)
    print(f"default provider: {profile.name}")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    from sora_studio.api.provider import delete_api_key
    from sora_studio.services.engine import NON_TERMINAL
    from sora_studio.services.setting_keys import DEFAULT_PROVIDER_SETTING

    notes: list[str] = []
    name = args.name
    with opened_library(args) as (_, repo):
        registry = registry_of(repo)
        if repo.get_provider(name) is None:
            profile_named(registry, name)  # unknown: the usual "choose one of" line
            raise UserError(f"{name!r} is built in and cannot be removed")
        profile = registry.profile(name)
        busy = [j.id for j in repo.jobs_in_status(*NON_TERMINAL) if j.provider == name]
        if busy:
            raise UserError(
                f"provider {name!r} still has unfinished job {', '.join(map(str, busy))}; "
                "finish them first ('sora-studio sync') or cancel them in the desk"
            )
        was_default = repo.get_setting(DEFAULT_PROVIDER_SETTING) == name
        repo.delete_provider(name)
        if was_default:
            repo.delete_setting(DEFAULT_PROVIDER_SETTING)
        if profile.key_source == "keyring":
            try:
                if delete_api_key(name):
                    notes.append("its key was removed from the OS key store")
            except UserError as exc:
                notes.append(f"its key could not be removed from the OS key store: {exc}")
        if name in registry_of(repo).names():
            notes.append(f"the built-in {name!r} profile is used again")
        if was_default:
            notes.append(f"the default provider is now {registry_of(repo).default_name()}")
    print(f"removed provider {name}")
    for note in notes:
        print(note)
    return EXIT_OK
