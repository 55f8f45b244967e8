"""See ``cryptography/__init__.py``: CBC only."""

from __future__ import annotations


class CBC:
    name = "CBC"

    def __init__(self, initialization_vector: bytes) -> None:
        self.initialization_vector = bytes(initialization_vector)
