"""The Providers page of Settings: profiles, keys, prices per profile, concurrency, long clips.

GUI thread only. Keys go straight from the password field into the OS key store
(``api.provider.store_api_key``) and the field is cleared; afterwards only the masked form
(``sk-...abcd``) is ever shown. "Test connection" lists one page of videos through the real SDK on
a pool thread, so a slow or dead endpoint never freezes the dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sora_studio.api.provider import (
    EMULATOR_PROFILE,
    PROFILE_KINDS,
    ProviderProfile,
    mask_key,
    profile_from_dict,
    resolve_api_key,
    store_api_key,
)
from sora_studio.core.catalog import default_catalog
from sora_studio.core.errors import UserError
from sora_studio.ui.icons import make_icon
from sora_studio.ui.prompt.background import BackgroundCalls

KeyStore = Callable[[str, str], None]
# (profile, key) -> message on success; raises with a readable message otherwise. Pool thread.
ConnectionTest = Callable[[ProviderProfile, str | None], str]

KEY_SOURCES = (
    ("none", "No key (local emulator or open gateway)"),
    ("env", "Environment variable"),
    ("keyring", "OS key store"),
)


def test_connection(profile: ProviderProfile, api_key: str | None) -> str:
    """List one page of videos through the real SDK (pool thread); returns a summary."""
    from sora_studio.api.videos import VideosClient

    if profile.base_url is None:
        raise UserError("the built-in emulator is not running yet; try again in a moment")
    with VideosClient(profile, api_key=api_key) as client:
        page = client.list_page(limit=1)
    count = "videos" if page.videos else "no videos yet"
    return f"Connected to {profile.base_url} ({count})."


def price_overrides(
    profile: ProviderProfile, rows: list[tuple[str, str, str, str]]
) -> dict[str, Any]:
    """Catalog overrides for the prices that differ from the shipped catalog.

    ``rows`` are (model, tier, standard, batch) as typed, in dollars per second; an empty
    Batch cell is a model without Batch (Veo, for one).
    """
    base = default_catalog()
    models: dict[str, Any] = {}
    for model, tier, standard, batch in rows:
        try:
            std = Decimal(standard.strip())
            bat = Decimal(batch.strip()) if batch.strip() else None
        except InvalidOperation:
            raise UserError(
                f"{model} {tier}: prices must be numbers of dollars per second, like 0.10"
            ) from None
        if not std.is_finite() or std < 0 or (bat is not None and (not bat.is_finite() or bat < 0)):
            raise UserError(f"{model} {tier}: prices cannot be negative")
        shipped = base.models.get(model)
        shipped_price = shipped.prices.get(tier) if shipped else None
        if shipped_price and (shipped_price.standard, shipped_price.batch) == (std, bat):
            continue
        models.setdefault(model, {"price_per_second": {}})["price_per_second"][tier] = {
            "standard": str(std),
            "batch": None if bat is None else str(bat),
        }
    overrides = {k: v for k, v in profile.catalog_overrides.items() if k != "models"}
    if models:
        overrides["models"] = models
    return overrides


class ProviderPage(QWidget):
    """List of profiles on the left, the selected profile's form on the right."""

    changed = Signal()

    def __init__(
        self,
        profiles: list[ProviderProfile],
        saved_names: set[str],
        default_name: str,
        env: Mapping[str, str],
        background: BackgroundCalls,
        *,
        key_store: KeyStore = store_api_key,
        connection_test: ConnectionTest = test_connection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._profiles: dict[str, ProviderProfile] = {p.name: p for p in profiles}
        self._saved = set(saved_names)
        self._dirty: set[str] = set()
        self._removed: set[str] = set()
        self._env = env
        self._background = background
        self._key_store = key_store
        self._connection_test = connection_test
        self.default_name = default_name
        self._current: str | None = None

        self.list = QListWidget()
        self.list.setMaximumWidth(190)
        self.list.currentItemChanged.connect(self._on_selected)
        self.add_button = QPushButton("Add…")
        self.add_button.clicked.connect(self.add_profile)
        self.remove_button = QPushButton(make_icon("delete"), "Remove")
        self.remove_button.clicked.connect(self.remove_current)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)

        self.name_edit = QLineEdit()
        self.kind_combo = QComboBox()
        for kind in PROFILE_KINDS:
            self.kind_combo.addItem(kind.capitalize(), kind)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://gateway.example.com/v1")
        self.key_source_combo = QComboBox()
        for key, label in KEY_SOURCES:
            self.key_source_combo.addItem(label, key)
        self.env_var_edit = QLineEdit("OPENAI_API_KEY")
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste a key to store it in the OS key store")
        self.key_status = QLabel()
        self.key_status.setProperty("role", "hint")
        self.save_key_button = QPushButton("Store key")
        self.save_key_button.clicked.connect(self.store_key)
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(1, 32)
        self.concurrency_spin.setToolTip("Renders sent to this provider at the same time")
        self.long_check = QCheckBox("Offer 16 s and 20 s clips")
        self.default_check = QCheckBox("Use for new renders")
        self.prices = QTableWidget(0, 4)
        self.prices.setHorizontalHeaderLabels(["Model", "Tier", "Standard $/s", "Batch $/s"])
        self.prices.verticalHeader().hide()
        self.prices.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.prices.setMinimumHeight(130)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.run_connection_test)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setProperty("role", "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.retired_note = QLabel()
        self.retired_note.setProperty("role", "hint")
        self.retired_note.setWordWrap(True)

        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.save_key_button)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Kind", self.kind_combo)
        form.addRow("Base URL", self.url_edit)
        form.addRow("Key source", self.key_source_combo)
        form.addRow("Variable", self.env_var_edit)
        form.addRow("API key", key_row)
        form.addRow("", self.key_status)
        form.addRow("Concurrency", self.concurrency_spin)
        form.addRow("", self.long_check)
        form.addRow("", self.default_check)
        form.addRow("Prices", self.prices)
        right = QVBoxLayout()
        right.addWidget(self.retired_note)
        right.addLayout(form)
        right.addLayout(test_row)
        right.addWidget(self.problem)
        right.addStretch(1)

        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        for widget in (self.name_edit, self.url_edit, self.env_var_edit):
            widget.textEdited.connect(self._mark_dirty)
        for combo in (self.kind_combo, self.key_source_combo):
            combo.activated.connect(self._mark_dirty)
        self.key_source_combo.currentIndexChanged.connect(self._sync_key_widgets)
        self.concurrency_spin.valueChanged.connect(self._mark_dirty)
        self.long_check.toggled.connect(self._mark_dirty)
        self.default_check.toggled.connect(self._on_default_toggled)
        self.prices.itemChanged.connect(self._mark_dirty)
        self._loading = False
        self._fill_list()

    # --- list -------------------------------------------------------------------------------

    def _fill_list(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for name, profile in self._profiles.items():
            label = name + (" (default)" if name == self.default_name else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            if profile.retired:
                item.setToolTip("OpenAI retired Sora video generation on 2026-09-24")
            self.list.addItem(item)
        self.list.blockSignals(False)
        names = list(self._profiles)
        target = select if select in names else (self._current if self._current in names else None)
        row = names.index(target) if target else 0
        self.list.setCurrentRow(row)
        self._on_selected(self.list.currentItem(), None)

    def profile_names(self) -> list[str]:
        return list(self._profiles)

    def select(self, name: str) -> None:
        self.commit_form()
        self._fill_list(select=name)

    def _on_selected(self, item: QListWidgetItem | None, _previous: Any) -> None:
        if item is None:
            return
        name = str(item.data(Qt.ItemDataRole.UserRole))
        if self._current is not None and self._current in self._dirty and not self.commit_form():
            return  # keep the invalid form open with its problem shown
        self._current = name
        self._load(self._profiles[name])

    def add_profile(self) -> None:
        self.commit_form()
        base = "gateway"
        name = base
        counter = 2
        while name in self._profiles:
            name = f"{base}-{counter}"
            counter += 1
        self._profiles[name] = ProviderProfile(
            name=name,
            kind="gateway",
            base_url="https://gateway.example.com/v1",
            key_source="keyring",
            concurrency_limit=2,
        )
        self._dirty.add(name)
        self._current = None
        self._fill_list(select=name)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self.changed.emit()

    def remove_current(self) -> None:
        name = self._current
        if name is None or (name not in self._saved and name not in self._dirty):
            return
        if name == EMULATOR_PROFILE:
            self._show_problem("The built-in emulator cannot be removed.")
            return
        self._profiles.pop(name, None)
        self._dirty.discard(name)
        if name in self._saved:
            self._removed.add(name)
        if self.default_name == name:
            self.default_name = EMULATOR_PROFILE
        self._current = None
        self._fill_list()
        self.changed.emit()

    # --- form -------------------------------------------------------------------------------

    def _load(self, profile: ProviderProfile) -> None:
        self._loading = True
        try:
            self.name_edit.setText(profile.name)
            builtin = profile.name not in self._saved and profile.name not in self._dirty
            self.name_edit.setReadOnly(profile.name in self._saved or builtin)
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(profile.kind)))
            self.url_edit.setText(profile.base_url or "")
            self.url_edit.setEnabled(profile.kind != "emulator")
            source = profile.key_source
            kind = "env" if source.startswith("env:") else source
            self.key_source_combo.setCurrentIndex(max(0, self.key_source_combo.findData(kind)))
            if source.startswith("env:"):
                self.env_var_edit.setText(source[4:])
            self.concurrency_spin.setValue(profile.concurrency_limit)
            self.long_check.setChecked(profile.long_durations_enabled)
            self.long_check.setEnabled(profile.kind != "emulator")
            self.default_check.setChecked(profile.name == self.default_name)
            self.remove_button.setEnabled(profile.name != EMULATOR_PROFILE and not builtin)
            self.retired_note.setText(
                "OpenAI retired Sora video generation on 2026-09-24: renders sent here are "
                "explained, not sent. Use the emulator or a compatible gateway."
                if profile.retired
                else ""
            )
            self.retired_note.setVisible(profile.retired)
            self._fill_prices(profile)
            self.test_result.clear()
            self._show_problem(None)
            self._sync_key_widgets()
        finally:
            self._loading = False

    def _fill_prices(self, profile: ProviderProfile) -> None:
        self.prices.blockSignals(True)
        catalog = profile.catalog()
        rows = [
            (m, tier, p) for m, spec in catalog.models.items() for tier, p in spec.prices.items()
        ]
        self.prices.setRowCount(len(rows))
        for row, (model, tier, price) in enumerate(rows):
            batch = "" if price.batch is None else str(price.batch)
            for column, text in enumerate((model, tier, str(price.standard), batch)):
                item = QTableWidgetItem(text)
                # A model without Batch (Veo) has no Batch price to edit.
                if column < 2 or (column == 3 and price.batch is None):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.prices.setItem(row, column, item)
        self.prices.blockSignals(False)

    def _sync_key_widgets(self, *_args: Any) -> None:
        source = self.key_source_combo.currentData()
        self.env_var_edit.setEnabled(source == "env")
        keyring_source = source == "keyring"
        self.key_edit.setEnabled(keyring_source)
        self.save_key_button.setEnabled(keyring_source)
        name = self._current or self.name_edit.text()
        if source == "keyring" and name:
            probe = ProviderProfile(
                name=name, kind="gateway", base_url="https://x/v1", key_source="keyring"
            )
            self.key_status.setText(f"Stored key: {mask_key(resolve_api_key(probe))}")
        elif source == "env":
            present = bool(self._env.get(self.env_var_edit.text().strip(), "").strip())
            self.key_status.setText(
                f"{self.env_var_edit.text()} is {'set' if present else 'not set'} here"
            )
        else:
            self.key_status.setText("No key is sent.")

    def _mark_dirty(self, *_args: Any) -> None:
        if self._loading or self._current is None:
            return
        self._dirty.add(self._current)
        self.url_edit.setEnabled(self.kind_combo.currentData() != "emulator")
        self._sync_key_widgets()
        self.changed.emit()

    def _on_default_toggled(self, checked: bool) -> None:
        if self._loading or self._current is None:
            return
        if not self.commit_form():
            return
        if checked:
            self.default_name = self._current
        elif self.default_name == self._current:
            self.default_name = EMULATOR_PROFILE
        self._fill_list(select=self._current)
        self.changed.emit()

    def form_profile(self) -> ProviderProfile:
        """The profile as the form shows it; ``UserError`` names what is wrong."""
        if self._current is None:
            raise UserError("no provider selected")
        old = self._profiles[self._current]
        source = str(self.key_source_combo.currentData())
        if source == "env":
            variable = self.env_var_edit.text().strip()
            source = f"env:{variable}"
        rows = [
            tuple(self.prices.item(r, c).text() for c in range(4))
            for r in range(self.prices.rowCount())
        ]
        kind = str(self.kind_combo.currentData())
        data = old.to_dict()
        data.update(
            name=self.name_edit.text().strip(),
            kind=kind,
            # The emulator's URL is where this run started it; it is never saved.
            base_url=old.base_url if kind == "emulator" else self.url_edit.text().strip(),
            key_source=source,
            concurrency_limit=self.concurrency_spin.value(),
            long_durations=self.long_check.isChecked(),
            catalog_overrides=price_overrides(old, rows),
        )
        return profile_from_dict(data)

    def commit_form(self) -> bool:
        """Keep the form's edits (in memory until Save); False and a red note when invalid."""
        name = self._current
        if name is None or name not in self._dirty:
            return True
        try:
            profile = self.form_profile()
        except UserError as exc:
            self._show_problem(str(exc))
            return False
        if profile.name != name:
            if profile.name in self._profiles:
                self._show_problem(f"A provider named {profile.name!r} already exists.")
                return False
            self._profiles = {
                (profile.name if k == name else k): v for k, v in self._profiles.items()
            }
            self._dirty.discard(name)
            if self.default_name == name:
                self.default_name = profile.name
            self._current = profile.name
        self._profiles[profile.name] = profile
        self._dirty.add(profile.name)
        self._show_problem(None)
        return True

    def _show_problem(self, message: str | None) -> None:
        self.problem.setText(message or "")
        self.problem.setVisible(bool(message))

    # --- keys and connection ------------------------------------------------------------------

    def store_key(self) -> bool:
        """Move the typed key into the OS key store and clear the field; never shown again."""
        key = self.key_edit.text()
        self.key_edit.clear()  # the full key leaves the widget whatever happens next
        name = self.name_edit.text().strip()
        try:
            self._key_store(name, key)
        except UserError as exc:
            self._show_problem(str(exc))
            return False
        self._show_problem(None)
        self.key_status.setText(f"Stored key: {mask_key(key.strip())}")
        return True

    def run_connection_test(self) -> None:
        try:
            profile = self.form_profile()
        except UserError as exc:
            self._show_problem(str(exc))
            return
        key = resolve_api_key(profile, self._env)
        self.test_result.setText("Testing…")
        self.test_button.setEnabled(False)

        def done(result: Any, error: BaseException | None) -> None:
            self.test_button.setEnabled(True)
            if error is not None:
                self.test_result.setText(f"Failed: {error}")
                self.test_result.setProperty("role", "problem")
            else:
                self.test_result.setText(str(result))
                self.test_result.setProperty("role", "")
            self.test_result.style().unpolish(self.test_result)
            self.test_result.style().polish(self.test_result)

        check = self._connection_test  # plain values only: no widget may die on a pool thread
        self._background.call("connection-test", lambda: check(profile, key), done)

    # --- results ------------------------------------------------------------------------------

    def pending(self) -> tuple[list[ProviderProfile], set[str]]:
        """(profiles to save, names to delete) after committing the open form."""
        if not self.commit_form():
            raise UserError(self.problem.text())
        return [self._profiles[n] for n in sorted(self._dirty)], set(self._removed)
