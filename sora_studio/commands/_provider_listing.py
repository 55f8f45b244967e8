"""``providers list`` and ``providers show``: every provider in a line or two, one in full.

Both read only: nothing is written, no server is asked anything.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from sora_studio.commands._provider_shared import (
    BUILT_IN_NOTE,
    EXIT_OK,
    capability_summary,
    json_value,
    key_text,
    opened_library,
    profile_named,
    registry_of,
    saved_names,
)

if TYPE_CHECKING:
    from sora_studio.api.provider import ProviderProfile


def run_list(args: argparse.Namespace) -> int:
    with opened_library(args) as (_, repo):
        registry = registry_of(repo)
        default = registry.default_name()
        saved = saved_names(repo)
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
            f"{row['base_url'] or BUILT_IN_NOTE}  key: {row['key_text']}{retired}"
        )
        s = row["summary"]
        print(
            f"  {'':<{width}}  list: {s['list']}; delete: {s['delete']}; previews: "
            f"{s['previews']}; body: {s['body']}; {s['sync']}; operations: {s['operations']}"
        )
    print("(* = default; change it with 'sora-studio providers set-default NAME')")
    return EXIT_OK


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


def run_show(args: argparse.Namespace) -> int:
    with opened_library(args) as (_, repo):
        registry = registry_of(repo)
        profile = profile_named(registry, args.name)
        is_default = registry.default_name() == profile.name
        saved = profile.name in saved_names(repo)
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
        f"  base URL      {profile.base_url or BUILT_IN_NOTE}",
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
            f"overridden (preset: {json_value(entry['preset_value'])})"
            if entry["source"] == "override"
            else "preset"
        )
        lines.append(f"    {name:<{width}}  {json_value(entry['value'])}  [{source}]")
    print("\n".join(lines))
    return EXIT_OK
