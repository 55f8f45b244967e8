"""Each setting is read one way, whoever reads it (engine, commands, desk)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sora_studio.services import setting_keys as keys


class Settings:
    def __init__(self, **values: Any) -> None:
        self.values = values

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def test_each_reader_interprets_what_is_stored() -> None:
    assert keys.budget_cap(Settings(budget_cap_cents="2500.50")) == Decimal("2500.50")
    for junk in (None, "", "lots", "-5", True):
        assert keys.budget_cap(Settings(budget_cap_cents=junk)) is None
    assert keys.queue_paused(Settings(queue_paused=True)) is True
    assert keys.queue_paused(Settings()) is False
    assert keys.default_provider_name(Settings(default_provider="gw")) == "gw"
    assert keys.default_provider_name(Settings(default_provider="")) is None
    assert keys.theme_mode(Settings(theme="dark")) == "dark"
    assert keys.theme_mode(Settings(theme="purple")) == "system"


def test_the_library_folder_setting_or_the_default(tmp_path: Path) -> None:
    default = tmp_path / "default"
    assert keys.library_root(Settings(), default) == default
    assert keys.library_root(Settings(library_folder="  "), default) == default
    chosen = keys.library_root(Settings(library_folder=f" {tmp_path}/media "), default)
    assert chosen == tmp_path / "media"


def test_the_keys_are_the_stored_names() -> None:
    """Renaming one would orphan what every existing library has saved under it."""
    assert (
        keys.PAUSED_SETTING,
        keys.DEFAULT_PROVIDER_SETTING,
        keys.BUDGET_SETTING,
        keys.LIBRARY_SETTING,
        keys.THEME_SETTING,
    ) == ("queue_paused", "default_provider", "budget_cap_cents", "library_folder", "theme")


def test_asset_bookmarks_are_the_library_until_saved_and_the_team_share_is_added() -> None:
    library = Path("/data/library")
    assert keys.asset_folders(Settings(), library) == [("Library", "/data/library")]
    saved = [["Plates", "/mnt/plates"], ["", "/nameless"], "junk", ["Refs", "/home/a/refs"]]
    expected = [("Plates", "/mnt/plates"), ("Refs", "/home/a/refs")]
    assert keys.asset_folders(Settings(asset_folders=saved), library) == expected
    shared = Settings(asset_folders=saved, team_media_root="/mnt/team/")
    assert keys.asset_folders(shared, library) == [*expected, ("Team share", "/mnt/team")]
    already = Settings(asset_folders=[["Ours", "/mnt/team"]], team_media_root="/mnt/team/")
    assert keys.asset_folders(already, library) == [("Ours", "/mnt/team")]
    unsaved = Settings(team_media_root="/mnt/team")
    assert keys.asset_folders(unsaved, library) == [
        ("Library", "/data/library"),
        ("Team share", "/mnt/team"),
    ]
