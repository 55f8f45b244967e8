"""Settings: provider profiles (Providers page) and the library folder, budget cap, theme and
review (auto-advance after a verdict), and, when the desk gives its team link, the team library
(Team page: connect and disconnect take effect at once, off the GUI thread, not on Save).

A modal dialog on the GUI thread. It reads through the GUI's read-only view and writes nothing
itself: Save checks everything, turns it into one frozen ``SaveSettings`` command (profiles
without keys, which went to the OS key store when typed, and the settings) and hands it to the
injected ``save`` (the desk sends it to its writer thread, which stores it in one transaction).
Save refuses, with the reason in red, anything the library would not store, before the dialog
closes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import (
    QCheckBox,
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

from sora_studio.core.catalog import CENTS_PER_DOLLAR
from sora_studio.core.errors import UserError
from sora_studio.core.pricing import format_cents, parse_dollars
from sora_studio.services.desk_writes import SaveSettings
from sora_studio.services.provider_settings import (
    KeyStore,
    all_profiles,
    check_profile,
    default_profile_name,
    probe_connection,
    store_key,
)
from sora_studio.services.setting_keys import (
    AUTO_ADVANCE_SETTING,
    BUDGET_SETTING,
    DEFAULT_PROVIDER_SETTING,
    LIBRARY_SETTING,
    THEME_SETTING,
    auto_advance,
    library_root,
    theme_mode,
)
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.settings.probe_panel import ConnectionTest
from sora_studio.ui.settings.provider_page import ProviderPage
from sora_studio.ui.settings.team_page import TeamPage
from sora_studio.ui.workers.team_link import TeamLink

THEMES = (("system", "Follow the system"), ("dark", "Dark"), ("light", "Light"))


class SettingsStore(Protocol):
    """What the dialog reads (the GUI's ``LibraryView``)."""

    def list_providers(self) -> list[Any]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def budget_cap(self) -> Decimal | None: ...


def parse_budget(text: str) -> Decimal | None:
    """``"25"`` or ``"$25.50"`` (dollars) -> cents; empty means no cap. ``UserError`` otherwise."""
    try:
        cents = parse_dollars(text)
    except ValueError:
        raise UserError(f"budget cap {text!r} is not an amount; write dollars like 250") from None
    if cents is not None and cents < 0:
        raise UserError("the budget cap must be zero or more dollars (empty for no cap)")
    return cents


class SettingsDialog(QDialog):
    """Providers, library folder, budget cap and theme; ``save`` gets what to store (GUI)."""

    def __init__(
        self,
        store: SettingsStore,
        *,
        env: Mapping[str, str],
        library_default: Path,
        save: Callable[[SaveSettings], None],
        emulator_base_url: str | None = None,
        key_store: KeyStore = store_key,
        connection_test: ConnectionTest = probe_connection,
        team: TeamLink | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumSize(820, 600)
        self.resize(1040, 820)  # the Providers page shows capabilities and a probe report
        self.store = store
        self._save = save
        self.saved: SaveSettings | None = None  # what the last successful Save handed over
        self.background = BackgroundOps(self)
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
        cap = store.budget_cap()
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
        self.auto_advance_box = QCheckBox("After a verdict, open and play the next clip to review")
        self.auto_advance_box.setChecked(auto_advance(store))
        self.auto_advance_box.setToolTip("Also in the View menu: Auto-advance after a verdict")
        form.addRow("Review", self.auto_advance_box)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.providers, "Providers")
        self.tabs.addTab(general, "Library and budget")
        self.team_page = None if team is None else TeamPage(team, self.background)
        if self.team_page is not None:
            self.tabs.addTab(self.team_page, "Team")
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
        """Check everything and hand it over; on a problem keep the dialog open with the reason."""
        try:
            cap = parse_budget(self.budget_edit.text())
            profiles, removed = self.providers.pending()
            checked = tuple(check_profile(profile) for profile in profiles)
        except UserError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return False
        folder = self.library_edit.text().strip()
        keep_folder = bool(folder) and Path(folder) != self._library_default
        changes = SaveSettings(
            profiles=checked,
            removed=tuple(sorted(removed)),
            settings=(
                (BUDGET_SETTING, None if cap is None else str(cap)),
                (DEFAULT_PROVIDER_SETTING, self.providers.default_name),
                (THEME_SETTING, str(self.theme_combo.currentData())),
                (AUTO_ADVANCE_SETTING, self.auto_advance_box.isChecked()),
                (LIBRARY_SETTING, folder if keep_folder else None),
            ),
        )
        self._save(changes)
        self.saved = changes
        self.problem.hide()
        self.accept()
        return True

    def budget_summary(self) -> str:
        cap = self.store.budget_cap()
        return "no cap" if cap is None else format_cents(cap)

    def done(self, result: int) -> None:
        self.background.shutdown(5000)  # a connection test still running is dropped
        super().done(result)
