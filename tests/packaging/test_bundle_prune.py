"""packaging/bundle_prune.py: dropping unused Qt plugins takes their private libraries along, and
nothing a kept file still links against. Runs on the real Qt libraries of the installed PySide6.
"""

from __future__ import annotations

import importlib.util
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
