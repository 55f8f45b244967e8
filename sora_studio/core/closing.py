"""A base for objects that hold a connection and are used in a ``with`` block.

``with VideosClient(...) as client:`` closes the client's connection pool on the way out, error
or not. Subclasses implement :meth:`Closing.close`; the context-manager protocol is written once.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """``with obj:`` returns ``obj`` and calls ``obj.close()`` when the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
