"""Settings › Team's members and team spend cap, against a real throwaway PostgreSQL: the
members with their role and when last heard from, the cap read, set and cleared on the server
(what ``sora-studio team budget`` does), a bad amount refused in words, and a server that
cannot be reached said as such."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from sora_studio.services.team_jobs import set_team_budget
from sora_studio.services.team_roster import TeamMember, TeamRoster, read_roster
from sora_studio.services.team_sync import connect_library, open_server
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg_budget import budget
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.settings.team_page import TeamPage
from sora_studio.ui.settings.team_roster import NOT_CONNECTED, budget_words, last_seen_words
from sora_studio.ui.workers.team_link import TeamLink

NOW = 1_800_000_000.0


def _rows(page: TeamPage) -> list[tuple[str, str, str]]:
    tree = page.roster.members
    return [
        (tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1), tree.topLevelItem(i).text(2))
        for i in range(tree.topLevelItemCount())
    ]


def _server_cap(repo: Repository) -> Decimal | None:
    url = repo.get_setting("team_url")
    server = open_server(url)
    try:
        return budget(server).cap_cents
    finally:
        server.close()


def test_members_and_the_team_cap_in_settings(
    qtbot: QtBot, tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> None:
    alice, bob = library("alice"), library("bob")
    connect_library(alice, team_url, "Alice", lead=True)
    connect_library(bob, team_url, "Bob")
    set_team_budget(bob, Decimal(5000))  # $50.00, set from the command line's service
    link = TeamLink(tmp_path / "alice" / "library.db")
    ops = BackgroundOps(max_threads=1)
    page = TeamPage(link, ops)
    qtbot.addWidget(page)
    try:
        qtbot.waitUntil(lambda: page.roster.roster is not None, timeout=15_000)
        rows = _rows(page)
        assert [(name, role) for name, role, _ in rows] == [("Alice", "lead"), ("Bob", "reviewer")]
        assert all(seen == "just now" for _, _, seen in rows)
        assert page.roster.budget_label.text() == "Team budget: $0.00 of $50.00 spent or held"
        assert page.roster.cap_edit.text() == "50"
        assert page.roster.note.isHidden()

        # Set a new cap in dollars: stored on the server, shown, and kept for offline submits.
        page.roster.cap_edit.setText("$120.50")
        page.roster.cap_button.click()
        qtbot.waitUntil(
            lambda: (
                "$120.50 spent" in page.roster.budget_label.text()
                or "of $120.50" in page.roster.budget_label.text()
            ),
            timeout=15_000,
        )
        assert _server_cap(alice) == Decimal("12050")
        assert alice.get_setting("team_budget")["cap"] == "12050"

        # Empty: no cap.
        page.roster.cap_edit.setText("")
        page.roster.cap_button.click()
        qtbot.waitUntil(
            lambda: page.roster.budget_label.text().startswith("Team budget: No cap"),
            timeout=15_000,
        )
        assert _server_cap(alice) is None

        # A bad amount is refused in words, and nothing is sent.
        page.roster.cap_edit.setText("lots")
        page.roster.cap_button.click()
        assert not page.roster.problem.isHidden()
        assert "is not an amount" in page.roster.problem.text()
        assert _server_cap(alice) is None

        page.disconnect_button.click()
        qtbot.waitUntil(lambda: page.connect_button.isEnabled(), timeout=15_000)
        assert _rows(page) == [] and page.roster.note.text() == NOT_CONNECTED
        assert not page.roster.cap_button.isEnabled()
    finally:
        ops.shutdown(5000)
        link.shutdown()


def test_an_unreachable_server_falls_back_on_what_the_library_knows(
    tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> None:
    alice = library("alice")
    connect_library(alice, team_url, "Alice")
    set_team_budget(alice, Decimal(900))
    # The server moves away: the library still names its team library, which cannot be reached.
    alice.set_setting("team_url", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    roster = read_roster(tmp_path / "alice" / "library.db")
    assert roster.unreachable
    assert roster.cap_cents == Decimal(900) and roster.budget_known
    assert all(member.lead is None and member.last_seen is None for member in roster.members)


def test_words_for_last_seen_and_the_budget() -> None:
    assert last_seen_words(None, NOW) == "not known here"
    assert last_seen_words(NOW - 5, NOW) == "just now"
    assert last_seen_words(NOW - 300, NOW) == "5 min ago"
    assert last_seen_words(NOW - 7200, NOW) == "2 h ago"
    assert last_seen_words(NOW - 86_400, NOW) == "1 day ago"
    assert last_seen_words(NOW - 3 * 86_400, NOW) == "3 days ago"
    roster = TeamRoster((TeamMember("A", True, NOW),), None, Decimal(40), True)
    assert budget_words(roster) == "No cap ($0.40 spent or held)"
    assert budget_words(TeamRoster((), None, Decimal(0), False)) == (
        "Not read from the team library yet."
    )
