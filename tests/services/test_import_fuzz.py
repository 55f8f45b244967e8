"""Fuzzing the import path that ``sora-studio import`` and the desk's drag-and-drop share.

Every hostile or damaged file (cut short at any length, bytes flipped, header wiped, random
bytes, an image or text named ``.mp4``, an empty file, a folder named ``x.mp4``, a symbolic link
loop, a file that vanishes or changes half-way) must end as one refusal whose message is one
line: no exception, no job row, no asset, no event, no file or folder left in the library. A
file that does import is a whole clip. After each, a valid clip still imports.

The valid sources come from the project's own encoder (``tests/media_factory``): as written
(``+faststart``, index first) and remuxed by PyAV without faststart (index last, the layout whose
8 KB prefix once crashed ``probe_video``). Hypothesis runs derandomized, without an example
database, with bounded examples, so CI sees the same cases every time (about 16 s of CPU).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from sora_studio import cli
from sora_studio.core.models import AssetVariant, JobStatus
from sora_studio.services import imports, library
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.media_factory import remux_moov_at_end, write_clip

LAYOUTS = ("faststart", "moov-at-end")
# ``SORA_FUZZ_EXAMPLES=2000`` searches longer, with fresh random cases, on a developer's machine.
_DEEP = int(os.environ.get("SORA_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_DEEP or 40,
    deadline=None,
    derandomize=not _DEEP,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The bytes of one valid 0.5 s clip (with sound) in each layout."""
    folder = tmp_path_factory.mktemp("sources")
    fast = write_clip(folder / "fast.mp4", frames=12, width=160, height=90)
    late = remux_moov_at_end(fast, folder / "late.mp4")
    assert late.read_bytes()[:64].find(b"moov") == -1  # the index really is at the end
    return {"faststart": fast.read_bytes(), "moov-at-end": late.read_bytes()}


@pytest.fixture(scope="module")
def valid_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clip (other bytes than ``sources``) imported after each hostile file."""
    folder = tmp_path_factory.mktemp("valid")
    return write_clip(folder / "valid.mp4", level=200, frames=12, width=160, height=90)


# --- one library per example -----------------------------------------------------------------


@dataclass
class Library:
    root: Path
    repo: Repository
    incoming: Path

    def snapshot(self) -> tuple[object, ...]:
        """Everything an import may write: rows of each table and every path under the root."""
        db = self.repo.db
        counts = tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("jobs", "assets", "events")
        )
        tree = sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*"))
        return counts, tuple(tree)


@contextmanager
def fresh_library() -> Iterator[Library]:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "library").mkdir()
        (base / "incoming").mkdir()
        repo = Repository(open_db(base / "studio.sqlite3"))
        try:
            yield Library(base / "library", repo, base / "incoming")
        finally:
            repo.close()


def assert_refused_or_whole(lib: Library, source: Path, *, copy: bool = True) -> bool:
    """Import ``source``; True when it was refused (checked to leave nothing behind)."""
    before = lib.snapshot()
    report = imports.import_clips(lib.repo, lib.root, [source], copy=copy)
    assert not report.duplicates
    if report.failures:
        assert not report.imported
        for failure in report.failures:
            assert failure.message and "\n" not in failure.message and "\r" not in failure.message
            assert "Traceback" not in failure.message
            # The import's last-resort guard names an internal error: the media layer should
            # have refused the file itself with a message that says what is wrong with it.
            assert "internal error" not in failure.message, failure.message
        assert lib.snapshot() == before, "a refused import left something behind"
        return True
    (clip,) = report.imported
    job = lib.repo.require_job(clip.job_id)
    assert job.status is JobStatus.READY
    assets = lib.repo.assets_for(job.id)
    assert set(assets) == set(AssetVariant)
    folder = library.job_folder(lib.root, job)
    for variant, asset in assets.items():
        if copy or variant is not AssetVariant.VIDEO:  # a linked source may go at any time
            assert Path(asset.path).is_file() and Path(asset.path).parent == folder
    assert not list(lib.root.glob(f"{imports.STAGING_PREFIX}*"))
    return False


def assert_valid_import_works(lib: Library, valid: Path) -> None:
    report = imports.import_clips(lib.repo, lib.root, [valid])
    assert report.ok and len(report.imported) == 1, report


def write(lib: Library, name: str, data: bytes) -> Path:
    path = lib.incoming / name
    path.write_bytes(data)
    return path


# --- damaged copies of a valid clip ----------------------------------------------------------


@FUZZ
@given(layout=st.sampled_from(LAYOUTS), fraction=st.floats(0.0, 1.0, exclude_max=True))
def test_a_clip_cut_short_at_any_length_is_refused(
    sources: dict[str, bytes], valid_clip: Path, layout: str, fraction: float
) -> None:
    data = sources[layout]
    cut = data[: int(len(data) * fraction)]
    with fresh_library() as lib:
        assert assert_refused_or_whole(lib, write(lib, "cut.mp4", cut))
        assert_valid_import_works(lib, valid_clip)


@FUZZ
@given(
    layout=st.sampled_from(LAYOUTS),
    flips=st.lists(
        st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=24
    ),
)
def test_flipped_bytes_are_refused_or_import_whole(
    sources: dict[str, bytes],
    valid_clip: Path,
    layout: str,
    flips: list[tuple[float, int]],
) -> None:
    data = bytearray(sources[layout])
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    with fresh_library() as lib:
        assert_refused_or_whole(lib, write(lib, "flipped.mp4", bytes(data)))
        assert_valid_import_works(lib, valid_clip)


@FUZZ
@given(layout=st.sampled_from(LAYOUTS), wiped=st.integers(1, 4096))
def test_a_wiped_header_is_refused(
    sources: dict[str, bytes], valid_clip: Path, layout: str, wiped: int
) -> None:
    data = sources[layout]
    damaged = bytes(min(wiped, len(data))) + data[wiped:]
    with fresh_library() as lib:
        refused = assert_refused_or_whole(lib, write(lib, "wiped.mp4", damaged))
        # The first bytes of a box size are zero already: wiping only those changes nothing.
        assert refused or damaged == data
        assert_valid_import_works(lib, valid_clip)


@FUZZ
@given(
    layout=st.sampled_from(LAYOUTS),
    keep=st.floats(0.0, 1.0, exclude_max=True),
    tail=st.binary(min_size=1, max_size=2048),
)
def test_a_clip_whose_end_is_replaced_by_noise_is_refused_or_whole(
    sources: dict[str, bytes], valid_clip: Path, layout: str, keep: float, tail: bytes
) -> None:
    data = sources[layout]
    spliced = data[: int(len(data) * keep)] + tail
    with fresh_library() as lib:
        assert_refused_or_whole(lib, write(lib, "spliced.mp4", spliced))
        assert_valid_import_works(lib, valid_clip)


# --- things that were never videos -----------------------------------------------------------


def _image(fmt: str, size: tuple[int, int], frames: int) -> bytes:
    pictures = [Image.new("RGB", size, (40 * i % 256, 90, 160)) for i in range(frames)]
    out = io.BytesIO()
    if frames > 1 and fmt in ("GIF", "WEBP", "PNG"):
        pictures[0].save(out, format=fmt, save_all=True, append_images=pictures[1:], duration=100)
    else:
        pictures[0].save(out, format=fmt)
    return out.getvalue()


not_videos = st.one_of(
    st.binary(max_size=4096),
    st.text(max_size=400).map(lambda text: text.encode("utf-8")),
    # An MP4 file type box, then anything: the MP4 demuxer itself has to say no.
    st.binary(max_size=2048).map(
        lambda rest: b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isom" + rest
    ),
    st.builds(
        _image,
        st.sampled_from(["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"]),
        st.tuples(st.integers(1, 96), st.integers(1, 96)),
        st.integers(1, 4),
    ),
)


@FUZZ
@given(data=not_videos)
def test_random_bytes_text_and_images_named_mp4_are_refused(valid_clip: Path, data: bytes) -> None:
    with fresh_library() as lib:
        assert assert_refused_or_whole(lib, write(lib, "not-a-video.mp4", data))
        assert_valid_import_works(lib, valid_clip)


def _empty(lib: Library) -> Path:
    return write(lib, "empty.mp4", b"")


def _folder(lib: Library) -> Path:
    folder = lib.incoming / "x.mp4"
    folder.mkdir()
    return folder


def _folder_of_junk(lib: Library) -> Path:
    folder = lib.incoming / "x.mp4"
    folder.mkdir()
    (folder / "inside.mp4").write_bytes(b"not a video")
    return folder


def _symlink_loop(lib: Library) -> Path:
    first, second = lib.incoming / "a.mp4", lib.incoming / "b.mp4"
    first.symlink_to(second)
    second.symlink_to(first)
    return first


def _dangling_link(lib: Library) -> Path:
    link = lib.incoming / "gone.mp4"
    link.symlink_to(lib.incoming / "nowhere.mp4")
    return link


def _fifo(lib: Library) -> Path:
    fifo = lib.incoming / "pipe.mp4"
    os.mkfifo(fifo)  # reading it would block forever: it must be refused unread
    return fifo


def _line_break_in_name(lib: Library) -> Path:
    return write(lib, "two\nlines.mp4", b"not a video")


ODD_PATHS: dict[str, Callable[[Library], Path]] = {
    "empty file": _empty,
    "folder named x.mp4": _folder,
    "folder of junk": _folder_of_junk,
    "symlink loop": _symlink_loop,
    "dangling symlink": _dangling_link,
    "fifo": _fifo,
    "line break in the name": _line_break_in_name,
}


@pytest.mark.skipif(os.name == "nt", reason="symbolic links and FIFOs")
@pytest.mark.parametrize("make", ODD_PATHS.values(), ids=list(ODD_PATHS))
def test_odd_paths_are_refused_in_one_line(
    make: Callable[[Library], Path], valid_clip: Path
) -> None:
    with fresh_library() as lib:
        assert assert_refused_or_whole(lib, make(lib))
        assert_valid_import_works(lib, valid_clip)


def test_a_symlink_loop_is_named_as_one() -> None:
    with fresh_library() as lib:
        report = imports.import_clips(lib.repo, lib.root, [_symlink_loop(lib)])
    assert "loops back on itself" in report.failures[0].message


# --- a source that changes under the import --------------------------------------------------

# Where the source is disturbed: just before the named step of the import runs.
STAGES = {
    "probe": ("imports", "probe_video"),
    "completeness": ("imports", "check_complete"),
    "hash": ("library", "sha256_of"),
    "copy": ("imports", "_copy_into"),
    "thumbnail": ("imports", "make_thumbnail"),
    "spritesheet": ("imports", "make_spritesheet"),
    "commit": ("library", "write_recipe"),
}


def _disturb(path: Path, action: str) -> None:
    if not path.exists():
        return
    if action == "vanish":
        path.unlink()
    elif action == "cut":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif action == "replace":
        path.write_bytes(b"\x00" * 64)
    else:  # unreadable: effective for a normal user (root reads any file)
        path.chmod(0)


# Every combination (56): few enough to try them all rather than sample them.
@pytest.mark.parametrize("copy", [True, False], ids=["copy", "link"])
@pytest.mark.parametrize("action", ["vanish", "cut", "replace", "unreadable"])
@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_source_that_vanishes_or_changes_mid_import_leaves_nothing(
    sources: dict[str, bytes],
    valid_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    action: str,
    copy: bool,
) -> None:
    owner_name, attribute = STAGES[stage]
    owner: Any = imports if owner_name == "imports" else library
    original = getattr(owner, attribute)
    with fresh_library() as lib, monkeypatch.context() as patch:
        source = write(lib, "moving.mp4", sources["faststart"])
        done: list[bool] = []

        def disturbed(*args: Any, **kwargs: Any) -> Any:
            if not done:  # once: later calls are the valid import's
                done.append(True)
                _disturb(source, action)
            return original(*args, **kwargs)

        patch.setattr(owner, attribute, disturbed)
        try:
            assert_refused_or_whole(lib, source, copy=copy)
        finally:
            if source.exists():
                source.chmod(0o644)
        patch.undo()
        assert_valid_import_works(lib, valid_clip)


def test_a_failure_after_the_row_exists_rolls_everything_back(
    sources: dict[str, bytes], valid_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(folder: Path, recipe: dict[str, Any]) -> Path:
        raise OSError(28, "No space left on device")

    with fresh_library() as lib:
        source = write(lib, "good.mp4", sources["moov-at-end"])
        with monkeypatch.context() as patch:
            patch.setattr(library, "write_recipe", full_disk)
            assert assert_refused_or_whole(lib, source)
        assert_valid_import_works(lib, valid_clip)
        assert imports.import_clips(lib.repo, lib.root, [source]).imported  # and it imports now


# --- what the person sees ----------------------------------------------------------------------


def test_the_cli_refuses_each_hostile_file_in_one_line(
    sources: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    hostile = {
        "prefix.mp4": sources["moov-at-end"][:8192],
        "cut.mp4": sources["faststart"][: len(sources["faststart"]) // 2],
        "empty.mp4": b"",
        "text.mp4": b"hello\n",
    }
    paths = []
    for name, data in hostile.items():
        (incoming / name).write_bytes(data)
        paths.append(str(incoming / name))
    code = cli.main(["--data-dir", str(tmp_path / "studio"), "import", *paths])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == len(hostile)
    assert all(line.startswith("sora-studio: ") for line in lines)


def test_the_real_command_prints_one_line_for_the_8_kb_prefix_of_a_moov_last_mp4(
    sources: dict[str, bytes], tmp_path: Path
) -> None:
    """The case that once ended in ``AttributeError`` on a ``None`` codec context."""
    prefix = tmp_path / "prefix.mp4"
    prefix.write_bytes(sources["moov-at-end"][:8192])
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sora_studio",
            "--data-dir",
            str(tmp_path / "s"),
            "import",
            str(prefix),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("sora-studio: ") and "prefix.mp4" in line
