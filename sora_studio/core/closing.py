"""A base for objects that hold a connection or an unfinished file and are used in a ``with`` block.

``with VideosClient(...) as client:`` closes the client's connection pool on the way out, error
or not. Subclasses implement :meth:`Closing.close`; one that has work to throw away when the block
raises (a half-written file) also overrides :meth:`Closing.abort`. The context-manager protocol is
written once.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """``with obj:`` returns ``obj`` and calls ``obj.close()`` when the block ends, or
    ``obj.abort()`` when it raised (which closes too, unless a subclass says otherwise)."""

    def close(self) -> object:
        raise NotImplementedError

    def abort(self) -> None:
        """Called instead of :meth:`close` when the ``with`` block raised."""
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
