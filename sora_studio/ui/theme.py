"""The desk's look: Fusion style with a dark or light palette that follows the system setting.

``ThemeController`` lives on the GUI thread. In ``"system"`` mode it reads
``QStyleHints.colorScheme()`` and re-applies itself when the system switches; an unknown system
scheme falls back to dark, because video is judged best against a dark surround. A small style
sheet adds what a palette cannot say: red inline problems, muted hints, the cost line.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from sora_studio.ui.icons import icon_svg

THEME_MODES = ("system", "dark", "light")

# Colours also used by painting code (delegates, overlays), so they live in one place.
ACCENT = "#6e6ef0"
ERROR = "#ff6b6b"
ERROR_LIGHT = "#c62828"
WARNING = "#f0b429"
WARNING_LIGHT = "#8f5b00"  # amber readable as text on the light window (contrast about 5:1)
SUCCESS = "#3ecf8e"


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    if dark:
        colors = {
            role.Window: "#1e1f22",
            role.WindowText: "#e4e4e7",
            role.Base: "#17181a",
            role.AlternateBase: "#222327",
            role.ToolTipBase: "#2b2d31",
            role.ToolTipText: "#e4e4e7",
            role.PlaceholderText: "#7c7f87",
            role.Text: "#e4e4e7",
            role.Button: "#2b2d31",
            role.ButtonText: "#e4e4e7",
            role.BrightText: "#ffffff",
            role.Light: "#3a3c42",
            role.Midlight: "#303237",
            role.Mid: "#26272b",
            role.Dark: "#131416",
            role.Shadow: "#000000",
            role.Highlight: ACCENT,
            role.HighlightedText: "#ffffff",
            role.Link: "#8f8ff7",
        }
        disabled = "#6b6e75"
    else:
        colors = {
            role.Window: "#f4f4f6",
            role.WindowText: "#1d1d20",
            role.Base: "#ffffff",
            role.AlternateBase: "#f0f0f3",
            role.ToolTipBase: "#ffffff",
            role.ToolTipText: "#1d1d20",
            role.PlaceholderText: "#8a8d94",
            role.Text: "#1d1d20",
            role.Button: "#e9e9ee",
            role.ButtonText: "#1d1d20",
            role.BrightText: "#000000",
            role.Light: "#ffffff",
            role.Midlight: "#f0f0f3",
            role.Mid: "#c8c8d0",
            role.Dark: "#a0a0aa",
            role.Shadow: "#60606a",
            role.Highlight: "#5151d6",
            role.HighlightedText: "#ffffff",
            role.Link: "#3d3dc2",
        }
        disabled = "#a0a3aa"
    for r, value in colors.items():
        p.setColor(r, QColor(value))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor(disabled))
    return p


def check_mark_file() -> Path:
    """The white tick drawn in a checked box, as an SVG file a style sheet can name.

    A style sheet that restyles ``::indicator`` replaces the style's own tick, and ``image:``
    takes only a file or a Qt resource, so the tick is written once per user to the temp folder
    (rewritten when missing; its content never changes)."""
    folder = (
        Path(tempfile.gettempdir()) / f"sora-studio-{os.getuid() if hasattr(os, 'getuid') else 0}"
    )
    path = folder / "check.svg"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(icon_svg("check", "#ffffff"))
        part.replace(path)  # atomic: two desks starting at once never read half a file
    return path


def _style_sheet(dark: bool, check_mark: Path | None = None) -> str:
    error = ERROR if dark else ERROR_LIGHT
    muted = "#9a9da5" if dark else "#62656c"
    border = "#34363b" if dark else "#d0d0d8"
    panel = "#232428" if dark else "#ffffff"
    indicator = "#8a8d94" if dark else "#7a7d85"
    field = "#17181a" if dark else "#ffffff"
    checked_bg = "#34346a" if dark else "#dcdcfa"
    tick = f"image: url({check_mark.as_posix()});" if check_mark is not None else ""
    return f"""
QLabel[role="problem"] {{ color: {error}; }}
QLabel[role="hint"] {{ color: {muted}; }}
QLabel[role="heading"] {{ font-weight: 600; }}
QLabel[role="cost"] {{ font-weight: 600; }}
QLabel[role="empty-title"] {{ font-size: 17pt; font-weight: 600; }}
QLabel[role="empty-body"] {{ color: {muted}; font-size: 11pt; }}
QFrame[role="card"] {{ background: {panel}; border: 1px solid {border}; border-radius: 8px; }}
QFrame[role="dropzone"] {{ border: 1px dashed {border}; border-radius: 8px; }}
QFrame[role="dropzone"][active="true"] {{ border: 2px dashed {ACCENT}; }}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"] {{
    border: 1px solid {error}; border-radius: 3px;
}}
QPushButton#renderButton {{
    background: {ACCENT}; color: white; font-weight: 600; padding: 6px 18px; border-radius: 5px;
}}
QPushButton#renderButton:disabled {{ background: {border}; color: {muted}; }}
QCheckBox::indicator, QListView::indicator, QTableView::indicator {{
    width: 13px; height: 13px; border: 1px solid {indicator}; border-radius: 3px;
    background: {field};
}}
QCheckBox::indicator:checked, QListView::indicator:checked, QTableView::indicator:checked {{
    background: {ACCENT}; border-color: {ACCENT}; {tick}
}}
QCheckBox::indicator:disabled {{ border-color: {border}; }}
QToolButton:checked {{
    background: {checked_bg}; border: 1px solid {ACCENT}; border-radius: 4px; padding: 2px 6px;
}}
QDockWidget::title {{ padding: 4px 8px; }}
QToolTip {{ padding: 4px; }}
"""


def system_prefers_dark() -> bool:
    """True when the system asks for dark, or says nothing (dark is the desk's default)."""
    scheme = QGuiApplication.styleHints().colorScheme()
    return scheme != Qt.ColorScheme.Light


class ThemeController(QObject):
    """Applies a theme mode to the application and follows the system in ``"system"`` mode."""

    changed = Signal(bool)  # is_dark

    def __init__(self, app: QApplication, mode: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._mode = "system"
        self._dark = True
        app.setStyle("Fusion")
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        self.set_mode(mode)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def is_dark(self) -> bool:
        return self._dark

    def set_mode(self, mode: str) -> None:
        """``"system"``, ``"dark"`` or ``"light"``; anything else is a ``ValueError``."""
        if mode not in THEME_MODES:
            raise ValueError(f"theme must be one of {', '.join(THEME_MODES)}, got {mode!r}")
        self._mode = mode
        self._apply()

    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._mode == "system":
            self._apply()

    def _apply(self) -> None:
        dark = system_prefers_dark() if self._mode == "system" else self._mode == "dark"
        self._dark = dark
        self._app.setPalette(_palette(dark))
        try:
            check_mark: Path | None = check_mark_file()
        except OSError:  # a read-only temp folder: checked boxes are still filled, just no tick
            check_mark = None
        self._app.setStyleSheet(_style_sheet(dark, check_mark))
        self.changed.emit(dark)


def problem_color(dark: bool) -> str:
    return ERROR if dark else ERROR_LIGHT


def warning_text_color(dark: bool) -> str:
    """Amber for warning text: the bright one reads on dark, a deeper one on light."""
    return WARNING if dark else WARNING_LIGHT


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """True when ``palette`` (default: the application's) has a dark window: the dark theme or a
    dark system palette."""
    palette = QGuiApplication.palette() if palette is None else palette
    return palette.color(QPalette.ColorRole.Window).lightness() < 128
