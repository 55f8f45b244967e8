"""``/v1/videos/characters``: make a character from a short clip, look one up, and resolve the
``characters`` list of a create request to stored characters.

A character's clip is checked with ``core.validation`` (2-4 s, a usable size) like the desk
checks it before uploading; a refused clip leaves no folder behind.
"""

from __future__ import annotations

from typing import Any

from sora_studio.core.validation import MAX_CHARACTERS  # per video
from sora_studio.emulator.errors import bad_request, not_found
from sora_studio.emulator.forms import Upload, require_str
from sora_studio.emulator.jobs import remove_media
from sora_studio.emulator.records import CharacterRecord
from sora_studio.emulator.state import EmulatorState, new_id, now_s
from sora_studio.emulator.uploads import keep_video

MAX_NAME_CHARS = 80


class CharacterService:
    """Character operations over ``EmulatorState``; safe from any thread."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        name = require_str(body, "name").strip()
        if not 1 <= len(name) <= MAX_NAME_CHARS:
            message = f"'name' must be 1 to {MAX_NAME_CHARS} characters long."
            raise bad_request(message, param="name", code="invalid_value")
        clip = body.get("video")
        if not isinstance(clip, Upload):
            raise bad_request(
                "Missing required file 'video': upload a 2-4 s MP4 clip of the character.",
                param="video",
            )
        from sora_studio.core.validation import validate_character_clip

        char_id = new_id("char_", 32)
        refusal = "The uploaded 'video' is not a readable video; send a 2-4 s MP4 clip."
        path, info = keep_video(self.state, char_id, clip.data, "clip.mp4", refusal)
        problems = validate_character_clip(info.duration_s, info.width, info.height)
        if problems:
            remove_media(self.state, char_id)
            raise bad_request(
                " ".join(p.message for p in problems), param="video", code="invalid_value"
            )
        record = CharacterRecord(id=char_id, name=name, created_at=now_s(), clip=str(path))
        return self.state.characters.put(record).public()

    def get(self, character_id: str) -> dict[str, Any]:
        character = self.state.characters.get(character_id)
        if character is None:
            raise not_found("character", character_id, "character_id")
        return character.public()

    def resolve(self, raw: Any) -> list[CharacterRecord]:
        """The stored characters a create request's ``characters`` names (at most two)."""
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
            raise bad_request(
                '\'characters\' must be a list of objects like [{"id": "char_..."}].',
                param="characters",
                code="invalid_type",
            )
        if len(raw) > MAX_CHARACTERS:
            raise bad_request(
                f"{len(raw)} characters given; a video can use at most {MAX_CHARACTERS}.",
                param="characters",
                code="invalid_value",
            )
        found = []
        for entry in raw:
            char_id = entry.get("id")
            character = self.state.characters.get(str(char_id)) if char_id else None
            if character is None:
                raise bad_request(
                    f"Character {char_id!r} does not exist; create it with "
                    "POST /v1/videos/characters first.",
                    param="characters",
                    code="not_found",
                )
            found.append(character)
        return found
