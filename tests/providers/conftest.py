"""Fixtures for tests against real provider software: a LiteLLM proxy in front of the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.litellm_proxy import LiteLLMProxy, litellm_proxy

__all__ = ["litellm_proxy", "proxy"]


@pytest.fixture
def proxy(litellm_proxy: LiteLLMProxy) -> Iterator[LiteLLMProxy]:
    """The session's proxy, with the emulator's faults put back after the test."""
    try:
        yield litellm_proxy
    finally:
        litellm_proxy.reset_faults()
