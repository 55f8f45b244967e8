"""See ``cryptography/__init__.py``: the backend argument is accepted and ignored, as in the real
package since version 3.1."""

from __future__ import annotations


def default_backend() -> None:
    return None
