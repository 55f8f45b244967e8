"""packaging/bundle_prune.py: dropping unused Qt plugins takes their private libraries along, and
nothing a kept file still links against. Runs on the real Qt libraries of the installed PySide6.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bundle_prune", ROOT / "packaging" / "bundle_prune.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bundle_prune = _load()


def _qt_dir() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt"


def _require(*paths: Path) -> None:
    missing = [p for p in paths if not p.is_file()]
    if missing or not sys.platform.startswith("linux"):
        pytest.skip(f"needs PySide6's Linux Qt libraries ({missing or sys.platform})")


def test_elf_needed_reads_the_dynamic_section() -> None:
    plugin = _qt_dir() / "plugins" / "platforms" / "libqxcb.so"
    _require(plugin)
    needed = bundle_prune.elf_needed(plugin)
    assert needed is not None
    assert {"libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libQt6Core.so.6"} <= set(needed)


def test_elf_needed_is_none_for_other_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a library")
    assert bundle_prune.elf_needed(text) is None
    assert bundle_prune.elf_needed(tmp_path / "absent.so") is None
    truncated = tmp_path / "broken.so"
    truncated.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 80)
    assert bundle_prune.elf_needed(truncated) in (None, [])


def test_prune_removes_a_plugin_with_its_private_library_only() -> None:
    qt = _qt_dir()
    files = {
        "PySide6/Qt/plugins/imageformats/libqpdf.so": qt / "plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so": qt / "plugins/platforms/libqxcb.so",
        "PySide6/Qt/lib/libQt6Pdf.so.6": qt / "lib/libQt6Pdf.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6": qt / "lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Core.so.6": qt / "lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6": qt / "lib/libQt6XcbQpa.so.6",
    }
    _require(*files.values())
    binaries = [(dest, str(src), "BINARY") for dest, src in files.items()]
    datas = [
        ("libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("sora_studio/core/catalog.json", "/src/catalog.json", "DATA"),
    ]

    kept_binaries, kept_datas, removed = bundle_prune.prune(
        binaries, datas, [r"imageformats/libqpdf\.", r"PySide6/Qt/translations/"]
    )

    assert [b[0] for b in kept_binaries] == [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
    ]
    assert [d[0] for d in kept_datas] == ["libQt6Gui.so.6", "sora_studio/core/catalog.json"]
    assert removed == [
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "libQt6Pdf.so.6",
    ]


def test_prune_keeps_libraries_nothing_links_to() -> None:
    # A library found another way (ctypes, a hook) is no dependency of a dropped file: it stays.
    qt = _qt_dir()
    _require(qt / "lib/libQt6Core.so.6")
    binaries = [("libsomething.so.1", str(qt / "lib/libQt6Core.so.6"), "BINARY")]
    kept, _, removed = bundle_prune.prune(binaries, [], [r"^nothing-matches$"])
    assert kept == binaries
    assert removed == []


def test_prune_leaves_out_a_system_library_that_kept_files_link_to() -> None:
    # libstdc++ and friends must come from the target desktop even though Qt links to them.
    qt = _qt_dir()
    files = {
        "PySide6/Qt/lib/libQt6Gui.so.6": qt / "lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Core.so.6": qt / "lib/libQt6Core.so.6",
    }
    _require(*files.values())
    binaries = [(dest, str(src), "BINARY") for dest, src in files.items()]
    kept, _, removed = bundle_prune.prune(binaries, [], [r"/libQt6Core\.so\.6$"])
    assert [b[0] for b in kept] == ["PySide6/Qt/lib/libQt6Gui.so.6"]
    assert removed == ["PySide6/Qt/lib/libQt6Core.so.6"]


# --- stand-ins and stripping, on small libraries compiled here ------------------------------

FEATURE_C = """
int feature_table[4] = {1, 2, 3, 4};
int helper_value(void);
int feature_probe(int depth) { return depth + helper_value(); }
int feature_run(int x) { return x * 2; }
"""
USER_C = """
int feature_probe(int depth);
int feature_run(int x);
int user_probe(void) { return feature_probe(8) != 0; }
int user_run(int x) { return feature_run(x); }
"""
GREEDY_USER_C = """
extern int feature_table[4];
int greedy(void) { return feature_table[2]; }
"""


def _cc() -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not sys.platform.startswith("linux"):
        pytest.skip("needs a C compiler on Linux")
    return cc


def _library(tmp_path: Path, name: str, source: str, *links: str, debug: bool = False) -> Path:
    cc = _cc()
    (tmp_path / f"{name}.c").write_text(source)
    out = tmp_path / name
    flags = ["-g"] if debug else []
    command = [cc, "-shared", "-fPIC", *flags, f"-Wl,-soname,{name}", "-o", str(out)]
    libs = [f"-l:{link}" for link in links]
    subprocess.run([*command, str(tmp_path / f"{name}.c"), f"-L{tmp_path}", *libs], check=True)
    return out


@pytest.fixture
def feature_libs(tmp_path: Path) -> dict[str, Path]:
    """libhelper <- libfeature <- libuser: libuser calls two functions of libfeature."""
    helper = _library(tmp_path, "libhelper.so.1", "int helper_value(void) { return 0; }")
    feature = _library(tmp_path, "libfeature.so.1", FEATURE_C, "libhelper.so.1")
    user = _library(tmp_path, "libuser.so.1", USER_C, "libfeature.so.1")
    return {"helper": helper, "feature": feature, "user": user}


def _entries(libs: dict[str, Path]) -> list[tuple[str, str, str]]:
    return [(f"feature.libs/{p.name}", str(p), "BINARY") for p in libs.values()]


STUB = bundle_prune.Stub(
    r"^feature\.libs/libfeature\.", "the test never runs features", answers_null=r"_probe$"
)


def test_read_elf_lists_needed_defined_and_undefined_symbols(
    feature_libs: dict[str, Path],
) -> None:
    feature = bundle_prune.read_elf(feature_libs["feature"])
    user = bundle_prune.read_elf(feature_libs["user"])
    assert feature is not None and user is not None
    assert "libhelper.so.1" in feature.needed
    assert feature.defined["feature_run"] == "FUNC"
    assert feature.defined["feature_table"] == "OBJECT"
    assert "helper_value" in feature.undefined
    assert {"feature_probe", "feature_run"} <= user.undefined
    assert "libfeature.so.1" in user.needed


def test_stub_libraries_keeps_users_loadable_and_calls_abort(
    feature_libs: dict[str, Path], tmp_path: Path
) -> None:
    binaries, replaced = bundle_prune.stub_libraries(
        _entries(feature_libs), [STUB], tmp_path / "stubs"
    )
    stub_dest, stub_src, _ = binaries[1]
    assert stub_dest == "feature.libs/libfeature.so.1"
    assert Path(stub_src).parent == tmp_path / "stubs"
    assert replaced == [_entries(feature_libs)[1]]
    stub = bundle_prune.read_elf(stub_src)
    assert stub is not None
    assert set(stub.defined) >= {"feature_probe", "feature_run"}
    assert "libhelper.so.1" not in stub.needed, "the stand-in needs nothing of the original's"

    # libuser loads against the stand-in with every symbol resolved at once (as Python opens
    # extensions), the start-up question answers 0 and a real call aborts with the reason.
    program = f"""
import ctypes, os
ctypes.CDLL({stub_src!r}, mode=os.RTLD_NOW | os.RTLD_GLOBAL)
user = ctypes.CDLL({str(feature_libs["user"])!r}, mode=os.RTLD_NOW)
print("probe", user.user_probe(), flush=True)
user.user_run(3)
"""
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert run.stdout.strip() == "probe 0"
    assert run.returncode != 0
    assert "feature_run was called, but libfeature.so.1 is not in this bundle" in run.stderr
    assert "the test never runs features" in run.stderr


def test_stub_libraries_refuses_a_library_whose_data_is_used(
    feature_libs: dict[str, Path], tmp_path: Path
) -> None:
    greedy = _library(tmp_path, "libgreedy.so.1", GREEDY_USER_C, "libfeature.so.1")
    entries = [*_entries(feature_libs), ("feature.libs/libgreedy.so.1", str(greedy), "BINARY")]
    with pytest.raises(bundle_prune.StubError, match="feature_table"):
        bundle_prune.stub_libraries(entries, [STUB], tmp_path / "stubs")


def test_stub_libraries_without_a_compiler_changes_nothing(
    feature_libs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_prune.shutil, "which", lambda _name: None)
    entries = _entries(feature_libs)
    assert bundle_prune.stub_libraries(entries, [STUB], tmp_path / "stubs") == (entries, [])


def test_prune_drops_what_only_a_replaced_library_needed(
    feature_libs: dict[str, Path], tmp_path: Path
) -> None:
    binaries, replaced = bundle_prune.stub_libraries(
        _entries(feature_libs), [STUB], tmp_path / "stubs"
    )
    datas = [("libfeature.so.1", "feature.libs/libfeature.so.1", "SYMLINK")]
    kept, kept_datas, removed = bundle_prune.prune(binaries, datas, [], released=replaced)
    assert [b[0] for b in kept] == ["feature.libs/libfeature.so.1", "feature.libs/libuser.so.1"]
    assert removed == ["feature.libs/libhelper.so.1"], "libhelper was the original's alone"
    assert kept_datas == datas, "the link now points at the stand-in, which stays"


def test_strip_binaries_strips_checked_copies(tmp_path: Path) -> None:
    debug = _library(tmp_path, "libdebug.so.1", USER_C.replace("feature", "own"), debug=True)
    plain = tmp_path / "libplain.so.1"
    subprocess.run(["strip", "-o", str(plain), str(debug)], check=True)
    entries = [
        ("lib/libdebug.so.1", str(debug), "BINARY"),
        ("lib/libplain.so.1", str(plain), "BINARY"),
    ]

    stripped = bundle_prune.strip_binaries(entries, tmp_path / "stripped")

    assert stripped[1] == entries[1], "a file without symbols is taken as it is"
    copy = Path(stripped[0][1])
    assert copy == tmp_path / "stripped" / "lib" / "libdebug.so.1"
    assert copy.stat().st_size < debug.stat().st_size
    assert bundle_prune.loadable(copy)
    elf = bundle_prune.read_elf(copy)
    assert elf is not None and {"user_probe", "user_run"} <= set(elf.defined)
    # a second build reuses the copy; a changed source is stripped again
    mtime = copy.stat().st_mtime_ns
    assert bundle_prune.strip_binaries(entries, tmp_path / "stripped") == stripped
    assert copy.stat().st_mtime_ns == mtime
    _library(tmp_path, "libdebug.so.1", USER_C.replace("feature", "new"), debug=True)
    again = bundle_prune.strip_binaries(entries, tmp_path / "stripped")
    elf = bundle_prune.read_elf(again[0][1])
    assert elf is not None and "new_run" in elf.undefined


def test_strip_binaries_keeps_the_original_when_the_copy_would_not_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    debug = _library(tmp_path, "libdebug.so.1", "int f(void) { return 1; }", debug=True)
    checked: list[str] = []
    monkeypatch.setattr(bundle_prune, "loadable", lambda path: checked.append(path) or False)
    entries = [("libdebug.so.1", str(debug), "BINARY")]
    assert bundle_prune.strip_binaries(entries, tmp_path / "stripped") == entries
    assert not (tmp_path / "stripped" / "libdebug.so.1").exists()
    # the next build remembers and does not strip it again
    assert bundle_prune.strip_binaries(entries, tmp_path / "stripped") == entries
    assert len(checked) == 1


def test_loadable_refuses_misaligned_load_segments(tmp_path: Path) -> None:
    # What binutils' strip can make of a patchelf-rewritten library, and glibc refuses with
    # "ELF load command address/offset not page-aligned".
    library = _library(tmp_path, "libok.so.1", "int f(void) { return 1; }")
    assert bundle_prune.loadable(library)
    data = bytearray(library.read_bytes())
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for index in range(phnum):
        base = phoff + index * phentsize
        if (
            struct.unpack_from("<I", data, base)[0] == 1
            and struct.unpack_from("<Q", data, base + 8)[0]
        ):
            offset = struct.unpack_from("<Q", data, base + 8)[0]
            struct.pack_into("<Q", data, base + 8, offset + 8)
            break
    broken = tmp_path / "libbroken.so.1"
    broken.write_bytes(bytes(data))
    assert not bundle_prune.loadable(broken)
    assert not bundle_prune.loadable(tmp_path / "absent.so")
