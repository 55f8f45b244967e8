"""The desktop resources and the packaging route: what a desktop, a software centre and the bundle
build rely on, checked without building the bundle (packaging/smoke_test.sh checks a built one).

The standard validators run when they are installed (desktop-file-utils, appstream) and the tests
say so when they skip.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

import sora_studio
from sora_studio.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
ICONS = RESOURCES / "icons"
PACKAGING = ROOT / "packaging"
APP_ID = "app.sorastudio.SoraStudio"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
FIELD_CODES = re.compile(r"%[fFuU]")


def _desktop_entry() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def _metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def _spec_literal(name: str) -> object:
    """A top-level assignment of the PyInstaller spec, evaluated without PyInstaller."""
    tree = ast.parse((PACKAGING / "sora-studio.spec").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            # These assignments are built from literals only (a list, or a comprehension over a
            # literal string); evaluating them runs nothing of the spec.
            code = compile(ast.Expression(node.value), "sora-studio.spec", "eval")
            return eval(code, {"__builtins__": {}})
    raise AssertionError(f"the spec assigns no {name}")


# --- validators ----------------------------------------------------------------------------


def test_desktop_file_validates() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_metainfo_validates() -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed (Debian: appstream)")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- icons ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", HICOLOR_SIZES)
def test_png_icon_for_every_hicolor_size(size: int) -> None:
    path = ICONS / f"sora-studio-{size}.png"
    assert path.is_file(), f"{path.name} is missing; render it from sora-studio.svg"
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA", "app icons need transparency"
        alpha = image.getchannel("A")
        assert alpha.getextrema()[0] == 0, "the corners should be transparent"
        assert alpha.getextrema()[1] == 255, "the icon should be drawn, not blank"


def test_windows_icon_holds_the_sizes_windows_asks_for() -> None:
    with Image.open(ICONS / "sora-studio.ico") as image:
        sizes = set(image.info["sizes"])
        image.load()
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= sizes, sizes


def test_mac_icon_decodes_up_to_retina_sizes() -> None:
    with Image.open(ICONS / "sora-studio.icns") as image:
        sizes = {(w * scale, h * scale) for w, h, scale in image.info["sizes"]}
        image.load()
        assert image.size[0] == image.size[1] >= 512
    assert {(16, 16), (32, 32), (128, 128), (256, 256), (512, 512)} <= sizes, sizes


def test_svg_master_is_a_square_svg() -> None:
    root = ET.parse(ICONS / "sora-studio.svg").getroot()
    assert root.tag.endswith("svg")
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].replace(",", " ").split())
    assert width == height > 0


# --- desktop entry and metainfo agree ------------------------------------------------------


def test_desktop_entry_and_metainfo_name_the_same_app() -> None:
    entry = _desktop_entry()
    meta = _metainfo()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    binary = shlex.split(entry["Exec"])[0]

    assert meta.findtext("id") == DESKTOP.stem == APP_ID
    assert meta.find("launchable[@type='desktop-id']").text == DESKTOP.name  # type: ignore[union-attr]
    assert entry["Icon"] == APP_ID, "the installer names the icons after the app id"
    assert binary == entry["TryExec"] == meta.findtext("provides/binary")
    assert binary in scripts, f"Exec runs {binary}, pyproject installs {sorted(scripts)}"
    assert meta.findtext("name") == entry["Name"]
    meta_categories = {c.text for c in meta.iterfind("categories/category")}
    assert meta_categories <= set(entry["Categories"].rstrip(";").split(";"))


def test_metainfo_lists_the_current_version_as_newest_release() -> None:
    versions = [r.attrib["version"] for r in _metainfo().iterfind("releases/release")]
    assert versions, "the metainfo lists no release"
    assert versions[0] == sora_studio.__version__, "add a <release> for the new version"


def test_the_command_line_accepts_what_the_menu_entry_passes() -> None:
    # A file manager fills %f/%F/%u/%U with paths; the CLI must then take them.
    args = shlex.split(_desktop_entry()["Exec"])[1:]
    argv = [FIELD_CODES.sub("/home/someone/clip.mp4", a) for a in args if a]
    build_parser().parse_args(argv)


# --- the install step ------------------------------------------------------------------------


def _install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(PACKAGING / "install-desktop-entry.sh"), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_install_desktop_entry_into_a_prefix_and_remove_it(tmp_path: Path) -> None:
    prefix = tmp_path / "share"
    executable = "/opt/Sora Studio/sora-studio"
    result = _install("--prefix", str(prefix), "--exec", executable)
    assert result.returncode == 0, result.stderr

    desktop = prefix / "applications" / DESKTOP.name
    text = desktop.read_text("utf-8")
    assert f'Exec="{executable}"\n' in text, "a path with a space is quoted on the Exec line"
    assert f"TryExec={executable}\n" in text
    assert (prefix / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    assert (prefix / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    for size in HICOLOR_SIZES:
        icon = prefix / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png"
        with Image.open(icon) as image:
            assert image.size == (size, size)
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True)
        assert check.returncode == 0, check.stdout

    result = _install("--prefix", str(prefix), "--uninstall")
    assert result.returncode == 0, result.stderr
    left = [p for p in prefix.rglob(f"{APP_ID}*")]
    assert left == [], left


def test_install_refuses_a_path_a_desktop_entry_cannot_carry(tmp_path: Path) -> None:
    result = _install("--prefix", str(tmp_path), "--exec", "/opt/$HOME/sora-studio")
    assert result.returncode == 1
    assert "plainer path" in result.stderr
    assert not (tmp_path / "applications" / DESKTOP.name).exists()


# --- the PyInstaller spec --------------------------------------------------------------------


def test_spec_keeps_every_qt_module_the_app_imports() -> None:
    excluded = set(_spec_literal("QT_EXCLUDES"))  # type: ignore[call-overload]
    used = set()
    for path in (ROOT / "sora_studio").rglob("*.py"):
        used |= {f"PySide6.{m}" for m in re.findall(r"PySide6\.(Qt\w+)", path.read_text("utf-8"))}
    assert {"PySide6.QtWidgets", "PySide6.QtMultimedia"} <= used
    assert not used & excluded, f"the bundle would lack {sorted(used & excluded)}"


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        # the formats the desk shows: JPEG spritesheets, WebP thumbnails, SVG icons
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/imageformats/libqwebp.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PIL/_imaging.cpython-311-x86_64-linux-gnu.so",
        "PIL/_webp.cpython-311-x86_64-linux-gnu.so",
        # the FFmpeg multimedia plugin links against these
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",
        "PySide6/Qt/lib/libavcodec.so.63",
        # wheel-vendored copies are the packages' own, not the system's
        "libfreetype-57f805ba.so.6.20.6",
        "av.libs/libavcodec-5e6b81c2.so.62.28.102",
    ],
)
def test_spec_drop_list_spares_what_the_desk_loads(dest: str) -> None:
    patterns = _spec_literal("DROP_PATTERNS")
    assert isinstance(patterns, list)
    matched = [p for p in patterns if re.search(p, dest)]
    assert matched == [], f"{dest} would be dropped by {matched}"


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "libstdc++.so.6",
        "libfontconfig.so.1",
        "PySide6/Qt/plugins/networkinformation/libqglib.so",
        "PySide6/Qt/plugins/imageformats/libqtiff.so",
        "PySide6/Qt/plugins/imageformats/libqgif.so",
        "PIL/_avif.cpython-311-x86_64-linux-gnu.so",
    ],
)
def test_spec_drop_list_removes_what_the_desk_never_loads(dest: str) -> None:
    patterns = _spec_literal("DROP_PATTERNS")
    assert isinstance(patterns, list)
    assert any(re.search(p, dest) for p in patterns), dest


def _spec_stub_patterns() -> list[str]:
    """The first argument of each ``Stub(...)`` in the spec's STUBS list."""
    tree = ast.parse((PACKAGING / "sora-studio.spec").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "STUBS" for t in node.targets
        ):
            assert isinstance(node.value, ast.List)
            calls = [call for call in node.value.elts if isinstance(call, ast.Call)]
            return [ast.literal_eval(call.args[0]) for call in calls]
    raise AssertionError("the spec assigns no STUBS")


def test_spec_stubs_only_the_encoders_the_app_never_runs() -> None:
    patterns = _spec_stub_patterns()
    stubbed = [
        "av.libs/libx265-f5385bb8.so.216",
        "av.libs/libSvtAv1Enc-9393c086.so.4.1.0",
    ]
    needed = [
        # the app encodes with libx264 and FFmpeg's own AAC, and decodes AV1 with dav1d
        "av.libs/libx264-d6533a8d.so.165",
        "av.libs/libavcodec-5e6b81c2.so.62.28.102",
        "av.libs/libdav1d-f4b27961.so.7.0.0",
        "av.libs/libopus-114e2b1a.so.0.11.1",
        "PySide6/Qt/lib/libavcodec.so.61",
    ]
    for dest in stubbed:
        assert any(re.search(p, dest) for p in patterns), dest
    for dest in needed:
        assert not any(re.search(p, dest) for p in patterns), dest
    encoders = {
        m
        for path in (ROOT / "sora_studio").rglob("*.py")
        for m in re.findall(r"add_stream\(\s*\"(\w+)\"", path.read_text("utf-8"))
    }
    assert "libx264" in encoders, "the scan for the app's encoders found none"
    assert encoders <= {"libx264", "aac"}, f"a new encoder may need a stubbed library: {encoders}"


def test_build_tools_are_pinned_outside_the_app_dependencies() -> None:
    requirements = (PACKAGING / "requirements.txt").read_text("utf-8")
    assert re.search(r"^pyinstaller==\d+\.\d+", requirements, re.M)
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8").lower()
    assert "pyinstaller" not in pyproject, "PyInstaller is a build tool, not a dependency"


@pytest.mark.parametrize("script", ["build.sh", "smoke_test.sh", "install-desktop-entry.sh"])
def test_packaging_scripts_parse(script: str) -> None:
    result = subprocess.run(
        ["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
