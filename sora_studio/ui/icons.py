# ruff: noqa: E501  (SVG path data reads best on one line per icon)
"""Action icons drawn from inline SVG, so the desk needs no icon files and stays crisp at any DPI.

Each icon is a 24x24 SVG path set with ``{color}`` placeholders. :class:`SvgIconEngine` renders it
at the exact device-pixel size Qt asks for (never a scaled bitmap) in the palette's text colour,
and greys it for disabled actions. GUI thread only (QPainter on pixmaps).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

_STROKE = (
    'fill="none" stroke="{color}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"'
)

# Simple line drawings on a 24x24 grid; {color} is filled in at paint time.
_SHAPES: dict[str, str] = {
    "render": '<path d="M7 4.5v15l12.5-7.5z" fill="{color}"/>',
    "cancel": f'<g {_STROKE}><circle cx="12" cy="12" r="9"/><path d="M8.5 8.5l7 7M15.5 8.5l-7 7"/></g>',
    "retry": f'<g {_STROKE}><path d="M20 12a8 8 0 1 1-2.4-5.7"/><path d="M20 4v5h-5"/></g>',
    "delete": f'<g {_STROKE}><path d="M4 7h16M9 7V4.5h6V7M6.5 7l1 13h9l1-13M10 11v5.5M14 11v5.5"/></g>',
    "folder": f'<g {_STROKE}><path d="M3 6.5h6l2 2.5h10v10H3z"/></g>',
    "add": f'<g {_STROKE}><path d="M12 5v14M5 12h14"/></g>',
    "rename": f'<g {_STROKE}><path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13.5 6.5l4 4"/></g>',
    "copy": f'<g {_STROKE}><rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3"/></g>',
    "pause": '<g fill="{color}"><rect x="6" y="5" width="4" height="14" rx="1"/><rect x="14" y="5" width="4" height="14" rx="1"/></g>',
    "resume": '<path d="M7 4.5v15l12.5-7.5z" fill="{color}"/>',
    "settings": f'<g {_STROKE}><circle cx="12" cy="12" r="3"/><path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1"/></g>',
    "help": f'<g {_STROKE}><circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.7.3-1 .9-1 1.7v.5"/></g><circle cx="12" cy="17" r="1.2" fill="{{color}}"/>',
    "up": f'<g {_STROKE}><path d="M12 19V5M6 11l6-6 6 6"/></g>',
    "down": f'<g {_STROKE}><path d="M12 5v14M6 13l6 6 6-6"/></g>',
    "image": f'<g {_STROKE}><rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="M21 16l-5-5-8 9"/></g>',
    "template": f'<g {_STROKE}><path d="M6 3h9l4 4v14H6z"/><path d="M15 3v4h4M9 12h7M9 16h7"/></g>',
    "save": f'<g {_STROKE}><path d="M5 4h11l3 3v13H5z"/><path d="M8 4v5h7V4M8 20v-6h8v6"/></g>',
    "history": f'<g {_STROKE}><path d="M3.5 12a8.5 8.5 0 1 0 2.5-6"/><path d="M3 4v4.5h4.5M12 7.5V12l3 2"/></g>',
    "warning": f'<g {_STROKE}><path d="M12 3.5l9.5 16.5h-19z"/><path d="M12 10v4.5"/></g><circle cx="12" cy="17.3" r="1.1" fill="{{color}}"/>',
    "error": f'<g {_STROKE}><circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5"/></g><circle cx="12" cy="16.3" r="1.1" fill="{{color}}"/>',
    "ok": f'<g {_STROKE}><circle cx="12" cy="12" r="9"/><path d="M8 12.5l3 3 5-6"/></g>',
    "filter": f'<g {_STROKE}><path d="M4 5h16l-6 7.5V19l-4 1.5v-8z"/></g>',
    "quit": f'<g {_STROKE}><path d="M14 4H5v16h9M10 12h10M16.5 8.5 20 12l-3.5 3.5"/></g>',
    "keyboard": f'<g {_STROKE}><rect x="2.5" y="6" width="19" height="12" rx="2"/><path d="M6 10h.01M9.5 10h.01M13 10h.01M16.5 10h.01M7.5 14h9"/></g>',
    "check": f'<g {_STROKE}><path d="M5 12.5l4.5 4.5L19 7.5"/></g>',
    "crop": f'<g {_STROKE}><path d="M6 2.5V18h15.5M2.5 6H18v15.5"/></g>',
    "character": f'<g {_STROKE}><circle cx="12" cy="8" r="4"/><path d="M4.5 20.5a7.5 7.5 0 0 1 15 0"/></g>',
    "app": '<rect x="2" y="4" width="20" height="16" rx="4" fill="#5b5bd6"/>'
    '<path d="M10 8.5v7l6-3.5z" fill="#ffffff"/>',
}

ICON_NAMES: tuple[str, ...] = tuple(_SHAPES)


def icon_svg(name: str, color: str) -> bytes:
    """The SVG document for ``name`` drawn in ``color`` (``KeyError`` names the known icons)."""
    try:
        body = _SHAPES[name]
    except KeyError:
        raise KeyError(f"no icon {name!r}; known: {', '.join(ICON_NAMES)}") from None
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
        + body.replace("{color}", color)
        + "</svg>"
    ).encode()


class SvgIconEngine(QIconEngine):
    """Paints one named icon at the requested size, in the palette's colour for the mode."""

    def __init__(self, name: str, color: str | None = None) -> None:
        super().__init__()
        icon_svg(name, "#000")  # fail now, not at paint time, on an unknown name
        self._name = name
        self._color = color

    def _color_for(self) -> str:
        if self._color:
            return self._color
        return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        renderer = QSvgRenderer(QByteArray(icon_svg(self._name, self._color_for())))
        painter.save()
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.35)
        renderer.render(painter, QRectF(rect))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        device = QSize(round(size.width() * scale), round(size.height() * scale))
        pixmap = self.pixmap(device, mode, state)
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return SvgIconEngine(self._name, self._color)

    def key(self) -> str:
        return "sora-studio-svg"


def make_icon(name: str, color: str | None = None) -> QIcon:
    """A QIcon for ``name``; ``color`` fixes the colour, else it follows the palette."""
    return QIcon(SvgIconEngine(name, color))


def app_icon() -> QIcon:
    """The window icon (a fixed-colour badge)."""
    return make_icon("app", "#5b5bd6")
