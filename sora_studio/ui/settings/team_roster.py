"""Settings › Team, its lower half: the team's members and the team's spend cap.

GUI thread. :class:`TeamRosterBox` shows who is on the team (name, lead or reviewer, when last
heard from) and the team budget ("$12.00 of $50.00 spent or held"), read from the server on a
pool thread (:func:`~sora_studio.services.team_roster.read_roster`) whenever the page shows a
connected library; "Set cap" sets the team's cap on the server
(:func:`~sora_studio.services.team_roster.set_team_cap`, what ``sora-studio team budget set``
does) in dollars, like the desk's own budget cap; empty is no cap. When the server cannot be
reached the box says so and shows what this library last knew.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.catalog import CENTS_PER_DOLLAR
from sora_studio.core.pricing import format_cents, parse_dollars
from sora_studio.services.team_roster import TeamMember, TeamRoster, read_roster, set_team_cap
from sora_studio.ui.background_op import BackgroundOps, OpContext, describe_error

_OP = "team-roster"
NOT_CONNECTED = "Connect to a team library to see its members and its spend cap."


def last_seen_words(at: float | None, now: float) -> str:
    """When a member was last heard from, in words ("just now", "5 min ago", "3 days ago")."""
    if at is None:
        return "not known here"
    seconds = max(now - at, 0.0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600:.0f} h ago"
    days = seconds // 86_400
    return f"{days:.0f} day ago" if days == 1 else f"{days:.0f} days ago"


def role_word(member: TeamMember) -> str:
    return "not known here" if member.lead is None else ("lead" if member.lead else "reviewer")


def budget_words(roster: TeamRoster) -> str:
    """The team budget line: what is spent or held, against the cap if there is one."""
    if not roster.budget_known:
        return "Not read from the team library yet."
    used = format_cents(roster.committed_cents)
    if roster.cap_cents is None:
        return f"No cap ({used} spent or held)"
    return f"{used} of {format_cents(roster.cap_cents)} spent or held"


class TeamRosterBox(QGroupBox):
    """Members and the team spend cap of the connected team library (see the module doc)."""

    def __init__(
        self,
        database: Path,
        background: BackgroundOps,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__("Members and team budget", parent)
        self.database = Path(database)
        self._ops = background
        self._clock = clock
        self.roster: TeamRoster | None = None
        self.members = QTreeWidget(self)
        self.members.setHeaderLabels(["Name", "Role", "Last seen"])
        self.members.setRootIsDecorated(False)
        self.members.setMinimumHeight(110)
        self.members.setColumnWidth(0, 180)
        self.members.setColumnWidth(1, 110)
        self.note = QLabel(NOT_CONNECTED, self)
        self.note.setProperty("role", "hint")
        self.note.setWordWrap(True)
        self.budget_label = QLabel("", self)
        self.cap_edit = QLineEdit(self)
        self.cap_edit.setPlaceholderText("No cap")
        self.cap_edit.setToolTip("The team's spend cap in dollars, like 250; empty for no cap")
        self.cap_button = QPushButton("Set cap", self)
        self.cap_button.clicked.connect(self.set_cap)
        self.cap_edit.returnPressed.connect(self.set_cap)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.problem = QLabel("", self)
        self.problem.setProperty("role", "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        cap_row = QHBoxLayout()
        cap_row.addWidget(QLabel("Team spend cap ($)", self))
        cap_row.addWidget(self.cap_edit, 1)
        cap_row.addWidget(self.cap_button)
        cap_row.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.members, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.budget_label)
        layout.addLayout(cap_row)
        layout.addWidget(self.problem)
        self.set_connected(False)

    # -- actions -------------------------------------------------------------------------------

    def set_connected(self, connected: bool) -> None:
        """Read the roster when connected; empty the box when not."""
        for widget in (self.cap_edit, self.cap_button, self.refresh_button, self.members):
            widget.setEnabled(connected)
        if connected:
            self.refresh()
            return
        self.roster = None
        self.members.clear()
        self.budget_label.setText("")
        self.problem.hide()
        self.note.setText(NOT_CONNECTED)
        self.note.show()

    def refresh(self) -> None:
        """Read the members and the budget again (pool thread)."""
        database = self.database

        def work(_context: OpContext) -> TeamRoster:
            return read_roster(database)

        self.note.setText("Reading the team's members…")
        self._ops.submit(work, self._show, on_error=self._fail, key=_OP)

    def set_cap(self) -> None:
        """Set the team's cap to what the field says (dollars; empty: no cap)."""
        try:
            cap = parse_dollars(self.cap_edit.text())
        except ValueError:
            self._fail_text(
                f"{self.cap_edit.text().strip()!r} is not an amount: write dollars like 250, "
                "or leave it empty for no cap."
            )
            return
        if cap is not None and cap < 0:
            self._fail_text("The team spend cap must be zero or more dollars (empty for no cap).")
            return
        database = self.database

        def work(_context: OpContext) -> TeamRoster:
            return set_team_cap(database, cap)

        self.problem.hide()
        self.cap_button.setEnabled(False)
        self._ops.submit(work, self._on_cap_set, on_error=self._fail, key=_OP)

    # -- showing -------------------------------------------------------------------------------

    def _on_cap_set(self, roster: TeamRoster) -> None:
        self.cap_button.setEnabled(True)
        self._show(roster)

    def _show(self, roster: TeamRoster) -> None:
        self.roster = roster
        now = self._clock()
        self.members.clear()
        for member in roster.members:
            item = QTreeWidgetItem(
                [member.name, role_word(member), last_seen_words(member.last_seen, now)]
            )
            self.members.addTopLevelItem(item)
        if roster.unreachable:
            self.note.setText(
                f"The team library cannot be reached ({roster.unreachable}); showing the people "
                "seen in this library and the budget as last read."
            )
        elif not roster.members:
            self.note.setText("No members yet.")
        self.note.setVisible(bool(roster.unreachable) or not roster.members)
        self.budget_label.setText(f"Team budget: {budget_words(roster)}")
        if not self.cap_edit.hasFocus():
            cap = roster.cap_cents
            self.cap_edit.setText("" if cap is None else _dollars(cap))

    def _fail(self, error: BaseException) -> None:
        self.cap_button.setEnabled(True)
        self._fail_text(describe_error(error))

    def _fail_text(self, message: str) -> None:
        self.problem.setText(message[:1].upper() + message[1:])
        self.problem.show()


def _dollars(cents: Decimal) -> str:
    """Cents as the dollars the field takes ("250", "12.5")."""
    return format((cents / CENTS_PER_DOLLAR).normalize(), "f")
