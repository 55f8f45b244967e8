"""Opening the library for the commands that only read or write it (import, verdict, note, export,
spend): paths and the database, nothing else.

Kept apart from :mod:`sora_studio.commands._context` on purpose: that module sets up providers and
the job engine, which pulls in the ``openai`` SDK (about a second to import). A library command
never talks to a provider, so it never pays for that.
"""

from __future__ import annotations

import argparse

from sora_studio.paths import AppPaths, resolve_paths
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository


def open_repository(args: argparse.Namespace) -> tuple[AppPaths, Repository]:
    """The library's paths (``--data-dir`` or the default) and its database; close the
    repository when done."""
    paths = resolve_paths(getattr(args, "data_dir", None)).ensure()
    return paths, Repository(open_db(paths.database))
