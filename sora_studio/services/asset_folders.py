"""Local folders of pictures and clips, as the desk's Assets browser shows them (Qt-free).

Everything here blocks on the file system and runs on a pool thread; errors come back as values
(a listing's ``error``, a file's or preview's ``error``) so one unreadable file never hides the
rest of a folder.

* :func:`scan_folder` lists one folder's images and videos (name, kind, bytes, mtime), and its
  subfolders without ever following a symbolic link back into a folder above it (a loop).
* :func:`preview_for` makes (or finds) a file's small preview in a disk cache keyed by path,
  mtime and size, with what the file is (pixel size, length); :func:`sheet_for` makes a clip's
  hover-scrub spritesheet on demand, in the ``core.spritesheet`` layout.
* :func:`find_library_copies` says which files the library already holds, by content hash: only
  files whose size matches a library file are hashed at all, and each hash is remembered.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sora_studio.core.errors import UserError
from sora_studio.services import previews
from sora_studio.services.library import sha256_of
from sora_studio.services.library_view import LibraryView

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"})
PREVIEW_FOLDER = ".asset-previews"  # under the library folder, beside .local-spritesheets
PREVIEW_MAX_SIDE = 240  # tiles are 166 px wide; 1920 px JPEGs decode at 1/8 for this
MAX_FILES = 100_000  # a folder bigger than this is listed in part, and says so

Cancelled = Callable[[], bool]


def _never() -> bool:
    return False


class AssetKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


def kind_of(name: str) -> AssetKind | None:
    """The kind of file ``name`` is by its suffix; None for anything else."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix in IMAGE_SUFFIXES:
        return AssetKind.IMAGE
    if suffix in VIDEO_SUFFIXES:
        return AssetKind.VIDEO
    return None


@dataclass(frozen=True, slots=True)
class FolderFile:
    """One picture or clip in a folder. ``error``: it cannot be read (a broken link, no access)."""

    path: str
    name: str
    kind: AssetKind
    bytes: int
    mtime_ns: int
    error: str | None = None

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


def name_order(file: FolderFile) -> tuple[str, str]:
    """The order files are listed in: by name, case folded (the path breaks ties)."""
    return (file.name.casefold(), file.path)


@dataclass(frozen=True, slots=True)
class FolderListing:
    """A folder's pictures and clips in :func:`name_order`, or why it could not be read."""

    folder: str
    files: tuple[FolderFile, ...] = ()
    error: str | None = None
    truncated: bool = False
    signature: int = 0  # equal for two listings of the same files (a rescan that found no change)
    subfolders: int = 0  # folders inside it (not hidden ones), for "look in its subfolders"


def describe_os_error(error: OSError, what: str) -> str:
    """A plain sentence for a file-system error on ``what``."""
    if isinstance(error, PermissionError):
        return f"Permission denied: {what} cannot be read by you."
    if isinstance(error, FileNotFoundError):
        return f"{what} no longer exists (moved, renamed or deleted)."
    if isinstance(error, NotADirectoryError):
        return f"{what} is not a folder."
    if error.errno == errno.ELOOP:
        return f"{what} is a symbolic link that loops back on itself."
    return f"{what} cannot be read: {error.strerror or error}"


def scan_folder(folder: str | Path, cancelled: Cancelled = _never) -> FolderListing:
    """The images and videos directly inside ``folder``, by name; pool thread.

    A broken or looping symbolic link is listed with an ``error`` rather than dropped, so the
    person sees it. ``cancelled`` is checked every thousand entries.
    """
    folder = str(folder)
    files: list[FolderFile] = []
    truncated = False
    subfolders = 0
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count % 1000 == 999 and cancelled():
                    break
                if entry.name.startswith("."):
                    continue
                kind = kind_of(entry.name)
                if kind is None:
                    subfolders += _is_folder(entry)
                    continue
                if len(files) >= MAX_FILES:
                    truncated = True
                    break
                files.append(_folder_file(entry, kind))
    except OSError as exc:
        return FolderListing(folder, error=describe_os_error(exc, f"The folder {folder}"))
    files.sort(key=name_order)
    # A new subfolder changes what an empty folder says ("look in its subfolders").
    signature = hash((subfolders, tuple((f.path, f.mtime_ns, f.bytes, f.error) for f in files)))
    return FolderListing(
        folder, tuple(files), truncated=truncated, signature=signature, subfolders=subfolders
    )


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _folder_file(entry: os.DirEntry[str], kind: AssetKind) -> FolderFile:
    try:
        info = entry.stat()  # follows links: a link to a picture is a picture
        if not stat.S_ISREG(info.st_mode):
            return FolderFile(entry.path, entry.name, kind, 0, 0, "Not a regular file.")
        return FolderFile(entry.path, entry.name, kind, info.st_size, info.st_mtime_ns)
    except OSError as exc:
        why = "a broken link" if entry.is_symlink() else "unreadable"
        message = describe_os_error(exc, f"This file ({why})")
        return FolderFile(entry.path, entry.name, kind, 0, 0, message)


def list_subfolders(folder: str | Path) -> tuple[tuple[str, ...], str | None]:
    """The folders inside ``folder`` (sorted), skipping hidden ones and links that loop back to
    ``folder`` or a folder above it; and an error message when ``folder`` cannot be read."""
    folder = str(folder)
    try:
        here = os.path.realpath(folder)
        found: list[str] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if not entry.is_dir():
                        continue
                    if entry.is_symlink():
                        target = os.path.realpath(entry.path)
                        if here == target or here.startswith(target.rstrip(os.sep) + os.sep):
                            continue  # a loop: the link leads back to this folder or above it
                except OSError:
                    continue
                found.append(entry.path)
    except OSError as exc:
        return (), describe_os_error(exc, f"The folder {folder}")
    found.sort(key=lambda p: os.path.basename(p).casefold())
    return tuple(found), None


# --- previews ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewFacts:
    """A file's small preview on disk and what the file is; ``error`` when it is broken."""

    thumbnail: str | None
    width: int = 0
    height: int = 0
    duration_s: float = 0.0
    error: str | None = None


def preview_key(file: FolderFile) -> str:
    """The cache name of ``file``'s previews: changes whenever the file is replaced or edited."""
    text = f"{file.path}\0{file.mtime_ns}\0{file.bytes}"
    return hashlib.sha1(text.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()


def _cache_base(file: FolderFile, cache_dir: Path) -> Path:
    key = preview_key(file)
    return Path(cache_dir) / key[:2] / key


def preview_for(
    file: FolderFile, cache_dir: Path, max_side: int = PREVIEW_MAX_SIDE
) -> PreviewFacts:
    """``file``'s preview from the disk cache, made first when missing; pool thread.

    A broken file gives facts with an ``error`` (remembered, so it is not decoded again until
    the file changes); an unreadable one (permission denied) is not remembered.
    """
    if file.error:
        return PreviewFacts(None, error=file.error)
    base = _cache_base(file, cache_dir)
    meta = base.with_suffix(".json")
    thumb = base.with_suffix(".jpg" if file.kind is AssetKind.IMAGE else ".webp")
    cached = _read_meta(meta, thumb)
    if cached is not None:
        return cached
    try:
        if file.kind is AssetKind.IMAGE:
            facts = previews.image_thumbnail(file.path, thumb, max_side)
        else:
            facts = previews.video_thumbnail(file.path, thumb, max_side)
    except OSError as exc:
        return PreviewFacts(None, error=describe_os_error(exc, "This file"))
    except UserError as exc:
        result = PreviewFacts(None, error=f"Broken or unsupported file: {exc}")
    else:
        result = PreviewFacts(str(thumb), facts.width, facts.height, facts.duration_s)
    _write_meta(meta, result)
    return result


def _read_meta(meta: Path, thumb: Path) -> PreviewFacts | None:
    try:
        data = json.loads(meta.read_text("utf-8"))
        error = data.get("error")
        if error is None and not thumb.is_file():
            return None
        return PreviewFacts(
            None if error else str(thumb),
            int(data.get("width", 0)),
            int(data.get("height", 0)),
            float(data.get("duration_s", 0.0)),
            error,
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _write_meta(meta: Path, facts: PreviewFacts) -> None:
    data = {
        "width": facts.width,
        "height": facts.height,
        "duration_s": facts.duration_s,
        "error": facts.error,
    }
    try:
        meta.parent.mkdir(parents=True, exist_ok=True)
        part = meta.with_name(f".{meta.name}.{os.getpid()}.part")
        part.write_text(json.dumps(data), "utf-8")
        os.replace(part, meta)
    except OSError:
        pass  # a cache that cannot be written is only slower next time


def sheet_for(file: FolderFile, cache_dir: Path) -> str:
    """The hover-scrub spritesheet of clip ``file``, made when missing; pool thread.

    Raises ``UserError`` when the clip cannot be decoded, ``OSError`` when it cannot be read.
    """
    out = _cache_base(file, cache_dir).with_suffix(".sheet.jpg")
    if out.is_file():
        return str(out)
    return str(previews.make_spritesheet(file.path, out))


# --- already in the library ------------------------------------------------------------------


def find_library_copies(
    database: Path,
    files: Sequence[FolderFile],
    digests: MutableMapping[tuple[str, int, int], str],
    cancelled: Cancelled = _never,
) -> frozenset[str]:
    """Paths of ``files`` whose content the library already holds; pool thread.

    Opens (and closes) its own read-only view of the library. Only files with the byte size of
    some library file are hashed; ``digests`` remembers each hash by (path, mtime, size).
    """
    view = LibraryView.open(database)
    try:
        sizes = view.asset_sizes()
        by_digest: dict[str, list[str]] = {}
        for file in files:
            if cancelled():
                return frozenset()
            if file.error or file.bytes not in sizes:
                continue
            key = (file.path, file.mtime_ns, file.bytes)
            digest = digests.get(key)
            if digest is None:
                try:
                    digest = sha256_of(Path(file.path))
                except OSError:
                    continue
                digests[key] = digest
            by_digest.setdefault(digest, []).append(file.path)
        known = view.known_sha256(by_digest) if by_digest else set()
    finally:
        view.close()
    return frozenset(path for digest in known for path in by_digest.get(digest, ()))
