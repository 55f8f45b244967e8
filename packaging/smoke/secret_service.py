"""A minimal Secret Service (org.freedesktop.secrets) on the session bus, for the smoke test.

The bundle stores provider keys through keyring's Secret Service backend (SecretStorage), whose
AES-CBC comes from the bundle's own stand-in for the cryptography package. Build machines and CI
have no GNOME keyring or KWallet, so packaging/smoke_test.sh starts a private session bus and this
service on it, then stores and reads a key with the bundled app. It speaks the encrypted session
the real daemons prefer (dh-ietf1024-sha256-aes128-cbc-pkcs7, decrypting with the real
cryptography package of the Python that runs it), so a stand-in that got AES wrong fails here:
the padding would not check out, or the stored key would differ from the one sent.

One collection (the default alias), never locked, no prompts; items live in memory and are
written as JSON to ``--store`` after every change, for the smoke test to compare. Runs until
killed; ``--ready FILE`` is written once the bus name is owned.

Usage: python secret_service.py --store STORE.json --ready READY_FILE
Needs jeepney and cryptography (both come with SecretStorage, so the build venv has them).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from jeepney import HeaderFields, Message, MessageType, message_bus, new_error, new_method_return
from jeepney.io.blocking import DBusConnection, open_dbus_connection

BUS_NAME = "org.freedesktop.secrets"
PREFIX = "org.freedesktop.Secret."
SERVICE_PATH = "/org/freedesktop/secrets"
COLLECTION_PATH = "/org/freedesktop/secrets/aliases/default"
ITEM_PREFIX = "/org/freedesktop/secrets/collection/login/"
SESSION_PREFIX = "/org/freedesktop/secrets/session/"
DH_ALGORITHM = "dh-ietf1024-sha256-aes128-cbc-pkcs7"
# The 1024-bit MODP group of RFC 2409 (second Oakley group), as the specification asks.
DH_PRIME = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)


class SecretService:
    def __init__(self, store: Path) -> None:
        self.store = store
        self.sessions: dict[str, bytes | None] = {}  # path -> AES key (None: plain)
        self.items: dict[str, dict[str, Any]] = {}
        self.serial = 0

    # --- sessions --------------------------------------------------------------------------

    def open_session(self, algorithm: str, argument: tuple[str, Any]) -> tuple[Any, str]:
        self.serial += 1
        path = f"{SESSION_PREFIX}{self.serial}"
        if algorithm == "plain":
            self.sessions[path] = None
            return ("s", ""), path
        if algorithm != DH_ALGORITHM:
            raise DBusError("org.freedesktop.DBus.Error.NotSupported", algorithm)
        private = int.from_bytes(os.urandom(128), "big")
        public = pow(2, private, DH_PRIME)
        shared = pow(int.from_bytes(argument[1], "big"), private, DH_PRIME).to_bytes(128, "big")
        # HKDF-SHA256 with no salt and no info, 128 bits (the specification's key derivation)
        pseudo_random_key = hmac.new(b"\0" * 32, shared, hashlib.sha256).digest()
        self.sessions[path] = hmac.new(pseudo_random_key, b"\x01", hashlib.sha256).digest()[:16]
        return ("ay", public.to_bytes(128, "big")), path

    def decrypt(self, secret: tuple[str, bytes, bytes, str]) -> bytes:
        session, iv, value, _ = secret
        key = self.sessions[session]
        if key is None:
            return bytes(value)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(iv))).decryptor()
        padded = decryptor.update(bytes(value)) + decryptor.finalize()
        padding = padded[-1]
        if not 1 <= padding <= 16 or padded[-padding:] != bytes([padding]) * padding:
            raise DBusError(PREFIX + "Error.InvalidArgs", "the secret's padding is wrong")
        return padded[:-padding]

    def encrypt(self, session: str, plain: bytes, content_type: str) -> tuple[Any, ...]:
        key = self.sessions[session]
        if key is None:
            return (session, b"", plain, content_type)
        iv = os.urandom(16)
        padding = 16 - len(plain) % 16
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        value = encryptor.update(plain + bytes([padding]) * padding) + encryptor.finalize()
        return (session, iv, value, content_type)

    # --- items -----------------------------------------------------------------------------

    def create_item(
        self, properties: dict[str, tuple[str, Any]], secret: Any, replace: bool
    ) -> tuple[str, str]:
        attributes = dict(properties.get(PREFIX + "Item.Attributes", ("a{ss}", {}))[1])
        label = properties.get(PREFIX + "Item.Label", ("s", ""))[1]
        path = next(
            (p for p, i in self.items.items() if replace and i["attributes"] == attributes), None
        )
        if path is None:
            self.serial += 1
            path = f"{ITEM_PREFIX}{self.serial}"
        now = int(time.time())
        self.items[path] = {
            "label": label,
            "attributes": attributes,
            "secret": self.decrypt(secret).decode("utf-8"),
            "content_type": secret[3],
            "created": now,
        }
        self.save()
        return path, "/"

    def search(self, attributes: dict[str, str]) -> list[str]:
        return [
            path
            for path, item in self.items.items()
            if all(item["attributes"].get(k) == v for k, v in attributes.items())
        ]

    def save(self) -> None:
        self.store.write_text(json.dumps(list(self.items.values()), indent=2), "utf-8")

    # --- D-Bus -----------------------------------------------------------------------------

    def handle(self, path: str, interface: str, member: str, body: tuple[Any, ...]) -> Any:
        """(signature, body) of the reply to a method call."""
        if interface == "org.freedesktop.DBus.Properties" and member == "Get":
            signature, value = self.get_property(path, body[1])
            return "v", ((signature, value),)
        if path == SERVICE_PATH:
            if member == "OpenSession":
                output, session = self.open_session(*body)
                return "vo", (output, session)
            if member == "ReadAlias":
                return "o", (COLLECTION_PATH if body[0] == "default" else "/",)
            if member == "SearchItems":
                return "aoao", (self.search(body[0]), [])
            if member == "Unlock":
                return "aoo", (body[0], "/")
            if member == "GetSecrets":
                items, session = body
                secrets = {p: self.secret_of(p, session) for p in items if p in self.items}
                return "a{o(oayays)}", (secrets,)
        elif path == COLLECTION_PATH:
            if member == "SearchItems":
                return "ao", (self.search(body[0]),)
            if member == "CreateItem":
                return "oo", self.create_item(*body)
        elif path in self.items:
            if member == "GetSecret":
                return "(oayays)", (self.secret_of(path, body[0]),)
            if member == "Delete":
                del self.items[path]
                self.save()
                return "o", ("/",)
        elif path in self.sessions and member == "Close":
            del self.sessions[path]
            return "", ()
        raise DBusError("org.freedesktop.DBus.Error.UnknownMethod", f"{path} {member}")

    def secret_of(self, path: str, session: str) -> tuple[Any, ...]:
        item = self.items[path]
        return self.encrypt(session, item["secret"].encode("utf-8"), item["content_type"])

    def get_property(self, path: str, name: str) -> tuple[str, Any]:
        if path == SERVICE_PATH and name == "Collections":
            return "ao", [COLLECTION_PATH]
        if path == COLLECTION_PATH:
            values = {
                "Label": ("s", "Login"),
                "Locked": ("b", False),
                "Items": ("ao", list(self.items)),
                "Created": ("t", 0),
                "Modified": ("t", 0),
            }
            if name in values:
                return values[name]
        if path in self.items:
            item = self.items[path]
            values = {
                "Label": ("s", item["label"]),
                "Locked": ("b", False),
                "Attributes": ("a{ss}", item["attributes"]),
                "Created": ("t", item["created"]),
                "Modified": ("t", item["created"]),
            }
            if name in values:
                return values[name]
        raise DBusError("org.freedesktop.DBus.Error.UnknownObject", f"{path} has no {name}")


class DBusError(Exception):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name


def serve(connection: DBusConnection, service: SecretService) -> None:
    while True:
        message: Message = connection.receive()
        if message.header.message_type != MessageType.method_call:
            continue
        fields = message.header.fields
        try:
            signature, body = service.handle(
                fields.get(HeaderFields.path, ""),
                fields.get(HeaderFields.interface, ""),
                fields.get(HeaderFields.member, ""),
                message.body,
            )
            reply = new_method_return(message, signature, body)
        except DBusError as exc:
            reply = new_error(message, exc.name, "s", (str(exc),))
        except Exception as exc:  # a bug here must reach the client as an error, not hang it
            reply = new_error(message, "org.freedesktop.DBus.Error.Failed", "s", (repr(exc),))
        connection.send(reply)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--ready", type=Path, required=True)
    args = parser.parse_args()
    service = SecretService(args.store)
    service.save()
    with open_dbus_connection(bus="SESSION") as connection:
        (result,) = connection.send_and_get_reply(message_bus.RequestName(BUS_NAME)).body
        if result != 1:  # DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
            raise SystemExit(f"secret_service: could not own {BUS_NAME} (reply {result})")
        args.ready.write_text("ready\n", "utf-8")
        serve(connection, service)


if __name__ == "__main__":
    main()
