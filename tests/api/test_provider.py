"""Provider profiles, key resolution and key storage (no network)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from sora_studio.api.provider import (
    KEYRING_SERVICE,
    PLACEHOLDER_KEY,
    KeyRedactingFilter,
    ProviderProfile,
    builtin_profiles,
    delete_api_key,
    install_key_redaction,
    mask_key,
    profile_from_dict,
    resolve_api_key,
    store_api_key,
)
from sora_studio.core.errors import UserError


def _by_name(profiles: list[ProviderProfile]) -> dict[str, ProviderProfile]:
    return {p.name: p for p in profiles}


def test_builtin_profiles_without_environment() -> None:
    profiles = _by_name(builtin_profiles({}))
    assert set(profiles) == {"emulator", "openai"}
    emulator = profiles["emulator"]
    assert emulator.kind == "emulator"
    assert emulator.base_url is None
    assert emulator.key_source == "none"
    assert emulator.long_durations_enabled
    openai_profile = profiles["openai"]
    assert openai_profile.base_url == "https://api.openai.com/v1"
    assert openai_profile.key_source == "env:OPENAI_API_KEY"
    assert openai_profile.retired
    assert openai_profile.is_openai
    assert not openai_profile.long_durations_enabled


def test_environment_profile_honours_base_url_and_key() -> None:
    env = {"OPENAI_BASE_URL": "http://gateway.local:4000/v1/", "OPENAI_API_KEY": "sk-test-123456"}
    profile = _by_name(builtin_profiles(env))["environment"]
    assert profile.kind == "gateway"
    assert profile.base_url == "http://gateway.local:4000/v1"
    assert profile.key_source == "env:OPENAI_API_KEY"
    assert not profile.retired
    assert resolve_api_key(profile, env) == "sk-test-123456"


def test_environment_profile_with_key_only_targets_openai_and_is_retired() -> None:
    profile = _by_name(builtin_profiles({"OPENAI_API_KEY": "sk-x"}))["environment"]
    assert profile.base_url == "https://api.openai.com/v1"
    assert profile.kind == "openai"
    assert profile.retired


def test_environment_profile_with_url_only_sends_placeholder_key() -> None:
    profile = _by_name(builtin_profiles({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}))[
        "environment"
    ]
    assert profile.key_source == "none"
    assert resolve_api_key(profile) == PLACEHOLDER_KEY


def test_env_key_missing_resolves_to_none() -> None:
    profile = ProviderProfile("gw", "gateway", "https://gw.example/v1", "env:GW_KEY")
    assert resolve_api_key(profile, {}) is None
    assert resolve_api_key(profile, {"GW_KEY": "  "}) is None


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"kind": "cloud"}, "kind must be one of"),
        ({"key_source": "file:/tmp/key"}, "key source"),
        ({"base_url": "gateway.local"}, "base URL"),
        ({"base_url": None}, "base URL"),
        ({"concurrency_limit": 0}, "concurrency"),
        ({"timeout_s": 0}, "timeout"),
        ({"max_retries": -1}, "retries"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_profiles_are_refused_with_a_clear_message(
    changes: dict[str, object], fragment: str
) -> None:
    data: dict[str, object] = {
        "name": "gw",
        "kind": "gateway",
        "base_url": "https://gw.example/v1",
        "key_source": "keyring",
    }
    data.update(changes)
    with pytest.raises(UserError, match=fragment):
        profile_from_dict(data)


def test_profile_round_trips_through_dict_and_applies_catalog_overrides() -> None:
    overrides = {"models": {"sora-2": {"price_per_second": {"720p": {"standard": "0.07"}}}}}
    profile = ProviderProfile(
        "gw", "gateway", "https://gw.example/v1", "keyring", catalog_overrides=overrides
    )
    again = profile_from_dict(profile.to_dict())
    assert again == profile
    assert str(again.catalog().price_per_second("sora-2", "1280x720")) == "0.07"
    # Untouched parts of the shipped catalog survive the merge.
    assert "sora-2-pro" in again.catalog().model_names()
    assert profile.with_base_url("http://127.0.0.1:5/v1").base_url == "http://127.0.0.1:5/v1"


def test_profile_missing_field_names_it() -> None:
    with pytest.raises(UserError, match="'kind'"):
        profile_from_dict({"name": "x"})


def test_keyring_store_resolve_delete(memory_keyring: Any) -> None:
    profile = ProviderProfile("gw", "gateway", "https://gw.example/v1", "keyring")
    assert resolve_api_key(profile) is None
    store_api_key("gw", "  sk-stored-key-9876 \n")
    assert memory_keyring.passwords[(KEYRING_SERVICE, "gw")] == "sk-stored-key-9876"
    assert resolve_api_key(profile) == "sk-stored-key-9876"
    assert delete_api_key("gw") is True
    assert delete_api_key("gw") is False
    assert resolve_api_key(profile) is None


def test_store_rejects_empty_or_spaced_keys(memory_keyring: Any) -> None:
    with pytest.raises(UserError, match="empty"):
        store_api_key("gw", "   ")
    with pytest.raises(UserError, match="spaces"):
        store_api_key("gw", "sk-a b")
    assert memory_keyring.passwords == {}


def test_no_os_key_store_gives_a_user_error(fail_keyring: None) -> None:
    with pytest.raises(UserError, match="no OS key store"):
        store_api_key("gw", "sk-abc")
    with pytest.raises(UserError, match="environment variable"):
        delete_api_key("gw")
    # Resolving simply finds no key, so the caller can say "no key set".
    profile = ProviderProfile("gw", "gateway", "https://gw.example/v1", "keyring")
    assert resolve_api_key(profile) is None


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("sk-proj-abcdefghijklmnop1234", "sk-...1234"),
        ("abcdefghijkl5678", "...5678"),
        ("sk-ab", "sk-..."),
        ("", "(not set)"),
        (None, "(not set)"),
    ],
)
def test_mask_key_shows_only_prefix_and_last_four(key: str | None, shown: str) -> None:
    assert mask_key(key) == shown


def test_log_filter_redacts_keys(caplog: pytest.LogCaptureFixture) -> None:
    install_key_redaction()
    install_key_redaction()  # idempotent
    logger = logging.getLogger("openai")
    assert sum(isinstance(f, KeyRedactingFilter) for f in logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger="openai"):
        logger.debug("headers %s", {"Authorization": "Bearer sk-secret-abcdef123456"})
        logger.debug("key is sk-secret-abcdef123456 here")
    text = caplog.text
    assert "sk-secret-abcdef123456" not in text
    assert "[redacted]" in text


def test_a_key_for_retired_openai_alone_leaves_the_emulator_as_default() -> None:
    from sora_studio.api.provider import choose_default_profile

    only_key = builtin_profiles({"OPENAI_API_KEY": "sk-left-in-a-shell"})
    assert choose_default_profile(only_key, None) == "emulator"
    gateway = builtin_profiles(
        {"OPENAI_API_KEY": "sk-gw", "OPENAI_BASE_URL": "https://gateway.example/v1"}
    )
    assert choose_default_profile(gateway, None) == "environment"
    assert choose_default_profile(gateway, "openai") == "openai"
    assert choose_default_profile(gateway, "no-such-profile") == "environment"
