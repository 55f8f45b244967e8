"""Compatibility modes: the emulator speaking ``/v1/videos`` the way a real server does.

``openai`` (the default) is the official contract served by ``emulator.server`` unchanged. Every
other mode is one module that reproduces, from that server's source, how it deviates: its route
table, request parsing, response shapes and error bodies. The server asks ``build_mode`` for the
mode once, at start, and plugs it in through three seams: the routes, the error shaping of
``ApiError``/unknown paths, and the middleware's auth and header rules.
"""

from __future__ import annotations

from sora_studio.emulator.compat.base import CompatContext, CompatError, CompatMode
from sora_studio.emulator.faults import COMPAT_MODES, EmulatorSettings

__all__ = ["COMPAT_MODES", "CompatContext", "CompatError", "CompatMode", "build_mode"]


def build_mode(settings: EmulatorSettings) -> CompatMode | None:
    """The mode ``settings.compat`` names, or None for the official contract."""
    name = settings.compat
    if name == "openai":
        return None
    if name == "litellm":
        from sora_studio.emulator.compat.litellm import LiteLLMMode

        return LiteLLMMode(settings)
    if name == "sglang":
        from sora_studio.emulator.compat.sglang import SGLangMode

        return SGLangMode(settings)
    if name == "vllm-omni":
        from sora_studio.emulator.compat.vllm_omni import VLLMOmniMode

        return VLLMOmniMode(settings)
    if name == "dynamo":
        from sora_studio.emulator.compat.dynamo import DynamoMode

        return DynamoMode(settings)
    raise ValueError(f"unknown compatibility mode {name!r}; use one of {', '.join(COMPAT_MODES)}")
