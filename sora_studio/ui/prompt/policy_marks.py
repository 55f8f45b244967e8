"""Marking policy hits in the builder: the warning colour, and underlines in the prompt editor.

GUI thread only. Phrases the provider refuses are underlined in the theme's problem red; phrases
it may refuse (warnings) in amber, so the two read differently at a glance. Both colours come
from the theme for the widget's palette (a deeper amber and red on a light window).
"""

from __future__ import annotations

from PySide6.QtGui import (
    QColor,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

from sora_studio.core.policy import policy_hits
from sora_studio.ui.theme import palette_is_dark, problem_color, warning_text_color


def warning_color(palette: QPalette) -> str:
    """The amber for warning text and marks on this palette."""
    return warning_text_color(palette_is_dark(palette))


def block_color(palette: QPalette) -> str:
    """The red for refused phrases on this palette (the theme's problem colour)."""
    return problem_color(palette_is_dark(palette))


class PolicyHighlighter(QSyntaxHighlighter):
    """Underlines policy hits in a prompt document: red for refusals, amber for warnings.

    Lives on the GUI thread with its document. Each text block (line) is checked on its own,
    which is what ``QSyntaxHighlighter`` re-runs on an edit; a phrase never spans two lines.
    """

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self._block_format = QTextCharFormat()
        self._warning_format = QTextCharFormat()
        self.set_palette(palette)

    def set_palette(self, palette: QPalette) -> None:
        """Recolour for a theme change (rehighlights only when a colour changed)."""
        colors = (block_color(palette), warning_color(palette))
        if colors == self.colors():
            return
        for fmt, color in zip((self._block_format, self._warning_format), colors, strict=True):
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(color))
        self.rehighlight()

    def colors(self) -> tuple[str, str]:
        """(refusal, warning) underline colours as ``#rrggbb``."""
        return (
            self._block_format.underlineColor().name(),
            self._warning_format.underlineColor().name(),
        )

    def highlightBlock(self, text: str) -> None:
        for hit in policy_hits(text):
            fmt = self._block_format if hit.flag.block else self._warning_format
            # Qt counts UTF-16 units, Python code points: an emoji before a phrase counts twice.
            start = _utf16_len(text[: hit.start])
            self.setFormat(start, _utf16_len(text[hit.start : hit.end]), fmt)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
