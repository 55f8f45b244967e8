"""What a downloaded file really is, from its first bytes (magic numbers) and its Content-Type.

Real servers answer asset requests with the wrong thing more often than one would hope: LiteLLM
returns the MP4 for ``variant=thumbnail``, a proxy returns an HTML error page with a 200, a gateway
returns a JSON error body with ``video/mp4``. The download path checks the first chunk with
:func:`sniff` and :func:`fits_variant` before keeping anything, so an MP4 is never saved as a
thumbnail. Pure: standard library only, no I/O.
"""

from __future__ import annotations

# How many leading bytes :func:`sniff` looks at; callers should hand it at least this many when the
# file is that long (fewer is fine: a short file is judged on what there is).
SNIFF_BYTES = 64

KINDS = ("mp4", "webp", "jpeg", "png", "gif", "avif", "heif", "html", "xml", "json", "unknown")

# ISO-BMFF brands that mean a still image, not a video (both start with an ``ftyp`` box).
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"})
# QuickTime files written without ``ftyp`` start straight with one of these boxes.
QUICKTIME_FIRST_BOXES = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_HTML_OPENINGS = ("<!doctype html", "<html", "<head", "<body", "<title", "<meta", "<h1", "<center")

_VARIANT_KINDS: dict[str, frozenset[str]] = {
    "video": frozenset({"mp4"}),
    "thumbnail": frozenset({"webp", "jpeg", "png"}),
    "spritesheet": frozenset({"jpeg", "png", "webp"}),
}

_DESCRIPTIONS = {
    "mp4": "an MP4 video",
    "webp": "a WebP image",
    "jpeg": "a JPEG image",
    "png": "a PNG image",
    "gif": "a GIF image",
    "avif": "an AVIF image",
    "heif": "a HEIF image",
    "html": "an HTML page",
    "xml": "an XML document",
    "json": "a JSON document",
    "unknown": "data of an unknown kind",
}

_CONTENT_TYPES = {
    "video/mp4": "mp4",
    "video/quicktime": "mp4",
    "video/x-m4v": "mp4",
    "image/webp": "webp",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/avif": "avif",
    "image/heif": "heif",
    "image/heic": "heif",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/json": "json",
    "application/problem+json": "json",
}


def sniff(first_bytes: bytes) -> str:
    """The kind of file that starts with ``first_bytes``: one of :data:`KINDS`.

    "mp4" covers every ISO-BMFF video (MP4, M4V, QuickTime); "unknown" means no signature matched,
    which is not proof of a bad file (the caller decides whether unknown is acceptable).
    """
    data = first_bytes[:SNIFF_BYTES]
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _AVIF_BRANDS:
            return "avif"
        if brand in _HEIF_BRANDS:
            return "heif"
        return "mp4"
    if len(data) >= 8 and data[4:8] in QUICKTIME_FIRST_BOXES and _plausible_box_size(data):
        return "mp4"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return _sniff_text(data)


def _plausible_box_size(data: bytes) -> bool:
    size = int.from_bytes(data[:4], "big")
    return size == 1 or size >= 8


def _sniff_text(data: bytes) -> str:
    text = data.lstrip(b"\xef\xbb\xbf").lstrip().decode("latin-1").lower()
    if text.startswith("<?xml"):
        return "html" if "<html" in text or "<!doctype html" in text else "xml"
    if text.startswith(_HTML_OPENINGS) or (text.startswith("<!--") and "html" in text):
        return "html"
    if text.startswith(("{", "[")):
        return "json"
    return "unknown"


def kind_from_content_type(content_type: str | None) -> str | None:
    """The kind a ``Content-Type`` header claims, or None when it claims nothing specific
    (missing, ``application/octet-stream``, ``binary/octet-stream``, or a type not listed)."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return _CONTENT_TYPES.get(media)


def accepted_kinds(variant: str) -> frozenset[str]:
    """The kinds a variant (video, thumbnail, spritesheet) may be; empty for an unknown variant."""
    return _VARIANT_KINDS.get(variant, frozenset())


def fits_variant(kind: str, variant: str) -> bool:
    """Whether a file of ``kind`` is acceptable as ``variant`` (an unknown variant accepts all)."""
    kinds = _VARIANT_KINDS.get(variant)
    return kinds is None or kind in kinds


def describe(kind: str) -> str:
    """``kind`` in words for a message: "an MP4 video", "an HTML page"."""
    return _DESCRIPTIONS.get(kind, _DESCRIPTIONS["unknown"])


def wrong_kind(first_bytes: bytes, variant: str, content_type: str | None = None) -> str | None:
    """The kind that arrived when it is clearly wrong for ``variant``; None when it may be right.

    The bytes decide when they match a known signature. Only when they do not (``unknown``) does a
    clearly wrong ``Content-Type`` (an HTML page, JSON, a video for an image) count: servers often
    label good files vaguely, but rarely label bad ones as what they are not.
    """
    kind = sniff(first_bytes)
    if kind != "unknown":
        return None if fits_variant(kind, variant) else kind
    claimed = kind_from_content_type(content_type)
    if claimed is not None and not fits_variant(claimed, variant):
        return claimed
    return None


__all__ = [
    "KINDS",
    "SNIFF_BYTES",
    "accepted_kinds",
    "describe",
    "fits_variant",
    "kind_from_content_type",
    "sniff",
    "wrong_kind",
]
