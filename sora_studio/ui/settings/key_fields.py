"""Where a provider profile's API key comes from: none, an environment variable, the OS key store.

GUI thread only. A key typed here goes straight into the OS key store through the injected
``KeyStore`` (``services.provider_settings.store_key``) and the field is cleared whatever
happens; after that only the masked form (``sk-...abcd``) is ever shown. Keys never reach the
database.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

from sora_studio.services.provider_settings import KeyStore, mask_key, masked_stored_key

__all__ = ["KEY_SOURCES", "KeyFields", "KeyStore"]

KEY_SOURCES = (
    ("none", "No key (local emulator or open gateway)"),
    ("env", "Environment variable"),
    ("keyring", "OS key store"),
)


class KeyFields(QObject):
    """The key source combo, variable name, key field, store button and status (GUI thread)."""

    edited = Signal()  # the person changed the source or the variable name

    def __init__(self, env: Mapping[str, str], key_store: KeyStore, parent: QObject) -> None:
        super().__init__(parent)
        self._env = env
        self._key_store = key_store
        self.source_combo = QComboBox()
        for key, label in KEY_SOURCES:
            self.source_combo.addItem(label, key)
        self.env_var_edit = QLineEdit("OPENAI_API_KEY")
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste a key to store it in the OS key store")
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.store_button = QPushButton("Store key")
        self.key_row = QHBoxLayout()
        self.key_row.addWidget(self.key_edit, 1)
        self.key_row.addWidget(self.store_button)
        self.source_combo.activated.connect(self.edited)
        self.env_var_edit.textEdited.connect(self.edited)
        self._name = ""
        self.source_combo.currentIndexChanged.connect(lambda _i: self.sync(self._name))

    def load(self, key_source: str) -> None:
        kind = "env" if key_source.startswith("env:") else key_source
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(kind)))
        if key_source.startswith("env:"):
            self.env_var_edit.setText(key_source[4:])

    def key_source(self) -> str:
        """``none``, ``keyring`` or ``env:NAME`` as the form says."""
        source = str(self.source_combo.currentData())
        return f"env:{self.env_var_edit.text().strip()}" if source == "env" else source

    def sync(self, profile_name: str) -> None:
        """Enable what the chosen source needs and say where the key stands (masked)."""
        self._name = profile_name
        source = self.source_combo.currentData()
        self.env_var_edit.setEnabled(source == "env")
        keyring_source = source == "keyring"
        self.key_edit.setEnabled(keyring_source)
        self.store_button.setEnabled(keyring_source)
        if keyring_source and profile_name:
            self.status.setText(f"Stored key: {masked_stored_key(profile_name)}")
        elif source == "env":
            variable = self.env_var_edit.text()
            present = bool(self._env.get(variable.strip(), "").strip())
            self.status.setText(f"{variable} is {'set' if present else 'not set'} here")
        else:
            self.status.setText("No key is sent.")

    def store(self, profile_name: str) -> None:
        """Move the typed key into the OS key store; ``UserError`` says why it could not."""
        key = self.key_edit.text()
        self.key_edit.clear()  # the full key leaves the widget whatever happens next
        self._key_store(profile_name, key)
        self.status.setText(f"Stored key: {mask_key(key.strip())}")
