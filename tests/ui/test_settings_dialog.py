"""Settings: provider profiles, keys into the key store (never shown again), prices, concurrency,
long clips, test connection against the real emulator, library folder, budget cap and theme."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from sora_studio.core.errors import UserError
from sora_studio.services.desk_writes import DeskWrites
from sora_studio.services.library_view import LibraryView
from sora_studio.services.provider_settings import default_profile_name, profile_named
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.settings_dialog import SettingsDialog, parse_budget


@pytest.fixture
def repo(tmp_path: Path):
    repository = Repository(open_db(tmp_path / "studio.sqlite3"))
    yield repository
    repository.close()


def _dialog(qtbot, repo, tmp_path: Path, **kwargs) -> SettingsDialog:
    kwargs.setdefault("env", {})
    # Save's changes are applied at once here; the desk sends them to its writer thread.
    kwargs.setdefault("save", lambda changes: changes.apply(DeskWrites(repo)))
    dialog = SettingsDialog(LibraryView(repo), library_default=tmp_path / "library", **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def _labels(widget) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel))


def test_builtin_profiles_are_listed_with_the_default(qtbot, repo, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    assert page.profile_names() == ["emulator", "openai"]
    assert page.list.item(0).text() == "emulator (default)"
    page.select("openai")
    assert "retired Sora video generation on 2026-09-24" in page.retired_note.text()
    assert not page.remove_button.isEnabled()  # built-ins stay


def test_add_a_gateway_with_prices_and_make_it_default(qtbot, repo, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, repo, tmp_path, env={"GW_KEY": "secret"})
    page = dialog.providers
    page.add_profile()
    page.name_edit.setText("studio-gw")
    page.name_edit.textEdited.emit("studio-gw")
    page.url_edit.setText("https://gw.example.com/v1")
    page.key_source_combo.setCurrentIndex(page.key_source_combo.findData("env"))
    page.env_var_edit.setText("GW_KEY")
    page.concurrency_spin.setValue(6)
    page.long_check.setChecked(True)
    page.prices.item(0, 2).setText("0.12")  # sora-2 720p standard
    page.default_check.setChecked(True)
    assert dialog.save()
    record = repo.get_provider("studio-gw")
    assert record is not None
    assert (record.kind, record.base_url, record.key_source) == (
        "gateway",
        "https://gw.example.com/v1",
        "env:GW_KEY",
    )
    assert record.concurrency_limit == 6 and record.long_durations
    assert record.catalog_override == {
        "models": {"sora-2": {"price_per_second": {"720p": {"standard": "0.12", "batch": "0.05"}}}}
    }
    assert default_profile_name(repo, {}) == "studio-gw"
    profile = profile_named(repo, {}, "studio-gw")
    assert profile.catalog().price_per_second("sora-2", "1280x720") == Decimal("0.12")


def test_bad_profile_is_refused_inline(qtbot, repo, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    page.add_profile()
    page.url_edit.setText("gw.example.com")
    page.url_edit.textEdited.emit("gw.example.com")
    assert not dialog.save()
    assert "base URL must look like https://host/v1" in dialog.problem.text()
    assert repo.list_providers() == []
    page.url_edit.setText("https://gw.example.com/v1")
    page.prices.item(1, 3).setText("cheap")
    assert not dialog.save()
    assert "prices must be numbers" in dialog.problem.text()


def test_keys_go_to_the_key_store_and_are_only_shown_masked(qtbot, repo, tmp_path: Path) -> None:
    stored: dict[str, str] = {}
    dialog = _dialog(qtbot, repo, tmp_path, key_store=stored.__setitem__)
    page = dialog.providers
    page.add_profile()
    page.key_source_combo.setCurrentIndex(page.key_source_combo.findData("keyring"))
    full = "sk-test-1234567890abcdef"
    page.key_edit.setText(full)
    assert page.store_key()
    assert stored == {"gateway": full}
    assert page.key_edit.text() == ""
    assert page.key_status.text() == "Stored key: sk-...cdef"
    assert full not in _labels(dialog)


def test_no_key_store_is_explained(qtbot, repo, tmp_path: Path) -> None:
    # tests/conftest.py selects keyring's "fail" backend: there is no OS key store.
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    page.add_profile()
    page.key_source_combo.setCurrentIndex(page.key_source_combo.findData("keyring"))
    page.key_edit.setText("sk-abcdefgh12345678")
    assert not page.store_key()
    assert "no OS key store" in page.problem.text()
    assert page.key_edit.text() == ""


def test_connection_test_reaches_the_emulator(qtbot, repo, tmp_path: Path, emulator) -> None:
    dialog = _dialog(qtbot, repo, tmp_path, emulator_base_url=emulator.base_url)
    page = dialog.providers
    page.select("emulator")
    page.run_connection_test()
    qtbot.waitUntil(lambda: page.test_result.text() != "Testing…", timeout=15_000)
    assert page.test_result.text().startswith(f"Connected to {emulator.base_url}")
    page.add_profile()
    page.url_edit.setText("http://127.0.0.1:9/v1")  # nothing listens on the discard port
    page.key_source_combo.setCurrentIndex(page.key_source_combo.findData("none"))
    page.run_connection_test()
    qtbot.waitUntil(lambda: page.test_result.text() != "Testing…", timeout=30_000)
    assert page.test_result.text().startswith("Failed:")
    dialog.reject()


def test_budget_theme_and_library_are_saved(qtbot, repo, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    dialog.budget_edit.setText("$250")
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    dialog.library_edit.setText(str(tmp_path / "elsewhere"))
    assert dialog.save()
    assert repo.get_setting("budget_cap_cents") == "25000"
    assert repo.get_setting("theme") == "light"
    assert repo.get_setting("library_folder") == str(tmp_path / "elsewhere")
    again = _dialog(qtbot, repo, tmp_path)
    assert again.budget_edit.text() == "250"
    again.budget_edit.setText("lots")
    assert not again.save()
    assert "not an amount" in again.problem.text()
    again.budget_edit.clear()
    assert again.save()
    assert repo.get_setting("budget_cap_cents") is None


def test_removing_a_saved_profile(qtbot, repo, tmp_path: Path) -> None:
    repo.upsert_provider("old-gw", kind="gateway", base_url="https://old/v1", key_source="none")
    dialog = _dialog(qtbot, repo, tmp_path)
    dialog.providers.select("old-gw")
    assert dialog.providers.remove_button.isEnabled()
    dialog.providers.remove_current()
    assert "old-gw" not in dialog.providers.profile_names()
    assert dialog.save()
    assert repo.get_provider("old-gw") is None


def test_parse_budget() -> None:
    assert parse_budget("") is None
    assert parse_budget("12.5") == Decimal(1250)
    with pytest.raises(UserError):
        parse_budget("-3")


def test_auto_advance_after_a_verdict_is_on_by_default_and_saved(
    qtbot, repo, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    assert dialog.auto_advance_box.isChecked()  # issue 16: on unless turned off
    dialog.auto_advance_box.setChecked(False)
    assert dialog.save()
    assert repo.get_setting("review_auto_advance") is False
    assert not _dialog(qtbot, repo, tmp_path).auto_advance_box.isChecked()
