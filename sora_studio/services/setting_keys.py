"""The library's settings: one name for each key, and one reader for each value.

Settings are rows in the library database (``Repository.get_setting`` / ``set_setting``). The
engine, the commands and the desk all read and write them; each key is spelled here once, and
each value that needs interpreting (a cap stored as text, a folder, a theme) is read by one
function here, so the desk and ``sora-studio`` can never disagree on what is set.

* ``queue_paused``: the desk's and the engine's pause switch (:func:`queue_paused`);
* ``default_provider``: the profile new renders go to when none is named;
* ``budget_cap_cents``: the spend cap, decimal cents as text (:func:`budget_cap`);
* ``library_folder``: where media lives when not in the data folder (:func:`library_root`);
* ``theme``: ``system``, ``dark`` or ``light`` (:func:`theme_mode`).
"""

from __future__ import annotations

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
