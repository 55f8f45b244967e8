"""Clips' small preview files (thumbnails, spritesheets) in the team database, and their rows here.

Videos stay on the team media share; their pictures also travel through PostgreSQL
(``sora_team.previews``, one row per clip and variant, 4 MiB at most each), so a desk without the
share mounted still shows and scrubs every clip. The server half (:func:`stored_previews`,
:func:`store_previews`, :func:`fetch_previews`) works on a :class:`TeamServer`'s connection; the
local half (:class:`TeamPreviews`) lists this desk's previews to share and a teammate's clips
whose pictures are not cached here yet, and records a cached file as the clip's asset. Nothing
here reads or writes the files themselves: :mod:`sora_studio.services.team_previews` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sora_studio.storage.team_local import TeamLocal
from sora_studio.storage.team_pg import TeamServer, _guard
from sora_studio.storage.team_pg_schema import PREVIEW_MAX_BYTES

PREVIEW_VARIANTS = ("thumbnail", "spritesheet")

__all__ = [
    "PREVIEW_MAX_BYTES",
    "PREVIEW_VARIANTS",
    "LocalPreview",
    "PreviewBlob",
    "PreviewKey",
    "TeamPreviews",
    "fetch_previews",
    "store_previews",
    "stored_previews",
]


@dataclass(frozen=True, slots=True)
class PreviewKey:
    """One version of one picture of a clip: which clip, which picture, which bytes."""

    clip_id: str
    variant: str
    sha256: str


@dataclass(frozen=True, slots=True)
class PreviewBlob:
    """A picture's bytes, as the team database holds them."""

    key: PreviewKey
    data: bytes


@dataclass(frozen=True, slots=True)
class LocalPreview:
    """A clip's picture as this library records it (path as stored in ``assets``)."""

    job_id: int
    key: PreviewKey
    path: str
    bytes: int


def stored_previews(server: TeamServer, clip_ids: Sequence[str]) -> set[PreviewKey]:
    """The previews the server holds for these clips (each at the version it holds)."""
    if not clip_ids:
        return set()
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "SELECT clip_id, variant, sha256 FROM sora_team.previews WHERE clip_id = ANY(%s)",
            [list(clip_ids)],
        )
        return {PreviewKey(str(c), str(v), str(s)) for c, v, s in cur.fetchall()}


def store_previews(server: TeamServer, blobs: Sequence[PreviewBlob], author: str) -> int:
    """Store pictures in one transaction (a newer version replaces the old); returns how many."""
    if not blobs:
        return 0
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        for blob in blobs:
            cur.execute(
                "INSERT INTO sora_team.previews (clip_id, variant, sha256, data, author)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (clip_id, variant) DO UPDATE SET"
                " sha256 = excluded.sha256, data = excluded.data, author = excluded.author,"
                " stored_at = now() WHERE sora_team.previews.sha256 <> excluded.sha256",
                [blob.key.clip_id, blob.key.variant, blob.key.sha256, blob.data, author],
            )
    return len(blobs)


def fetch_previews(server: TeamServer, keys: Sequence[PreviewKey]) -> list[PreviewBlob]:
    """The bytes of these pictures, at exactly these versions (others are left out)."""
    if not keys:
        return []
    with _guard(), server.conn.transaction(), server.conn.cursor() as cur:
        cur.execute(
            "SELECT p.clip_id, p.variant, p.sha256, p.data FROM sora_team.previews p"
            " JOIN unnest(%s::text[], %s::text[], %s::text[]) AS k(clip_id, variant, sha256)"
            " ON p.clip_id = k.clip_id AND p.variant = k.variant AND p.sha256 = k.sha256",
            [[k.clip_id for k in keys], [k.variant for k in keys], [k.sha256 for k in keys]],
        )
        return [
            PreviewBlob(PreviewKey(str(c), str(v), str(s)), bytes(data))
            for c, v, s, data in cur.fetchall()
        ]


class TeamPreviews(TeamLocal):
    """This library's preview rows for the team (one instance per connection)."""

    def database_file(self) -> Path | None:
        """The library database's file (its folder holds the default library folder)."""
        for row in self._all("PRAGMA database_list"):
            if row["name"] == "main" and row["file"]:
                return Path(str(row["file"]))
        return None

    def local_previews(self) -> list[LocalPreview]:
        """Pictures of this desk's finished clips that the team knows (they have a clip id)."""
        return self._previews("t.origin = 'local' AND j.status = 'ready'")

    def uncached_remote_previews(self) -> list[LocalPreview]:
        """Pictures of teammates' clips not yet cached here (``verified`` 0), newest clip first."""
        return self._previews("t.origin = 'remote' AND a.verified = 0", newest_first=True)

    def _previews(self, where: str, *, newest_first: bool = False) -> list[LocalPreview]:
        rows = self._all(
            "SELECT a.job_id, a.variant, a.path, a.bytes, a.sha256, t.clip_id"
            " FROM assets a JOIN jobs j ON j.id = a.job_id JOIN team_clips t ON t.job_id = j.id"
            f" WHERE a.variant IN ('thumbnail', 'spritesheet') AND {where}"
            f" ORDER BY a.job_id {'DESC' if newest_first else 'ASC'}, a.variant"
        )
        return [
            LocalPreview(
                job_id=int(r["job_id"]),
                key=PreviewKey(str(r["clip_id"]), str(r["variant"]), str(r["sha256"])),
                path=str(r["path"]),
                bytes=int(r["bytes"]),
            )
            for r in rows
        ]

    def record_cached(self, preview: LocalPreview, path: str) -> bool:
        """The picture is cached here at ``path``: it becomes the clip's asset (checked, so a
        later copy of the same version keeps it). False when the clip's record changed since."""
        cursor = self.db.execute(
            "UPDATE assets SET path = ?, verified = 1"
            " WHERE job_id = ? AND variant = ? AND sha256 = ?",
            [path, preview.job_id, preview.key.variant, preview.key.sha256],
        )
        if cursor.rowcount:
            # The grid reads clips whose ``updated_at`` moved (a teammate's change shows).
            self.db.execute(
                "UPDATE jobs SET updated_at = ? WHERE id = ?", [self._now(), preview.job_id]
            )
        return bool(cursor.rowcount)
