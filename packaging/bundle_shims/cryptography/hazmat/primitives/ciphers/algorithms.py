"""See ``cryptography/__init__.py``: AES, with a 128-, 192- or 256-bit key."""

from __future__ import annotations


class AES:
    name = "AES"
    block_size = 128

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise ValueError(f"Invalid key size ({len(key) * 8}) for AES.")
        self.key = bytes(key)

    @property
    def key_size(self) -> int:
        return len(self.key) * 8
