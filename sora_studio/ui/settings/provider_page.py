"""Settings › Providers: profiles, server kind, keys, capabilities, prices, Test connection.

GUI thread only. The list of profiles sits on the left, the selected one's form on the right
(scrollable: server kind with its description, base URL, key, concurrency, long clips, then
Test connection, the Capabilities section and the price table). Nothing is stored until the
dialog's Save; :meth:`ProviderPage.pending` hands over the profiles to save. Keys go straight
from the password field into the OS key store (``services.provider_settings.store_key``) and the
field is cleared; afterwards only the masked form (``sk-...abcd``) is ever shown.

The parts live in their own modules: :mod:`.preset_picker` (server kind), :mod:`.key_fields`,
:mod:`.capability_editor`, :mod:`.price_table` and :mod:`.probe_panel` (Test connection, run on
a pool thread so a slow or dead endpoint never freezes the dialog).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.capabilities import GENERIC_PRESET, preset
from sora_studio.core.catalog import Catalog, catalog_for_profile, default_catalog
from sora_studio.core.errors import UserError
from sora_studio.services.provider_settings import (
    EMULATOR_PROFILE,
    ProviderProfile,
    profile_from_dict,
    resolve_key,
    store_key,
)
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.icons import make_icon
from sora_studio.ui.settings.capability_editor import CapabilityEditor
from sora_studio.ui.settings.key_fields import KeyFields, KeyStore
from sora_studio.ui.settings.preset_picker import RETIRED_PRESET, PresetPicker
from sora_studio.ui.settings.price_table import PriceTable, price_overrides
from sora_studio.ui.settings.probe_panel import ConnectionTest, ProbePanel, probe_connection

if TYPE_CHECKING:
    from sora_studio.services.provider_settings import ProbeReport

__all__ = ["KeyStore", "ProviderPage"]

RETIRED_NOTE = (
    "OpenAI retired Sora video generation on 2026-09-24: renders sent here are explained, not "
    "sent. Use the emulator or a compatible gateway."
)
PRICE_HINT = (
    "Dollars per generated second (Batch is empty where the model has none); self-hosted "
    "models: dollars per GPU-second and the GPUs one render uses. \u201cno price\u201d: nothing "
    "is counted until you type a rate."
)


class ProviderPage(QWidget):
    """List of profiles on the left, the selected profile's form on the right."""

    changed = Signal()

    def __init__(
        self,
        profiles: list[ProviderProfile],
        saved_names: set[str],
        default_name: str,
        env: Mapping[str, str],
        background: BackgroundOps,
        *,
        key_store: KeyStore = store_key,
        connection_test: ConnectionTest = probe_connection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._profiles: dict[str, ProviderProfile] = {p.name: p for p in profiles}
        self._saved = set(saved_names)
        self._dirty: set[str] = set()
        self._added: set[str] = set()  # made in this dialog: a preset choice fills defaults
        self._removed: set[str] = set()
        self._env = env
        self.default_name = default_name
        self._current: str | None = None
        self._served: tuple[str, ...] = ()  # the form's served models (Apply what was found)
        self._loading = False

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
        self.preset_picker = PresetPicker()
        self.preset_picker.chosen.connect(self._on_preset_chosen)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://gateway.example.com/v1")
        self.keys = KeyFields(env, key_store, self)
        self.keys.edited.connect(self._mark_dirty)
        self.keys.store_button.clicked.connect(self.store_key)
        self.key_source_combo = self.keys.source_combo
        self.env_var_edit = self.keys.env_var_edit
        self.key_edit = self.keys.key_edit
        self.key_status = self.keys.status
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(1, 32)
        self.concurrency_spin.setToolTip("Renders sent to this provider at the same time")
        self.long_check = QCheckBox("Offer 16 s and 20 s clips")
        self.default_check = QCheckBox("Use for new renders")
        self.probe = ProbePanel(background, connection_test)
        self.probe.profile_source = self._probe_target
        self.probe.apply_requested.connect(self.apply_report)
        self.test_button = self.probe.button
        self.test_result = self.probe.status
        self.capabilities = CapabilityEditor()
        self.capabilities.changed.connect(self._mark_dirty)
        self.prices = PriceTable()
        price_hint = QLabel(PRICE_HINT)
        price_hint.setProperty("role", "hint")
        price_hint.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setProperty("role", "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.retired_note = QLabel()
        self.retired_note.setProperty("role", "hint")
        self.retired_note.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Server kind", self.preset_picker)
        form.addRow("Base URL", self.url_edit)
        form.addRow("Key source", self.key_source_combo)
        form.addRow("Variable", self.env_var_edit)
        form.addRow("API key", self.keys.key_row)
        form.addRow("", self.key_status)
        form.addRow("Concurrency", self.concurrency_spin)
        form.addRow("", self.long_check)
        form.addRow("", self.default_check)
        prices_title = QLabel("Prices")
        prices_title.setProperty("role", "heading")
        content = QWidget()
        right = QVBoxLayout(content)
        right.addWidget(self.retired_note)
        right.addLayout(form)
        right.addWidget(self.probe)
        right.addWidget(self.capabilities)
        right.addWidget(prices_title)
        right.addWidget(self.prices)
        right.addWidget(price_hint)
        right.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        column = QVBoxLayout()
        column.addWidget(self.scroll_area, 1)
        column.addWidget(self.problem)

        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(column, 1)

        for widget in (self.name_edit, self.url_edit):
            widget.textEdited.connect(self._mark_dirty)
        self.concurrency_spin.valueChanged.connect(self._mark_dirty)
        self.long_check.toggled.connect(self._mark_dirty)
        self.default_check.toggled.connect(self._on_default_toggled)
        self.prices.itemChanged.connect(self._mark_dirty)
        self._fill_list()

    # --- list -------------------------------------------------------------------------------

    def _fill_list(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for name, profile in self._profiles.items():
            label = name + (" (default)" if name == self.default_name else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(
                "OpenAI retired Sora video generation on 2026-09-24"
                if profile.retired
                else profile.preset_info.label
            )
            self.list.addItem(item)
        self.list.blockSignals(False)
        names = list(self._profiles)
        target = select if select in names else (self._current if self._current in names else None)
        row = names.index(target) if target else 0
        self.list.setCurrentRow(row)
        self._on_selected(self.list.currentItem(), None)

    def profile_names(self) -> list[str]:
        return list(self._profiles)

    def current_name(self) -> str | None:
        return self._current

    def select(self, name: str) -> None:
        self.commit_form()
        self._fill_list(select=name)

    def _on_selected(self, item: QListWidgetItem | None, _previous: Any) -> None:
        if item is None:
            return
        name = str(item.data(Qt.ItemDataRole.UserRole))
        if self._current is not None and self._current in self._dirty and not self.commit_form():
            return  # keep the invalid form open with its problem shown
        if name != self._current:
            self.probe.forget()  # a probe of the profile left behind must not land on this one
        self._current = name
        self._load(self._profiles[name])

    def add_profile(self) -> None:
        self.commit_form()
        name, counter = "gateway", 2
        while name in self._profiles:
            name = f"gateway-{counter}"
            counter += 1
        info = preset(GENERIC_PRESET)
        self._profiles[name] = ProviderProfile(
            name=name,
            kind="gateway",
            base_url="https://gateway.example.com/v1",
            key_source="keyring",
            concurrency_limit=info.concurrency_limit,
            timeout_s=info.timeout_s,
            preset=info.name,
        )
        self._dirty.add(name)
        self._added.add(name)
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
        self._added.discard(name)
        if name in self._saved:
            self._removed.add(name)
        if self.default_name == name:
            self.default_name = EMULATOR_PROFILE
        self._current = None
        self._fill_list()
        self.changed.emit()

    # --- form -------------------------------------------------------------------------------

    def _builtin(self, name: str) -> bool:
        return name not in self._saved and name not in self._dirty

    def _load(self, profile: ProviderProfile) -> None:
        self._loading = True
        try:
            self.name_edit.setText(profile.name)
            builtin = self._builtin(profile.name)
            self.name_edit.setReadOnly(profile.name in self._saved or builtin)
            fixed = profile.kind == "emulator" or profile.preset == RETIRED_PRESET
            self.preset_picker.set_preset(profile.preset, editable=not fixed)
            self.url_edit.setText(profile.base_url or "")
            self.url_edit.setEnabled(profile.kind != "emulator")
            self.keys.load(profile.key_source)
            self.concurrency_spin.setValue(profile.concurrency_limit)
            self.long_check.setChecked(profile.long_durations_enabled)
            self.long_check.setEnabled(profile.kind != "emulator")
            self.default_check.setChecked(profile.name == self.default_name)
            self.remove_button.setEnabled(profile.name != EMULATOR_PROFILE and not builtin)
            self.retired_note.setText(RETIRED_NOTE if profile.retired else "")
            self.retired_note.setVisible(profile.retired)
            self._served = profile.served_models
            self.capabilities.load(profile.preset_info, profile.capability_overrides)
            self.prices.load(profile.catalog())
            self._show_problem(None)
            self._sync_key_widgets()
        finally:
            self._loading = False

    def _sync_key_widgets(self) -> None:
        self.keys.sync(self._current or self.name_edit.text())

    def _mark_dirty(self, *_args: Any) -> None:
        if self._loading or self._current is None:
            return
        self._dirty.add(self._current)
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

    def _on_preset_chosen(self, name: str) -> None:
        """Another server kind: its capabilities (the person's overrides kept) and models; a
        profile made in this dialog also takes the preset's usual address and concurrency."""
        if self._current is None:
            return
        info = preset(name)
        self.capabilities.set_preset(info)
        if self._current in self._added:
            if info.default_base_url:
                self.url_edit.setText(info.default_base_url)
            self.concurrency_spin.setValue(info.concurrency_limit)
        self._mark_dirty()
        self._refill_prices()

    def _refill_prices(self) -> None:
        """The price table for the catalog the form now implies (server kind, served models)."""
        try:
            catalog: Catalog = self.form_profile().catalog()
        except UserError:
            old = self._profiles[self._current] if self._current else None
            catalog = catalog_for_profile(
                default_catalog(),
                self.preset_picker.current().models,
                self._served,
                old.catalog_overrides if old else None,
            )
        self.prices.load(catalog)

    def apply_report(self, report: ProbeReport) -> None:
        """Keep what Test connection found: capability overrides, the video models listed and,
        when the server answered like another kind, that server kind."""
        if self._current is None:
            return
        suggested = report.suggested_preset
        if suggested and suggested != self.preset_picker.current().name:
            self.preset_picker.set_preset(suggested, editable=True)
            self.capabilities.set_preset(preset(suggested))
        self.capabilities.apply(report.suggested_overrides)
        if report.video_models:
            self._served = tuple(report.video_models)
        self._mark_dirty()
        self._refill_prices()

    def served_models(self) -> tuple[str, ...]:
        """The models the form's profile offers exactly ((): its preset's)."""
        return self._served

    def form_profile(self) -> ProviderProfile:
        """The profile as the form shows it; ``UserError`` names what is wrong."""
        if self._current is None:
            raise UserError("no provider selected")
        old = self._profiles[self._current]
        source = self.keys.key_source()
        info = self.preset_picker.current()
        if old.kind == "emulator":
            kind = "emulator"
        else:
            kind = "openai" if info.name == RETIRED_PRESET else "gateway"
        data = old.to_dict()
        data.update(
            name=self.name_edit.text().strip(),
            kind=kind,
            preset=info.name,
            # The emulator's URL is where this run started it; it is never saved.
            base_url=old.base_url if kind == "emulator" else self.url_edit.text().strip(),
            key_source=source,
            concurrency_limit=self.concurrency_spin.value(),
            long_durations=self.long_check.isChecked(),
            capability_overrides=self.capabilities.overrides(),
            served_models=list(self._served),
        )
        if self._current in self._added:
            data["timeout_s"] = info.timeout_s
        draft = profile_from_dict(data)
        data["catalog_overrides"] = price_overrides(draft, self.prices.rows())
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
            if name in self._added:
                self._added.discard(name)
                self._added.add(profile.name)
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
        try:
            self.keys.store(self.name_edit.text().strip())
        except UserError as exc:
            self._show_problem(str(exc))
            return False
        self._show_problem(None)
        return True

    def _probe_target(self) -> tuple[ProviderProfile, str | None]:
        profile = self.form_profile()
        return profile, resolve_key(profile, self._env)

    def run_connection_test(self) -> bool:
        """Test connection on the form's profile (off the GUI thread); False when it cannot."""
        return self.probe.run()

    # --- results ------------------------------------------------------------------------------

    def pending(self) -> tuple[list[ProviderProfile], set[str]]:
        """(profiles to save, names to delete) after committing the open form."""
        if not self.commit_form():
            raise UserError(self.problem.text())
        return [self._profiles[n] for n in sorted(self._dirty)], set(self._removed)
