"""The first picture of a clip, decoded ahead of time so the player can show it at once.

Pool thread (the desk calls it through ``services.posters``): it opens the MP4 with PyAV,
decodes up to the first video frame and scales it with swscale. Nothing else of the file is
read, so it costs a few milliseconds even for a long clip.
"""

from __future__ import annotations

from pathlib import Path

import av

from sora_studio.media.frames import thumbnail_size
from sora_studio.media.probe import MediaError, refusing_damage


def first_frame_rgb(path: str | Path, max_side: int) -> tuple[int, int, bytes]:
    """``(width, height, rgb24 bytes)`` of the clip's first frame, its long side at most
    ``max_side`` (rows packed, 3 bytes a pixel). Raises ``MediaError`` when it cannot be read."""
    path = Path(path)
    with refusing_damage(f"not a video file: {path} could not be read"):
        container = av.open(str(path))
    with container, refusing_damage(f"video {path.name} has no readable first frame"):
        if not container.streams.video:
            raise MediaError(f"not a video file: {path} has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            width, height = thumbnail_size(frame.width, frame.height, max_side)
            rgb = frame.reformat(width=width, height=height, format="rgb24")
            return width, height, bytes(rgb.to_ndarray().tobytes())
    raise MediaError(f"video {path.name} has no frames")
