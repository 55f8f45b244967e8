"""Importing video files from disk as clips to review, next to the rendered ones.

Each file is probed (it must really be a video), hashed (a file already in the library is skipped
with a message naming the clip it duplicates), then its thumbnail and a 25-frame spritesheet are
made locally in a hidden staging folder inside the library. Only when every file is there does one
short transaction create the job row (lineage ``import``, status ``ready``, provider ``import``,
cost 0), move the staging folder to ``<library>/<date>/<job>/`` and record the assets. Any failure
rolls the row back and removes the folder, so an import is either complete or absent.

The video is copied (temp file + fsync + atomic rename) or, with ``copy=False``, referenced where
it lies. Folders given as paths are searched for video files.

Hostile or damaged files (cut short, flipped bytes, an image or text named ``.mp4``, an empty
file, a folder, a symbolic link loop, a file that vanishes half-way) each end as one
:class:`ImportProblem` whose message is a single line, with no row, file or folder left behind;
the files after it still import.

Threading: pure file work and database writes are interleaved per file, so call it on a thread
that owns its own ``Repository`` (see ``storage.repository``).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sora_studio.core.errors import UserError
from sora_studio.core.models import (
    Asset,
    AssetVariant,
    Job,
    JobStatus,
    LineageKind,
    Operation,
)
from sora_studio.media.frames import make_spritesheet, make_thumbnail
from sora_studio.media.probe import MediaError, VideoInfo, check_complete, probe_video
from sora_studio.services import library
from sora_studio.storage.repository import Repository

log = logging.getLogger(__name__)

IMPORT_PROVIDER = "import"
IMPORT_MODEL = "import"
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"})
# Files are prepared in ``<library>/.import-<random>/`` before the job row exists; a folder of
# that name is only ever left behind by a killed process (see :func:`sweep_import_staging`).
STAGING_PREFIX = ".import-"
# Larger than 8K on a side is no clip to review: a header claiming it is far more likely damaged
# or hostile, and decoding one frame of it for the thumbnail would take gigabytes.
MAX_SIDE = 8192


@dataclass(frozen=True, slots=True)
class ImportedClip:
    """A file that became a clip."""

    source: str
    job_id: int
    video_path: str
    copied: bool
    sha256: str
    width: int
    height: int
    duration_s: float


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A file that did not become a clip, and why (``duplicate_of`` for an existing clip)."""

    source: str
    message: str
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: tuple[ImportedClip, ...] = ()
    duplicates: tuple[ImportProblem, ...] = ()
    failures: tuple[ImportProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no file failed (duplicates skipped on purpose are not failures)."""
        return not self.failures


@dataclass
class _Collected:
    imported: list[ImportedClip] = field(default_factory=list)
    duplicates: list[ImportProblem] = field(default_factory=list)
    failures: list[ImportProblem] = field(default_factory=list)

    def freeze(self) -> ImportReport:
        return ImportReport(tuple(self.imported), tuple(self.duplicates), tuple(self.failures))


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given, and the video files found (recursively, sorted) in folders given.

    A folder holding no video file is kept as it is, so that :func:`import_clips` says so
    instead of silently importing nothing.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            videos = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES and not p.name.startswith(".")
            )
            found.extend(videos or [path])
        else:
            found.append(path)
    return found


def _check_readable(path: Path) -> None:
    """Refuse anything but a regular file this process can read, naming what it is instead."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(f"{path}: a symbolic link that loops back on itself") from None
        if path.is_symlink():
            raise UserError(f"{path}: a symbolic link to a file that does not exist") from None
        if exc.errno == errno.ENOENT:
            raise UserError(f"{path}: no such file; check the path") from None
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserError(f"{path}: no video files found in this folder")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or a device would block the probe or never end: only plain files are read.
        raise UserError(f"{path}: not a regular file")
    if info.st_size == 0:
        raise UserError(f"{path}: the file is empty")
    if not os.access(path, os.R_OK):
        raise UserError(f"{path}: cannot be read (permission denied); check its permissions")


def _probe(path: Path) -> VideoInfo:
    info = probe_video(path)
    if info.duration_s <= 0:
        raise MediaError(f"{path}: the video has no duration; is the file complete?")
    if max(info.width, info.height) > MAX_SIDE:
        raise MediaError(
            f"{path}: {info.width}x{info.height} is larger than {MAX_SIDE} pixels on a side; "
            "is the file damaged?"
        )
    check_complete(path)
    return info


def _copy_into(source: Path, dest: Path) -> str:
    """Copy ``source`` to ``dest`` via a temp file and an atomic rename; returns the sha256."""
    temp = library.temp_path_for(dest)
    try:
        with source.open("rb") as src, temp.open("wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return library.commit_file(temp, dest)


def _make_dirs(folder: Path) -> list[Path]:
    """``mkdir -p folder``; returns the folders it created, outermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def _one_line(text: str) -> str:
    """``text`` on one line: a file name or an FFmpeg message may hold a line break."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class _Importer:
    def __init__(self, repo: Repository, library_root: Path, copy: bool) -> None:
        self.repo = repo
        self.root = Path(library_root)
        self.copy = copy

    def one(self, source: Path) -> ImportedClip | ImportProblem:
        _check_readable(source)
        info = _probe(source)
        digest = library.sha256_of(source)
        existing = self.repo.find_asset_by_sha256(digest)
        if existing is not None:
            return ImportProblem(
                str(source),
                _one_line(
                    f"{source.name} is already in the library as clip {existing.job_id}; skipped"
                ),
                duplicate_of=existing.job_id,
            )
        made = _make_dirs(self.root)
        staging = self.root / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
        moved_to: Path | None = None  # set only once the folder is ours to remove on failure
        try:
            staging.mkdir()
            # Keep the container's own extension (a .mov stays .mov for players that care).
            video_name = f"video{source.suffix.lower() or AssetVariant.VIDEO.file_extension}"
            pictures_from = source
            if self.copy:
                copied_digest = _copy_into(source, staging / video_name)
                if copied_digest != digest:
                    raise UserError(f"{source} changed while it was being imported; try again")
                # The copy is what the library keeps: its pictures come from it, so a source
                # that vanishes or changes from here on cannot make them disagree.
                pictures_from = staging / video_name
            thumb = make_thumbnail(pictures_from, staging / "thumbnail.webp")
            sheet = make_spritesheet(pictures_from, staging / "spritesheet.jpg")
            with self.repo.db.atomic():
                job = self._create_job(source, info, digest)
                final = library.job_folder(self.root, job)
                if final.exists():
                    raise UserError(f"the library folder {final} already exists; move it aside")
                made += _make_dirs(final.parent)
                os.replace(staging, final)
                moved_to = final
                library.fsync_dir(final.parent)
                video_path = (final / video_name) if self.copy else source.resolve()
                files = self._record_assets(job, video_path, digest, final, thumb, sheet)
                library.write_recipe(final, self._recipe(job, source, files))
                self.repo.log_event(
                    "import",
                    {"source": str(source.resolve()), "copied": self.copy, "sha256": digest},
                    job_id=job.id,
                )
        except BaseException:
            _remove_tree(staging)
            if moved_to is not None:
                _remove_tree(moved_to)
            for folder in reversed(made):  # the date folder (and library) made for this clip
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only while empty: another clip may have arrived there
            raise
        return ImportedClip(
            source=str(source),
            job_id=job.id,
            video_path=str(video_path),
            copied=self.copy,
            sha256=digest,
            width=info.width,
            height=info.height,
            duration_s=info.duration_s,
        )

    def _create_job(self, source: Path, info: VideoInfo, digest: str) -> Job:
        job = self.repo.create_job(
            provider=IMPORT_PROVIDER,
            fingerprint=f"import:{digest}",
            prompt="",
            model=IMPORT_MODEL,
            size=f"{info.width}x{info.height}",
            seconds=max(1, round(info.duration_s)),
            status=JobStatus.READY,
            operation=Operation.CREATE,
            estimate_cents=Decimal(0),
            lineage_kind=LineageKind.IMPORT,
        )
        now = time.time()
        return self.repo.update_job(job.id, cost_cents=Decimal(0), progress=100, completed_at=now)

    def _record_assets(
        self, job: Job, video: Path, digest: str, folder: Path, thumb: Path, sheet: Path
    ) -> list[tuple[AssetVariant, str, str]]:
        entries = [
            (AssetVariant.VIDEO, video, digest),
            (AssetVariant.THUMBNAIL, folder / thumb.name, None),
            (AssetVariant.SPRITESHEET, folder / sheet.name, None),
        ]
        files: list[tuple[AssetVariant, str, str]] = []
        for variant, path, known in entries:
            sha = known or library.sha256_of(path)
            self.repo.upsert_asset(
                Asset(
                    job_id=job.id,
                    variant=variant,
                    path=str(path),
                    bytes=path.stat().st_size,
                    sha256=sha,
                    verified=True,
                )
            )
            files.append((variant, path.name, sha))
        return files

    def _recipe(
        self, job: Job, source: Path, files: list[tuple[AssetVariant, str, str]]
    ) -> dict[str, object]:
        recipe = library.recipe_for(job, files)
        recipe["import"] = {
            "source": str(source.resolve()),
            "copied": self.copy,
        }
        return recipe


def sweep_import_staging(library_root: Path) -> int:
    """Remove staging folders a killed import left behind; returns how many went."""
    root = Path(library_root)
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.glob(f"{STAGING_PREFIX}*"):
        if folder.is_dir():
            _remove_tree(folder)
            removed += 1
    return removed


def import_clips(
    repo: Repository,
    library_root: Path,
    paths: Sequence[str | os.PathLike[str]],
    *,
    copy: bool = True,
    on_progress: Callable[[int, int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import video files (and the videos inside folders) as ready clips.

    Problems are per file: a missing, unreadable or non-video file is reported in
    ``failures`` and the others still import. ``on_progress(done, total, path)`` is called
    before each file; ``should_cancel()`` true stops before the next file.
    """
    files = expand_paths(paths)
    collected = _Collected()
    importer = _Importer(repo, Path(library_root), copy)
    for index, source in enumerate(files):
        if should_cancel is not None and should_cancel():
            break
        if on_progress is not None:
            on_progress(index, len(files), str(source))
        try:
            outcome = importer.one(source)
        except (UserError, OSError, ValueError) as exc:  # MediaError is a UserError
            message = str(exc) if isinstance(exc, UserError) else f"{source}: {exc}"
            collected.failures.append(ImportProblem(str(source), _one_line(message)))
            continue
        except Exception as exc:
            # A file no check foresaw must still cost one line, not the whole import (the desk
            # imports from a pool thread, the CLI prints tracebacks to people): the details go
            # to the log for a bug report.
            log.exception("importing %s failed unexpectedly", source)
            message = f"{source}: could not be imported (internal error: {type(exc).__name__})"
            collected.failures.append(ImportProblem(str(source), _one_line(message)))
            continue
        if isinstance(outcome, ImportedClip):
            collected.imported.append(outcome)
        else:
            collected.duplicates.append(outcome)
    return collected.freeze()
