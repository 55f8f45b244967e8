"""The team media share's rows: this desk's finished media to copy, and a clip's files and origin.

Read by :mod:`sora_studio.services.team_media`, which copies the files and resolves the paths;
nothing here touches the share itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sora_studio.storage.team_local import TeamLocal


@dataclass(frozen=True, slots=True)
class LocalMedia:
    """One media file of a finished clip of this desk."""

    job_id: int
    clip_id: str
    variant: str
    path: str
    bytes: int
    sha256: str


class TeamShare(TeamLocal):
    """Media rows for the team share (one instance per connection)."""

    def finished_local_media(self) -> list[LocalMedia]:
        """Media of this desk's finished clips (renders and imports), oldest clip first."""
        rows = self._all(
            "SELECT a.job_id, a.variant, a.path, a.bytes, a.sha256 FROM assets a"
            " JOIN jobs j ON j.id = a.job_id LEFT JOIN team_clips t ON t.job_id = j.id"
            " WHERE j.status = 'ready' AND (t.origin IS NULL OR t.origin = 'local')"
            " ORDER BY a.job_id, a.variant"
        )
        return [
            LocalMedia(
                job_id=int(r["job_id"]),
                clip_id=self.clip_id_for(int(r["job_id"])),
                variant=str(r["variant"]),
                path=str(r["path"]),
                bytes=int(r["bytes"]),
                sha256=str(r["sha256"]),
            )
            for r in rows
        ]

    def is_remote_clip(self, job_id: int) -> bool:
        """True for a clip another desk made (its media is on the team share)."""
        row = self._one("SELECT origin FROM team_clips WHERE job_id = ?", [job_id])
        return row is not None and row["origin"] == "remote"

    def media_paths(self, job_id: int) -> dict[str, str]:
        """The clip's media paths by variant, as recorded here."""
        rows = self._all("SELECT variant, path FROM assets WHERE job_id = ?", [job_id])
        return {str(r["variant"]): str(r["path"]) for r in rows}
