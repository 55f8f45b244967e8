"""The review area's keyboard shortcuts (DESIGN §6), installed on the review panel.

GUI thread. Shortcuts live on the panel with ``WidgetWithChildrenShortcut``, so they work from the
grid, the player and the notes alike but never while another dock has the focus: ``Space J K L , .
I O`` (and ``Shift+I``/``Shift+O``) drive the player or, while it is on show, the compare view;
``N`` pins a note to the playhead; ``E X M P`` ask for an edit, extension, remix or promotion;
``T`` edits the selected clips' tags; ``V`` compares; ``Ctrl+F`` searches; ``Shift+U`` shows only
clips without a verdict (or every clip again). The verdict keys (``1/A 2/C 3/R``, ``Ctrl+Z``)
belong to the grid itself (``ui.review.grid_view``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

if TYPE_CHECKING:
    from sora_studio.ui.review.review_panel import ReviewPanel

PLAYER_KEYS = (
    Qt.Key.Key_Space,
    Qt.Key.Key_J,
    Qt.Key.Key_K,
    Qt.Key.Key_L,
    Qt.Key.Key_Comma,
    Qt.Key.Key_Period,
    Qt.Key.Key_I,
    Qt.Key.Key_O,
)
ACTION_KEYS = {"E": "edit", "X": "extend", "M": "remix", "P": "promote"}


def install_review_shortcuts(panel: ReviewPanel) -> None:
    """Give ``panel`` its shortcuts (see the module docstring)."""

    def shortcut(
        sequence: QKeySequence | QKeySequence.StandardKey | str, slot: Callable[[], object]
    ) -> None:
        item = QShortcut(QKeySequence(sequence), panel)
        item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        item.activated.connect(slot)

    def player_key(key: Qt.Key) -> Callable[[], object]:
        return lambda: panel.transport_key(key)

    def shifted(key: Qt.Key) -> Callable[[], object]:
        return lambda: panel.player.handle_key(key, Qt.KeyboardModifier.ShiftModifier)

    def action(name: str) -> Callable[[], object]:
        return lambda: panel.actions_bar.trigger(name)

    for key in PLAYER_KEYS:
        shortcut(QKeySequence(key), player_key(key))
    shortcut("Shift+I", shifted(Qt.Key.Key_I))
    shortcut("Shift+O", shifted(Qt.Key.Key_O))
    shortcut("N", panel.begin_note)
    for letter, name in ACTION_KEYS.items():
        shortcut(letter, action(name))
    shortcut("T", panel.tags.edit)
    shortcut("V", panel.compare_selection)
    shortcut(QKeySequence.StandardKey.Find, panel.filter_bar.focus_search)
    shortcut("Shift+U", panel.filter_bar.toggle_to_review)
