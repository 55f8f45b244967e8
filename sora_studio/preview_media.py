"""What the panel previews (``python -m sora_studio.ui.queue`` / ``.prompt``) take from the
built-in emulator: short real clips from its renderer, and its moderation check, in process.

Like ``app.py``, this sits outside the layers (DESIGN.md §1): widgets never import the emulator,
so the previews' sample libraries get their media here. The emulator is imported only when a
clip is rendered or a prompt is checked.
"""

from __future__ import annotations

from pathlib import Path

CLIP_SIZE = (256, 144)  # small: a sample library is rendered in well under a second


def render_clip(folder: Path, prompt: str, seconds: int) -> Path:
    """Render ``prompt`` into ``folder`` as the desk keeps a finished render: ``video.mp4``,
    ``thumbnail.webp`` and ``spritesheet.jpg``; returns the video's path."""
    from sora_studio.emulator.renderer import RenderSpec, render_video

    width, height = CLIP_SIZE
    spec = RenderSpec(f"preview-{folder.name}", prompt, width, height, seconds)
    return render_video(spec, folder).video


def emulator_moderation(prompt: str) -> tuple[bool, list[str]]:
    """What the emulator's ``/v1/moderations`` answers for ``prompt``: (flagged, categories)."""
    from sora_studio.emulator.moderation import moderate

    result = moderate({"input": prompt})["results"][0]
    return bool(result["flagged"]), [c for c, hit in result["categories"].items() if hit]
