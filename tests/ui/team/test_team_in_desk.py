"""The composition root starts the team sync for a connected library, shows it in the status
bar, offers Settings › Team, records under the team reviewer's name, and stops it on shutdown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sora_studio.app import DeskOptions, attach_review, build_desk
from sora_studio.paths import resolve_paths
from sora_studio.services.team_sync import connect_library
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.settings_dialog import SettingsDialog
from sora_studio.ui.workers.team_link import CONNECTED


def test_the_desk_syncs_a_connected_library_and_stops_on_shutdown(
    qtbot: QtBot, tmp_path: Path, team_url: str
) -> None:
    paths = resolve_paths(tmp_path / "data").ensure()
    repo = Repository(open_db(paths.database))
    try:
        connect_library(repo, team_url, "Alice")
    finally:
        repo.close()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desk = build_desk(app, paths, DeskOptions(env={}, start_engine=False, remember_layout=False))
    panel = attach_review(desk)
    assert panel is not None
    try:
        assert desk.window.status.team_label.isHidden()  # nothing until the desk starts
        desk.start()
        qtbot.waitUntil(lambda: desk.team.state.state == CONNECTED, timeout=15_000)
        assert desk.window.status.team_label.text().endswith("Team: connected as Alice")
        assert panel.verdicts.reviewer == "Alice" and panel.clip_notes.author == "Alice"
        dialog = SettingsDialog(
            desk.reader,
            env={},
            library_default=paths.library,
            save=lambda _changes: None,
            team=desk.team,
            parent=desk.window,
        )
        tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
        assert tabs[-1] == "Team"
        assert dialog.team_page is not None and dialog.team_page.disconnect_button.isEnabled()
        dialog.done(0)
        dialog.deleteLater()
    finally:
        desk.shutdown()
    assert not desk.team.running
