"""The library's settings: one name for each key, and one reader for each value.

Settings are rows in the library database (``Repository.get_setting`` / ``set_setting``). The
engine, the commands and the desk all read and write them; each key is spelled here once, and
each value that needs interpreting (a cap stored as text, a folder, a theme) is read by one
function here, so the desk and ``sora-studio`` can never disagree on what is set.

* ``queue_paused``: the desk's and the engine's pause switch (:func:`queue_paused`);
* ``default_provider``: the profile new renders go to when none is named;
* ``budget_cap_cents``: the spend cap, decimal cents as text (:func:`budget_cap`);
* ``library_folder``: where media lives when not in the data folder (:func:`library_root`);
* ``theme``: ``system``, ``dark`` or ``light`` (:func:`theme_mode`);
* ``asset_folders``: the Assets browser's bookmarked folders (:func:`asset_folders`), to which
  the team media share (``team_media_root``, set by ``team connect --media-root``) is added;
* ``review_auto_advance``: a verdict moves on to the next clip that needs one (on unless
  turned off in the View menu or Settings; :func:`auto_advance`).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sora_studio.core.pricing import parse_cents

PAUSED_SETTING = "queue_paused"
DEFAULT_PROVIDER_SETTING = "default_provider"
BUDGET_SETTING = "budget_cap_cents"
LIBRARY_SETTING = "library_folder"  # Settings > Library; unset means the data folder's default
THEME_SETTING = "theme"
THEMES = ("system", "dark", "light")
AUTO_ADVANCE_SETTING = "review_auto_advance"  # View menu and Settings; unset means on
ASSET_FOLDERS_SETTING = "asset_folders"  # [[name, path], ...]; unset: the library folder only
TEAM_MEDIA_ROOT_SETTING = "team_media_root"  # the team media share as mounted on this desk
TEAM_SHARE_BOOKMARK = "Team share"


class SettingReader(Protocol):
    """Anything that reads settings: a ``Repository``, a read-only library view."""

    def get_setting(self, key: str, default: Any = None) -> Any: ...


def queue_paused(settings: SettingReader) -> bool:
    """True while the person has paused the render queue (nothing new is sent)."""
    return bool(settings.get_setting(PAUSED_SETTING, False))


def default_provider_name(settings: SettingReader) -> str | None:
    """The profile chosen as the default, if one was chosen (it may since have been removed)."""
    value = settings.get_setting(DEFAULT_PROVIDER_SETTING)
    return value if isinstance(value, str) and value else None


def budget_cap(settings: SettingReader) -> Decimal | None:
    """The library's cap in cents, or None when there is none (or what is stored is no amount)."""
    return parse_cents(settings.get_setting(BUDGET_SETTING))


def library_root(settings: SettingReader, default: Path) -> Path:
    """The library folder in use: the saved ``library_folder`` setting, else ``default``.

    The desk, its Settings dialog and every command read it here, so media never ends up in
    two places.
    """
    value = settings.get_setting(LIBRARY_SETTING)
    if isinstance(value, str) and value.strip():
        return Path(value.strip()).expanduser()
    return default


def theme_mode(settings: SettingReader) -> str:
    """``system``, ``dark`` or ``light`` (anything else stored reads as ``system``)."""
    value = settings.get_setting(THEME_SETTING, "system")
    return value if value in THEMES else "system"


def asset_folders(settings: SettingReader, library: Path) -> list[tuple[str, str]]:
    """The Assets browser's bookmarks as (name, path): until any are saved, the library folder;
    and, for a library connected to a team library with a media share, that share (last) unless
    a bookmark already points there.

    Entries that are not a pair of non-empty strings are skipped.
    """
    value = settings.get_setting(ASSET_FOLDERS_SETTING)
    folders: list[tuple[str, str]] = []
    if not isinstance(value, list):
        folders.append(("Library", str(library)))
    else:
        for item in value:
            if isinstance(item, list | tuple) and len(item) == 2:
                name, path = item
                if isinstance(name, str) and isinstance(path, str) and name and path:
                    folders.append((name, path))
    share = settings.get_setting(TEAM_MEDIA_ROOT_SETTING)
    if isinstance(share, str) and share.strip():
        shared = os.path.normpath(share.strip())
        if all(os.path.normpath(path) != shared for _name, path in folders):
            folders.append((TEAM_SHARE_BOOKMARK, shared))
    return folders


def auto_advance(settings: SettingReader) -> bool:
    """True unless the person turned auto-advance after a verdict off (it is on by default)."""
    value = settings.get_setting(AUTO_ADVANCE_SETTING, True)
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)
