"""``sora-studio providers``: list, inspect, test, add and remove providers, and pick the default.

The same profiles Settings > Providers edits, in the same database: built-ins (the emulator,
OpenAI, and ``environment`` when ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` are set) and saved ones.
A profile starts from a preset (what kind of server it is: LiteLLM, SGLang Diffusion, vLLM-Omni,
Dynamo, a generic /v1/videos server); ``providers test`` asks the server with safe, free GETs
what it really does and ``--apply`` keeps what it found as the profile's overrides.

Keys are never printed whole (only ``sk-...abcd``) and never written to the database: ``add
--key-stdin`` puts the key in the OS key store, ``--key-env VAR`` names the variable to read.
Bad input (an unknown preset or provider, a malformed URL) is one line saying what to do, exit
status 2, and nothing is written.

This module only declares the actions; each action's work lives in a module of its own:
``_provider_listing`` (list, show), ``_provider_probe`` (test) and ``_provider_changes`` (add,
set-default, remove).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeAlias

from sora_studio.commands._provider_changes import (
    new_profile,
    run_add,
    run_remove,
    run_set_default,
)
from sora_studio.commands._provider_listing import capability_sources, run_list, run_show
from sora_studio.commands._provider_probe import TEST_EPILOG, applied_profile, run_test
from sora_studio.commands._provider_shared import capability_summary, key_text

__all__ = [
    "applied_profile",
    "capability_sources",
    "capability_summary",
    "key_text",
    "new_profile",
    "register",
]

PROVIDERS_DESCRIPTION = (
    "The providers renders are sent to: the same profiles as Settings > Providers. A profile "
    "starts from a preset (litellm, sglang, vllm-omni, dynamo, generic, emulator, openai); "
    "'providers test NAME' asks the server what it really supports (safe, free GETs) and "
    "--apply keeps what it found. Keys are only ever shown masked and never written to the "
    "database. Bad input is one line saying what to do, exit status 2, nothing written."
)
PRESETS = "litellm, sglang, vllm-omni, dynamo, generic, emulator, openai"

# A string: argparse's class cannot be subscripted at run time.
Actions: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _action(
    actions: Actions,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    named: bool = True,
    json: bool = False,
    **parser_options: Any,
) -> argparse.ArgumentParser:
    """One action's parser: its NAME argument and ``--json`` where it has them."""
    parser = actions.add_parser(name, **parser_options)
    if named:
        parser.add_argument("name", metavar="NAME")
    if json:
        parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.set_defaults(handler=handler)
    return parser


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "providers",
        help="list, test, add or remove providers (where renders are sent)",
        description=PROVIDERS_DESCRIPTION,
    )
    actions = parser.add_subparsers(dest="providers_command", metavar="ACTION", required=True)
    _action(
        actions,
        "list",
        run_list,
        named=False,
        json=True,
        help="every provider: preset, URL, key (masked), default, capabilities",
    )
    _action(
        actions,
        "show",
        run_show,
        json=True,
        help="one provider in full, saying which capabilities are overridden",
        description="Every field of provider NAME; each capability says whether it comes from "
        "the preset or is overridden (by Test connection or by hand).",
    )
    test = _action(
        actions,
        "test",
        run_test,
        help="ask the server what it supports (safe, free GETs only)",
        description="Probe provider NAME: GET /models, GET /videos?limit=1 and a GET of a video "
        "id that cannot exist. Nothing is created or deleted, nothing is charged. Prints every "
        "step and the capabilities found; --apply saves them into the profile.",
        epilog=TEST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument(
        "--apply",
        action="store_true",
        help="save the capabilities found (as overrides) and the video models it serves",
    )
    test.add_argument("--json", action="store_true", help="print machine-readable results")
    _add_options(
        _action(
            actions,
            "add",
            run_add,
            help="add a provider from a preset",
            description="Save a provider profile NAME of preset P at URL. Presets: emulator, "
            "openai, litellm, sglang, vllm-omni, dynamo, generic (see 'providers show' after).",
        )
    )
    _action(actions, "set-default", run_set_default, help="send new renders to provider NAME")
    _action(
        actions,
        "remove",
        run_remove,
        help="remove a saved provider (and its key in the OS key store)",
        description="Remove the saved provider NAME. Refused while jobs of it are unfinished "
        "(finish them with 'sora-studio sync'); built-in providers cannot be removed.",
    )


def _add_options(add: argparse.ArgumentParser) -> None:
    add.add_argument("--preset", required=True, metavar="P", help=f"the kind of server: {PRESETS}")
    add.add_argument(
        "--base-url",
        metavar="URL",
        help="the API's base URL, e.g. http://127.0.0.1:4000/v1 (default: the preset's, "
        "where it has one)",
    )
    key = add.add_mutually_exclusive_group(required=True)
    key.add_argument("--key-env", metavar="VAR", help="read the key from environment variable VAR")
    key.add_argument(
        "--key-stdin",
        action="store_true",
        help="read the key from stdin (prompted, hidden, on a terminal) into the OS key store",
    )
    key.add_argument("--no-key", action="store_true", help="the server needs no key")
    add.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="renders sent at a time (default: the preset's)",
    )
    add.add_argument("--default", action="store_true", help="make it the default provider")
