"""``providers test``: ask a server what it really supports (safe, free GETs) and, with
``--apply``, keep what was found as the profile's overrides and served models.

The built-in emulator is started for the test when the profile has no URL of its own.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any

from sora_studio.commands._provider_shared import (
    EXIT_OK,
    EXIT_PROBLEM,
    capability_summary,
    json_value,
    opened_library,
    profile_named,
    registry_of,
)
from sora_studio.core.errors import UserError

if TYPE_CHECKING:
    from sora_studio.api.probe import ProbeReport
    from sora_studio.api.provider import ProviderProfile
    from sora_studio.core.capabilities import ProviderCapabilities

TEST_EPILOG = """\
exit status:
  0  the server answered and accepted the key (whatever it supports)
  1  the server could not be reached, or it refused the key
  2  bad input: no such provider, or no key set for it
"""


def report_json(
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


def print_report(
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
            print(f"  {field}: {json_value(value)} (profile had {json_value(current.get(field))})")
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
    from sora_studio.core.errors import ProviderError

    emulator = None
    try:
        with opened_library(args) as (paths, repo):
            profile = profile_named(registry_of(repo), args.name)
            if args.apply and profile.name == ENVIRONMENT_PROFILE:
                raise UserError(
                    "the 'environment' provider comes from OPENAI_BASE_URL and OPENAI_API_KEY "
                    "and cannot keep overrides; add it under a name of its own with "
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
    if args.json:
        print(json.dumps(report_json(profile.name, report, caps, applied), indent=2))
    else:
        print_report(profile, report, caps, applied)
    return EXIT_OK if report.reachable and report.auth_accepted is not False else EXIT_PROBLEM
