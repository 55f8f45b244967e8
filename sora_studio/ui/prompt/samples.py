"""Sample data for running the builder on its own: the built-in emulator's catalog, two
characters made from real clips, and a few saved and recent briefs kept in memory.

The emulator's catalog and capabilities come from its preset, exactly what the desk's built-in
``emulator`` provider offers; the characters' clips are rendered by the emulator's renderer
(through ``preview_media``).
"""

from __future__ import annotations

import time
from pathlib import Path

from sora_studio.core.capabilities import preset
from sora_studio.core.catalog import catalog_for_profile, default_catalog
from sora_studio.core.models import Brief, Character
from sora_studio.preview_media import render_clip
from sora_studio.ui.prompt.environment import BuilderEnvironment

PROVIDER = "emulator"
CLIP_SECONDS = 3  # characters are made from 2-4 s clips
CHARACTER_NAMES = ("Captain Pip", "Moss")
TEMPLATES = {
    "Rainy street": Brief(
        subject="A paper boat drifting down a rain-soaked street",
        setting="a narrow cobbled lane at dusk",
        camera="low angle, slow dolly alongside the boat",
        lighting="neon reflections in the puddles",
        audio="rain on tin roofs",
    ),
    "Desert kite": Brief(
        subject="A red kite over golden dunes",
        camera="wide shot, slow orbit",
        style="warm, grainy film look",
    ),
}
RECENT = (Brief(free_text="Snow falling on a quiet village square at night, gentle zoom."),)


class SampleBriefs:
    """A ``BriefStore`` in memory: templates and recent briefs live as long as the preview."""

    def __init__(self) -> None:
        self._templates = dict(TEMPLATES)
        self._recent = list(RECENT)

    def list_templates(self) -> dict[str, Brief]:
        return dict(self._templates)

    def save_template(self, name: str, brief: Brief) -> None:
        self._templates[name] = brief

    def recent_briefs(self, limit: int = 10) -> list[Brief]:
        return self._recent[:limit]

    def add_recent_brief(self, brief: Brief) -> None:
        self._recent = [brief, *(b for b in self._recent if b != brief)]


def sample_characters(folder: Path) -> tuple[Character, ...]:
    """Characters at the emulator, each with a short clip rendered into ``folder``."""
    characters = []
    for number, name in enumerate(CHARACTER_NAMES, start=1):
        clip = render_clip(folder / f"char_{number}", f"{name}, waving", CLIP_SECONDS)
        characters.append(
            Character(number, PROVIDER, f"char_sample_{number}", name, str(clip), time.time())
        )
    return tuple(characters)


def emulator_environment(folder: Path) -> BuilderEnvironment:
    """What the builder offers for the desk's built-in emulator, on files in ``folder``."""
    info = preset(PROVIDER)
    return BuilderEnvironment(
        provider=PROVIDER,
        catalog=catalog_for_profile(default_catalog(), info.models, (), {}),
        long_durations=True,  # the emulator profile renders the long durations too
        references_dir=folder / "references",
        characters=sample_characters(folder / "characters"),
        capabilities=info.capabilities,
    )
