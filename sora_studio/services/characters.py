"""Characters: short clips uploaded once and reused by name in later prompts (at most two each).

The clip is checked locally before anything is uploaded (2-4 s, 16:9 or 9:16, 720p to 1080p), so
a person learns what to fix without a round trip; the provider still has the last word (it
refuses human likeness, for example).
"""

from __future__ import annotations

from pathlib import Path

from sora_studio.core.capabilities import Feature
from sora_studio.core.errors import UserError
from sora_studio.core.models import Character, ValidationProblem
from sora_studio.core.validation import validate_character_clip
from sora_studio.media.probe import probe_video
from sora_studio.services.capability_checks import require
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.review import acting_reviewer
from sora_studio.services.team_media import share_character_clip
from sora_studio.services.team_outbox import (
    record_character,
    record_character_deleted,
    team_identity,
)
from sora_studio.storage.repository import Repository


def check_character_clip(path: Path) -> tuple[ValidationProblem, ...]:
    """Problems with ``path`` as a character clip; empty when it may be uploaded."""
    if not path.is_file():
        return (ValidationProblem("video", f"{path} does not exist; choose an MP4 clip."),)
    try:
        info = probe_video(path)
    except UserError as exc:
        return (ValidationProblem("video", str(exc)),)
    return validate_character_clip(info.duration_s, info.width, info.height)


def upload_character(
    repo: Repository, registry: ProviderRegistry, *, provider: str, name: str, path: Path
) -> Character:
    """Check, upload and record a character; ``UserError`` says what to fix first."""
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise UserError("A character needs a name of 1 to 80 characters.")
    require(registry.profile(provider), Feature.CHARACTERS)
    problems = check_character_clip(path)
    if problems:
        raise UserError(" ".join(p.message for p in problems))
    remote = registry.client(provider).create_character(name, path)
    return save_character(
        repo, provider=provider, remote_id=remote.id, name=remote.name or name, path=path
    )


def save_character(
    repo: Repository, *, provider: str, remote_id: str, name: str, path: Path | None = None
) -> Character:
    """Record a character the provider made; connected to a team library, it travels too
    (its source clip copied to the team share when one is mounted here)."""
    shared = None if path is None else str(path)
    if path is not None and team_identity(repo) is not None:
        shared = share_character_clip(repo, provider, remote_id, path) or shared
    with repo.db.atomic():
        character = repo.add_character(
            provider=provider,
            remote_id=remote_id,
            name=name,
            source_path=None if path is None else str(path),
        )
        record_character(repo, character, acting_reviewer(repo), shared)
        return character


def rename_character(repo: Repository, character_id: int, name: str) -> Character:
    """Give a saved character a new name (the team's desks follow)."""
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise UserError("A character needs a name of 1 to 80 characters.")
    with repo.db.atomic():
        character = repo.rename_character(character_id, name)
        record_character(repo, character, acting_reviewer(repo))
        return character


def delete_character(repo: Repository, character_id: int) -> None:
    """Forget a saved character here (and on the team's desks)."""
    with repo.db.atomic():
        repo.require_character(character_id)
        record_character_deleted(repo, character_id, acting_reviewer(repo))
        repo.delete_character(character_id)
