"""What the timeline export and the marker import share: formats, rates, names and marker text.

The hand-off to editing goes through OpenTimelineIO (OTIO). The format follows the file's
extension: ``.otio`` (OTIO's own JSON, which carries everything), ``.xml`` (Final Cut Pro 7
XML, read by Premiere and Resolve) and ``.edl`` (CMX 3600). OTIO is imported inside
:func:`load_otio`, never at module level, so commands that do not touch a timeline (and
``sora-studio --help``) do not pay for it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.services.export_common import PUNCTUATION

# Where our own facts live in OTIO metadata (clips, markers, the timeline).
NAMESPACE = "sora_studio"
# The OTIO adapter that reads and writes each extension.
ADAPTERS = {".otio": "otio_json", ".xml": "fcp_xml", ".edl": "cmx_3600"}
FORMAT_NAMES = {".otio": "OpenTimelineIO", ".xml": "Final Cut Pro XML", ".edl": "CMX 3600 EDL"}
OPEN_COLOUR = "RED"  # a note still to act on
RESOLVED_COLOUR = "GREEN"  # a note already dealt with
START_HOURS = 1  # timelines conventionally start at 01:00:00:00
EDL_MAX_EVENTS = 999  # CMX 3600 event numbers have three digits
# ``clip-0012`` (``export_common.export_name``), with or without an extension.
_EXPORT_STEM = re.compile(r"^clip-(\d+)$", re.IGNORECASE)


def load_otio() -> Any:
    """The ``opentimelineio`` module, imported on first use (it is a large native library)."""
    import opentimelineio

    return opentimelineio


def adapter_for(path: Path) -> str:
    """The OTIO adapter for ``path``'s extension; a clear refusal for any other kind of file."""
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise UserError(
            f"{path.name}: a timeline must be a .otio, .xml (Final Cut Pro 7) or .edl "
            "(CMX 3600) file; choose one of those extensions"
        )
    return adapter


def media_rate(fps: float) -> float:
    """The rate OTIO should use for media probed at ``fps``: an NTSC rate (29.97…) exactly as
    OTIO spells it (30000/1001), so timecode and frame counts line up; others as they are."""
    nearest = float(load_otio().opentime.RationalTime.nearest_valid_timecode_rate(fps))
    return nearest if abs(nearest - fps) < 0.01 else float(fps)


def timebase(rate: float) -> int:
    """Whole frames per second counted by timecode at ``rate`` (30 for 29.97 non-drop)."""
    return max(1, round(rate))


def plain_text(value: str) -> str:
    """One line of plain ASCII: EDL readers choke on line breaks and non-ASCII bytes."""
    folded = unicodedata.normalize("NFKD", value.translate(PUNCTUATION))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", ascii_only).strip()


def text_key(value: str) -> str:
    """Marker text compared without case, accents or spacing: an EDL upper-cases its locators
    and keeps ASCII only, and a note that came back that way is still the same note."""
    return plain_text(value).casefold()


def job_id_from_name(name: str) -> int | None:
    """The clip id in an exported file name (``clip-0012.mp4`` -> 12), else None."""
    match = _EXPORT_STEM.match(Path(name.strip()).stem)
    return int(match.group(1)) if match else None


def namespace_of(metadata: Any) -> dict[str, Any]:
    """Our namespace of an OTIO metadata dictionary, as a plain dict (empty when absent)."""
    try:
        ours = metadata.get(NAMESPACE)
    except AttributeError:
        return {}
    return dict(ours) if ours is not None and hasattr(ours, "keys") else {}
