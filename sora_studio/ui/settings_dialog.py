"""Settings: provider profiles (Providers page) and the library folder, budget cap and theme.

A modal dialog on the GUI thread. Nothing is written until Save; then profiles go to the
library's ``providers`` table (without keys, which went to the OS key store when typed) and the
rest to its settings. Save refuses, with the reason in red, anything it cannot store.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sora_studio.api.provider import store_api_key
from sora_studio.core.catalog import CENTS_PER_DOLLAR
from sora_studio.core.errors import UserError
from sora_studio.core.pricing import format_cents
from sora_studio.services.library import LIBRARY_SETTING, library_root
from sora_studio.services.spend import BUDGET_SETTING
from sora_studio.ui.prompt.background import BackgroundCalls
from sora_studio.ui.settings.probe_panel import CHANNEL as CONNECTION_CHANNEL
from sora_studio.ui.settings.probe_panel import ConnectionTest, probe_connection
from sora_studio.ui.settings.profiles import (
    DEFAULT_PROVIDER_SETTING,
    THEME_SETTING,
    all_profiles,
    budget_cap_cents,
    default_profile_name,
    theme_mode,
)
from sora_studio.ui.settings.provider_page import KeyStore, ProviderPage

THEMES = (("system", "Follow the system"), ("dark", "Dark"), ("light", "Light"))


class SettingsStore(Protocol):
    """The repository methods the dialog reads and writes."""

    def list_providers(self) -> list[Any]: ...

    def upsert_provider_dict(self, data: Mapping[str, Any]) -> Any: ...

    def delete_provider(self, name: str) -> None: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None: ...

    def delete_setting(self, key: str) -> None: ...


def parse_budget(text: str) -> Decimal | None:
    """``"25"`` or ``"$25.50"`` (dollars) -> cents; empty means no cap. ``UserError`` otherwise."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    if not cleaned:
        return None
    try:
        dollars = Decimal(cleaned)
    except InvalidOperation:
        raise UserError(f"budget cap {text!r} is not an amount; write dollars like 250") from None
    if not dollars.is_finite() or dollars < 0:
        raise UserError("the budget cap must be zero or more dollars (empty for no cap)")
    return dollars * CENTS_PER_DOLLAR


class SettingsDialog(QDialog):
    def __init__(
        self,
        store: SettingsStore,
        *,
        env: Mapping[str, str],
        library_default: Path,
        emulator_base_url: str | None = None,
        key_store: KeyStore = store_api_key,
        connection_test: ConnectionTest = probe_connection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumSize(820, 600)
        self.resize(1040, 820)  # the Providers page shows capabilities and a probe report
        self.store = store
        self.background = BackgroundCalls(self)
        saved = {record.name for record in store.list_providers()}
        self.providers = ProviderPage(
            all_profiles(store, env, emulator_base_url),
            saved,
            default_profile_name(store, env),
            env,
            self.background,
            key_store=key_store,
            connection_test=connection_test,
        )
        self._library_default = Path(library_default)
        self.library_edit = QLineEdit(str(library_root(store, library_default)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_library)
        cap = budget_cap_cents(store)
        self.budget_edit = QLineEdit("" if cap is None else str(cap / CENTS_PER_DOLLAR))
        self.budget_edit.setPlaceholderText("No cap")
        self.budget_hint = QLabel(
            "Dollars. Renders that would take committed spend past the cap are refused before "
            "anything is sent. Blocked and failed renders never count."
        )
        self.budget_hint.setProperty("role", "hint")
        self.budget_hint.setWordWrap(True)
        self.theme_combo = QComboBox()
        for key, label in THEMES:
            self.theme_combo.addItem(label, key)
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(theme_mode(store)))
        library_row = QHBoxLayout()
        library_row.addWidget(self.library_edit, 1)
        library_row.addWidget(browse)
        library_note = QLabel("A new library folder is used from the next start.")
        library_note.setProperty("role", "hint")
        general = QWidget()
        form = QFormLayout(general)
        form.addRow("Library folder", library_row)
        form.addRow("", library_note)
        form.addRow("Budget cap", self.budget_edit)
        form.addRow("", self.budget_hint)
        form.addRow("Theme", self.theme_combo)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.providers, "Providers")
        self.tabs.addTab(general, "Library and budget")
        self.problem = QLabel()
        self.problem.setProperty("role", "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _browse_library(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Library folder", self.library_edit.text())
        if chosen:
            self.library_edit.setText(chosen)

    def save(self) -> bool:
        """Write everything; on a problem keep the dialog open with the reason shown."""
        try:
            cap = parse_budget(self.budget_edit.text())
            profiles, removed = self.providers.pending()
            for name in removed:
                self.store.delete_provider(name)
            for profile in profiles:
                data = profile.to_dict()
                if profile.kind == "emulator":
                    data["base_url"] = None  # where this run's emulator listens is not kept
                self.store.upsert_provider_dict(data)
        except UserError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return False
        if cap is None:
            self.store.delete_setting(BUDGET_SETTING)
        else:
            self.store.set_setting(BUDGET_SETTING, str(cap))
        self.store.set_setting(DEFAULT_PROVIDER_SETTING, self.providers.default_name)
        self.store.set_setting(THEME_SETTING, str(self.theme_combo.currentData()))
        folder = self.library_edit.text().strip()
        if folder and Path(folder) != self._library_default:
            self.store.set_setting(LIBRARY_SETTING, folder)
        else:
            self.store.delete_setting(LIBRARY_SETTING)
        self.problem.hide()
        self.accept()
        return True

    def budget_summary(self) -> str:
        cap = budget_cap_cents(self.store)
        return "no cap" if cap is None else format_cents(cap)

    def done(self, result: int) -> None:
        self.background.cancel(CONNECTION_CHANNEL)
        self.background.wait(5000)
        super().done(result)
