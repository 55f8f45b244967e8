"""The builder's Templates button: save the brief under a name, load a saved one, or go back to
a recently rendered brief. The briefs live in the ``BriefStore`` (the library's database).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QInputDialog, QMenu, QToolButton, QWidget

from sora_studio.core.brief import compose_prompt
from sora_studio.core.models import Brief
from sora_studio.ui.icons import make_icon
from sora_studio.ui.prompt.environment import BriefStore

TITLE_CHARS = 60
RECENT_SHOWN = 10


def brief_title(brief: Brief) -> str:
    """A brief in one short line, for a menu."""
    text = " ".join((brief.subject or compose_prompt(brief)).split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


class TemplatesButton(QToolButton):
    """A button whose menu is filled from the store each time it opens; disabled without one."""

    chosen = Signal(object)  # the Brief to load into the builder

    def __init__(
        self,
        store: BriefStore | None,
        current: Callable[[], Brief],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._current = current
        self.setText("Templates")
        self.setIcon(make_icon("template"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.templates_menu = QMenu(self)
        self.templates_menu.aboutToShow.connect(self._fill)
        self.setMenu(self.templates_menu)
        self.setEnabled(store is not None)

    def _fill(self) -> None:
        menu = self.templates_menu
        menu.clear()
        if self.store is None:
            return
        save = menu.addAction(make_icon("save"), "Save brief as template…")
        save.triggered.connect(self.save_dialog)
        templates = self.store.list_templates()
        menu.addSeparator()
        if templates:
            for name, brief in templates.items():
                action = menu.addAction(make_icon("template"), name)
                action.triggered.connect(lambda _=False, b=brief: self.chosen.emit(b))
        else:
            menu.addAction("No templates yet").setEnabled(False)
        recent_menu = menu.addMenu(make_icon("history"), "Recent briefs")
        recent = self.store.recent_briefs(RECENT_SHOWN)
        if recent:
            for brief in recent:
                action = recent_menu.addAction(brief_title(brief))
                action.setToolTip(compose_prompt(brief))
                action.triggered.connect(lambda _=False, b=brief: self.chosen.emit(b))
        else:
            recent_menu.addAction("Nothing rendered yet").setEnabled(False)

    def save_dialog(self) -> bool:
        """Ask for a name and save the current brief under it."""
        name, ok = QInputDialog.getText(self.window(), "Save template", "Template name:")
        if not ok or not name.strip():
            return False
        return self.save(name.strip())

    def save(self, name: str) -> bool:
        if self.store is None:
            return False
        self.store.save_template(name, self._current())
        return True

    def names(self) -> Sequence[str]:
        return list(self.store.list_templates()) if self.store else []
