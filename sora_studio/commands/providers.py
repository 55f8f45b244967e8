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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sora_studio.core.errors import UserError

if TYPE_CHECKING:
    from sora_studio.api.probe import ProbeReport
    from sora_studio.api.provider import ProviderProfile
    from sora_studio.core.capabilities import ProviderCapabilities
    from sora_studio.services.providers import ProviderRegistry
    from sora_studio.storage.repository import Repository

EXIT_OK = 0
EXIT_PROBLEM = 1  # providers test: the server could not be reached or refused the key

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BUILT_IN_NOTE = "built in, started when a command needs it"

PROVIDERS_DESCRIPTION = (
    "The providers renders are sent to: the same profiles as Settings > Providers. A profile "
    "starts from a preset (litellm, sglang, vllm-omni, dynamo, generic, emulator, openai); "
    "'providers test NAME' asks the server what it really supports (safe, free GETs) and "
    "--apply keeps what it found. Keys are only ever shown masked and never written to the "
    "database. Bad input is one line saying what to do, exit status 2, nothing written."
)
TEST_EPILOG = """\
exit status:
  0  the server answered and accepted the key (whatever it supports)
  1  the server could not be reached, or it refused the key
  2  bad input: no such provider, or no key set for it
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "providers",
        help="list, test, add or remove providers (where renders are sent)",
        description=PROVIDERS_DESCRIPTION,
    )
    actions = parser.add_subparsers(dest="providers_command", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list", help="every provider: preset, URL, key (masked), default, capabilities"
    )
    listing.add_argument("--json", action="store_true", help="print machine-readable results")
    listing.set_defaults(handler=run_list)

    show = actions.add_parser(
        "show",
        help="one provider in full, saying which capabilities are overridden",
        description="Every field of provider NAME; each capability says whether it comes from "
        "the preset or is overridden (by Test connection or by hand).",
    )
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print machine-readable results")
    show.set_defaults(handler=run_show)

    test = actions.add_parser(
        "test",
        help="ask the server what it supports (safe, free GETs only)",
        description="Probe provider NAME: GET /models, GET /videos?limit=1 and a GET of a video "
        "id that cannot exist. Nothing is created or deleted, nothing is charged. Prints every "
        "step and the capabilities found; --apply saves them into the profile.",
        epilog=TEST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument("name", metavar="NAME")
    test.add_argument(
        "--apply",
        action="store_true",
        help="save the capabilities found (as overrides) and the video models it serves",
    )
    test.add_argument("--json", action="store_true", help="print machine-readable results")
    test.set_defaults(handler=run_test)

    add = actions.add_parser(
        "add",
        help="add a provider from a preset",
        description="Save a provider profile NAME of preset P at URL. Presets: emulator, "
        "openai, litellm, sglang, vllm-omni, dynamo, generic (see 'providers show' after).",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--preset",
        required=True,
        metavar="P",
        help="the kind of server: litellm, sglang, vllm-omni, dynamo, generic, emulator, openai",
    )
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
    add.set_defaults(handler=run_add)

    default = actions.add_parser("set-default", help="send new renders to provider NAME")
    default.add_argument("name", metavar="NAME")
    default.set_defaults(handler=run_set_default)

    remove = actions.add_parser(
        "remove",
        help="remove a saved provider (and its key in the OS key store)",
        description="Remove the saved provider NAME. Refused while jobs of it are unfinished "
        "(finish them with 'sora-studio sync'); built-in providers cannot be removed.",
    )
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=run_remove)


# -- shared ----------------------------------------------------------------------------------


def _registry(repo: Repository) -> ProviderRegistry:
    from sora_studio.services.providers import ProviderRegistry

    return ProviderRegistry(repo, env=os.environ)


def _profile(registry: ProviderRegistry, name: str) -> ProviderProfile:
    from sora_studio.commands._context import chosen_provider

    chosen_provider(registry, name)  # the CLI's wording for an unknown name
    return registry.profile(name)


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


def _url_text(profile: ProviderProfile) -> str:
    return profile.base_url or _BUILT_IN_NOTE


def _saved_names(repo: Repository) -> set[str]:
    return {record.name for record in repo.list_providers()}


# -- list ------------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository

    _, repo = open_repository(args)
    try:
        registry = _registry(repo)
        default = registry.default_name()
        saved = _saved_names(repo)
        rows: list[dict[str, Any]] = []
        for profile in registry.profiles():
            where, masked = key_text(profile)
            rows.append(
                {
                    "name": profile.name,
                    "default": profile.name == default,
                    "preset": profile.preset,
                    "preset_label": profile.preset_info.label,
                    "kind": profile.kind,
                    "base_url": profile.base_url,
                    "key_source": profile.key_source,
                    "key": masked,
                    "key_text": where,
                    "retired": profile.retired,
                    "saved": profile.name in saved,
                    "summary": capability_summary(profile.capabilities),
                    "capabilities": profile.capabilities.to_dict(),
                }
            )
    finally:
        repo.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    label_width = max(len(r["preset_label"]) for r in rows)
    for row in rows:
        mark = "*" if row["default"] else " "
        retired = "  [retired]" if row["retired"] else ""
        print(
            f"{mark} {row['name']:<{width}}  {row['preset_label']:<{label_width}}  "
            f"{row['base_url'] or _BUILT_IN_NOTE}  key: {row['key_text']}{retired}"
        )
        s = row["summary"]
        print(
            f"  {'':<{width}}  list: {s['list']}; delete: {s['delete']}; previews: "
            f"{s['previews']}; body: {s['body']}; {s['sync']}; operations: {s['operations']}"
        )
    print("(* = default; change it with 'sora-studio providers set-default NAME')")
    return EXIT_OK


# -- show ------------------------------------------------------------------------------------


def capability_sources(profile: ProviderProfile) -> dict[str, dict[str, Any]]:
    """Each capability field: its value, the preset's, and whether the profile overrides it."""
    mine = profile.capabilities.to_dict()
    preset_values = profile.preset_info.capabilities.to_dict()
    overridden = set(profile.capability_overrides)
    return {
        name: {
            "value": value,
            "source": "override" if name in overridden else "preset",
            "preset_value": preset_values[name],
        }
        for name, value in mine.items()
    }


def _json_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return json.dumps(value) if isinstance(value, bool) else str(value)


def run_show(args: argparse.Namespace) -> int:
    from sora_studio.commands._repository import open_repository

    _, repo = open_repository(args)
    try:
        registry = _registry(repo)
        profile = _profile(registry, args.name)
        is_default = registry.default_name() == profile.name
        saved = profile.name in _saved_names(repo)
    finally:
        repo.close()
    where, masked = key_text(profile)
    info = profile.preset_info
    caps = capability_sources(profile)
    if args.json:
        data = {
            "profile": profile.to_dict(),
            "default": is_default,
            "saved": saved,
            "key": masked,
            "key_text": where,
            "preset": {
                "name": info.name,
                "label": info.label,
                "description": info.description,
                "notes": list(info.notes),
            },
            "capabilities": caps,
        }
        print(json.dumps(data, indent=2))
        return EXIT_OK
    sync_limit = (
        f"{profile.create_timeout_s:g} s per render" if profile.capabilities.synchronous else "-"
    )
    lines = [
        f"{profile.name}{'  (default)' if is_default else ''}"
        f"{'' if saved else '  (built in)'}{'  [retired for video]' if profile.retired else ''}",
        f"  preset        {info.label} ({info.name}): {info.description}",
        f"  base URL      {_url_text(profile)}",
        f"  key           {where}",
        f"  concurrency   {profile.concurrency_limit} at a time",
        f"  timeouts      {profile.timeout_s:g} s per request, {profile.max_retries} retries; "
        f"blocking create: {sync_limit}",
        f"  long clips    {'on' if profile.long_durations_enabled else 'off'}",
        f"  served models {', '.join(profile.served_models) or '(not listed; the preset catalog)'}",
    ]
    lines += [f"  note          {note}" for note in info.notes]
    lines.append("  capabilities (value, then where it comes from):")
    width = max(len(name) for name in caps)
    for name, entry in caps.items():
        source = (
            f"overridden (preset: {_json_value(entry['preset_value'])})"
            if entry["source"] == "override"
            else "preset"
        )
        lines.append(f"    {name:<{width}}  {_json_value(entry['value'])}  [{source}]")
    print("\n".join(lines))
    return EXIT_OK


# -- test ------------------------------------------------------------------------------------


def _report_json(
    name: str, report: ProbeReport, caps: ProviderCapabilities, applied: bool
) -> dict[str, Any]:
    return {
        "provider": name,
        "base_url": report.base_url,
        "reachable": report.reachable,
        "auth_accepted": report.auth_accepted,
        "server": report.server,
        "models": [m.id for m in report.models],
        "video_models": list(report.video_models),
        "list_supported": report.list_supported,
        "models_listed": report.models_listed,
        "error_shape": report.error_shape.value if report.error_shape else None,
        "suggested_overrides": dict(report.suggested_overrides),
        "suggested_preset": report.suggested_preset,
        "summary": report.summary,
        "steps": [
            {
                "name": s.name,
                "request": s.request,
                "status": s.status,
                "outcome": s.outcome,
                "ok": s.ok,
            }
            for s in report.steps
        ],
        "applied": applied,
        "capabilities": caps.to_dict(),
    }


def _yes_no(value: bool | None) -> str:
    return "could not tell" if value is None else ("yes" if value else "no")


def _print_report(
    profile: ProviderProfile, report: ProbeReport, caps: ProviderCapabilities, applied: bool
) -> None:
    print(f"Testing {profile.name} ({profile.preset_info.label}) at {report.base_url}")
    for step in report.steps:
        print(f"  {'ok  ' if step.ok else 'fail'}  {step.request}")
        print(f"        {step.outcome}")
    print(f"reachable: {_yes_no(report.reachable)}; key accepted: {_yes_no(report.auth_accepted)}")
    if report.server:
        print(f"server: {report.server}")
    if report.models:
        print(f"models: {', '.join(m.id for m in report.models)}")
        print(f"video models: {', '.join(report.video_models) or '(none recognised)'}")
    print(f"lists videos: {_yes_no(report.list_supported)}")
    if report.error_shape is not None:
        print(f"error shape: {report.error_shape.value}")
    current = profile.capabilities.to_dict()
    if report.suggested_overrides:
        print("capabilities found that differ from the profile:")
        for field, value in report.suggested_overrides.items():
            print(
                f"  {field}: {_json_value(value)} (profile had {_json_value(current.get(field))})"
            )
    elif report.reachable and report.auth_accepted:
        print("capabilities found: as the profile says")
    if report.suggested_preset:
        print(
            f"it looks like a {report.suggested_preset} server: remove and add it again with "
            f"--preset {report.suggested_preset}"
        )
    print(report.summary)
    summary = capability_summary(caps)
    print(
        f"capabilities {'now saved' if applied else 'of the profile'}: list {summary['list']}; "
        f"delete {summary['delete']}; previews {summary['previews']}; body {summary['body']}; "
        f"{summary['sync']}; operations: {summary['operations']}"
    )
    if not applied and (report.suggested_overrides or _new_models(profile, report)):
        print(f"run 'sora-studio providers test {profile.name} --apply' to save what was found")


def _new_models(profile: ProviderProfile, report: ProbeReport) -> bool:
    return bool(report.video_models) and tuple(report.video_models) != profile.served_models


def applied_profile(profile: ProviderProfile, report: ProbeReport) -> ProviderProfile:
    """``profile`` with what the probe found: capability overrides and the video models served.

    Overrides equal to the preset's value are dropped, so the profile keeps only what really
    differs from its preset. A server that listed no video model keeps the models it had.
    """
    from sora_studio.api.provider import profile_from_dict

    base = profile.preset_info.capabilities
    merged = {**profile.capability_overrides, **report.suggested_overrides}
    data = profile.to_dict()
    data["capability_overrides"] = base.differences(base.with_overrides(merged))
    if report.video_models:
        data["served_models"] = list(report.video_models)
    return profile_from_dict(data)


def run_test(args: argparse.Namespace) -> int:
    from sora_studio.api.probe import probe_provider
    from sora_studio.api.provider import ENVIRONMENT_PROFILE, resolve_api_key
    from sora_studio.commands._repository import open_repository
    from sora_studio.core.errors import ProviderError

    paths, repo = open_repository(args)
    emulator = None
    try:
        registry = _registry(repo)
        profile = _profile(registry, args.name)
        if args.apply and profile.name == ENVIRONMENT_PROFILE:
            raise UserError(
                "the 'environment' provider comes from OPENAI_BASE_URL and OPENAI_API_KEY and "
                "cannot keep overrides; add it under a name of its own with "
                "'sora-studio providers add NAME --preset ... --base-url ...' and test that"
            )
        base_url = profile.base_url
        if base_url is None and profile.kind == "emulator":
            from sora_studio.emulator.server import EmulatorServer

            emulator = EmulatorServer(paths.emulator_data)
            base_url = emulator.start()
        key = resolve_api_key(profile, os.environ)
        try:
            report = probe_provider(profile, key, base_url=base_url)
        except ProviderError as exc:  # no key set: the person can fix it, like bad input
            raise UserError(exc.message) from exc
        caps = profile.capabilities
        applied = False
        if args.apply:
            updated = applied_profile(profile, report)
            data = updated.to_dict()
            if updated.kind == "emulator":
                data["base_url"] = None  # where this run's emulator listened is not kept
            repo.upsert_provider_dict(data)
            caps, applied = updated.capabilities, True
    finally:
        if emulator is not None:
            emulator.stop()
        repo.close()
    if args.json:
        print(json.dumps(_report_json(profile.name, report, caps, applied), indent=2))
    else:
        _print_report(profile, report, caps, applied)
    return EXIT_OK if report.reachable and report.auth_accepted is not False else EXIT_PROBLEM


# -- add / set-default / remove --------------------------------------------------------------


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


def run_add(args: argparse.Namespace) -> int:
    from sora_studio.api.provider import store_api_key
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.providers import DEFAULT_PROVIDER_SETTING

    if args.key_env is not None and not _ENV_NAME.match(args.key_env):
        raise UserError(
            f"--key-env needs an environment variable name such as LITELLM_API_KEY, "
            f"got {args.key_env!r}"
        )
    if args.key_env is not None:
        key_source = f"env:{args.key_env}"
    elif args.key_stdin:
        key_source = "keyring"
    else:
        key_source = "none"
    _, repo = open_repository(args)
    try:
        registry = _registry(repo)
        profile = new_profile(
            args.name,
            preset_name=args.preset,
            base_url=args.base_url,
            key_source=key_source,
            concurrency=args.concurrency,
            existing=dict.fromkeys(registry.names()),
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
    finally:
        repo.close()
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
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.providers import DEFAULT_PROVIDER_SETTING

    _, repo = open_repository(args)
    try:
        profile = _profile(_registry(repo), args.name)
        if profile.retired:
            raise UserError(
                f"{profile.name!r} is retired for video (renders there are refused); choose "
                "another provider"
            )
        repo.set_setting(DEFAULT_PROVIDER_SETTING, profile.name)
    finally:
        repo.close()
    print(f"default provider: {profile.name}")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    from sora_studio.api.provider import delete_api_key
    from sora_studio.commands._repository import open_repository
    from sora_studio.services.engine import NON_TERMINAL
    from sora_studio.services.providers import DEFAULT_PROVIDER_SETTING

    _, repo = open_repository(args)
    notes: list[str] = []
    try:
        registry = _registry(repo)
        name = args.name
        record = repo.get_provider(name)
        if record is None:
            _profile(registry, name)  # unknown: the usual "choose one of" line
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
        if name in _registry(repo).names():
            notes.append(f"the built-in {name!r} profile is used again")
        if was_default:
            notes.append(f"the default provider is now {_registry(repo).default_name()}")
    finally:
        repo.close()
    print(f"removed provider {name}")
    for note in notes:
        print(note)
    return EXIT_OK
