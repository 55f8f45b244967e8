""" "Test connection" in Settings › Providers: the probe off the GUI thread, and what it found.

GUI thread only, except the connection test (``services.provider_settings.probe_connection``),
which runs on a pool thread: it imports the probe (and with it the ``openai`` SDK, about a second
to load) only there. The button is disabled
while a probe runs and a busy bar appears only after ~600 ms, so a quick answer never flickers.
The result shows each step (what was asked, what came back, ok or failed), the models the server
listed (video models marked) and the capabilities it suggests that differ from the profile's;
"Apply what was found" hands them to the page (``apply_requested``). A result that arrives after
the person switched to another profile is dropped (:meth:`ProbePanel.forget`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.capabilities import preset
from sora_studio.core.errors import UserError
from sora_studio.services.provider_settings import ProviderProfile, probe_connection
from sora_studio.ui.background_op import BackgroundOps, OpHandle
from sora_studio.ui.icons import make_icon
from sora_studio.ui.settings.capability_editor import FIELD_TITLES, describe_value

if TYPE_CHECKING:
    from sora_studio.services.provider_settings import ProbeReport

__all__ = ["CHANNEL", "ConnectionTest", "ProbePanel", "probe_connection", "suggestion_lines"]

# (profile, key) -> the report; raises with a readable message. Runs on a pool thread.
ConnectionTest = Callable[[ProviderProfile, str | None], "ProbeReport"]

CHANNEL = "connection-test"


def suggestion_lines(
    current: Mapping[str, Any], report: ProbeReport, profile: ProviderProfile
) -> list[str]:
    """What the probe found that differs from the profile, one line per finding."""
    lines = []
    for field, value in report.suggested_overrides.items():
        title = FIELD_TITLES.get(field, field)
        before = describe_value(field, current[field]) if field in current else "?"
        lines.append(f"{title}: {describe_value(field, value)} (now {before})")
    offered = list(profile.catalog().models)
    if report.video_models and set(report.video_models) != set(offered):
        now = ", ".join(offered) if len(offered) <= 4 else f"the {len(offered)} catalog models"
        lines.append(
            f"Models offered in the builder: exactly {', '.join(report.video_models)} (now {now})"
        )
    if report.suggested_preset and report.suggested_preset != profile.preset:
        lines.append(f"Server kind: {preset(report.suggested_preset).label}")
    return [f"• {line}" for line in lines]


def step_ok(name: str, ok: bool, status: int | None) -> bool:
    """Whether a probe step went as a working server answers: a 2xx, except that the video
    that cannot exist should be "not found" (404)."""
    if name == "missing video":
        return status == 404
    return ok


class ProbePanel(QWidget):
    """The Test connection button, its busy bar and the report (GUI thread)."""

    apply_requested = Signal(object)  # the ProbeReport whose findings to keep

    def __init__(
        self,
        background: BackgroundOps,
        connection_test: ConnectionTest = probe_connection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._background = background
        self._connection_test = connection_test
        self._report: ProbeReport | None = None
        self._probe: OpHandle | None = None
        self.button = QPushButton("Test connection")
        self.button.setToolTip(
            "Ask the server what it supports: GET /models, GET /videos?limit=1 and a GET of a "
            "video that cannot exist. Nothing is created, deleted or charged."
        )
        self.spinner = QProgressBar()
        self.spinner.setRange(0, 0)  # busy: no percentage to show
        self.spinner.setMaximumWidth(110)
        self.spinner.setTextVisible(False)
        self.spinner.hide()
        self.status = QLabel("Checks the base URL and key with free requests only.")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps = QTableWidget(0, 3)
        self.steps.setHorizontalHeaderLabels(["Asked", "HTTP", "What came back"])
        self.steps.verticalHeader().hide()
        self.steps.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # One line per step, the rest of a long answer (LiteLLM's errors) in its tooltip.
        self.steps.setWordWrap(False)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.steps.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.models_title = QLabel("Models listed")
        self.models_title.setProperty("role", "heading")
        self.models = QListWidget()
        # Models side by side, wrapping: a gateway may route dozens.
        self.models.setFlow(QListView.Flow.LeftToRight)
        self.models.setWrapping(True)
        self.models.setResizeMode(QListView.ResizeMode.Adjust)
        self.models.setSpacing(2)
        self.found_title = QLabel("Found, differing from this profile")
        self.found_title.setProperty("role", "heading")
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.apply_button = QPushButton("Apply what was found")
        self.apply_button.setToolTip(
            "Keep these capabilities as overrides and offer exactly the video models listed "
            "(saved with the profile when you press Save)"
        )
        self.apply_button.clicked.connect(self._on_apply)
        self.button.clicked.connect(self.run)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.button)
        top.addWidget(self.spinner)
        top.addWidget(self.status, 1)
        found_row = QHBoxLayout()
        found_row.addWidget(self.found, 1)
        found_row.addWidget(self.apply_button, 0, Qt.AlignmentFlag.AlignTop)
        self.result = QWidget()
        result_layout = QVBoxLayout(self.result)
        result_layout.setContentsMargins(0, 4, 0, 0)
        result_layout.addWidget(self.summary)
        result_layout.addWidget(self.steps)
        result_layout.addWidget(self.models_title)
        result_layout.addWidget(self.models)
        result_layout.addWidget(self.found_title)
        result_layout.addLayout(found_row)
        self.result.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.result)
        # Set by the page before each run: the profile as the form shows it, and its key.
        self.profile_source: Callable[[], tuple[ProviderProfile, str | None]] | None = None

    @property
    def report(self) -> ProbeReport | None:
        return self._report

    def running(self) -> bool:
        return self._probe is not None

    def run(self) -> bool:
        """Start a probe of the form's profile; False (with the reason shown) when it cannot."""
        if self.profile_source is None or self.running():
            return False
        try:
            profile, key = self.profile_source()
        except UserError as exc:
            self._show_status(str(exc), problem=True)
            return False
        self.forget()
        self.button.setEnabled(False)
        self._show_status("Testing…")
        check = self._connection_test  # plain values only: no widget may die on a pool thread
        self._probe = self._background.submit(
            lambda _context: check(profile, key),
            lambda report: self._finish(report, profile),
            on_error=self._fail,
            key=CHANNEL,
            # The busy bar: the helper calls this only once the probe has run ~600 ms.
            on_progress=lambda _done, _total, _text: self.spinner.show(),
            owner=self,
        )
        return True

    def forget(self) -> None:
        """Drop any probe in flight and clear the report (another profile is on show)."""
        self._background.cancel(CHANNEL)
        self._probe = None
        self._report = None
        self.spinner.hide()
        self.button.setEnabled(True)
        self.result.hide()
        self._show_status("Checks the base URL and key with free requests only.", hint=True)

    def _finish(self, report: ProbeReport, profile: ProviderProfile) -> None:
        self._settle()
        self.show_report(report, profile)

    def _fail(self, error: BaseException) -> None:
        self._settle()
        self._show_status(f"Failed: {error}", problem=True)

    def _settle(self) -> None:
        self._probe = None
        self.spinner.hide()
        self.button.setEnabled(True)

    def show_report(self, report: ProbeReport, profile: ProviderProfile) -> None:
        """Fill the result view from ``report`` (``profile``: the form when the probe started)."""
        self._report = report
        if not report.reachable:
            self._show_status(f"Failed: could not reach {report.base_url}.", problem=True)
        elif report.auth_accepted is False:
            self._show_status("Failed: the server refused the API key.", problem=True)
        else:
            self._show_status(f"Connected to {report.base_url}.")
        self.summary.setText(report.summary)
        self.steps.setRowCount(len(report.steps))
        for row, step in enumerate(report.steps):
            good = step_ok(step.name, step.ok, step.status)
            asked = QTableWidgetItem(make_icon("ok" if good else "error"), step.request)
            asked.setToolTip(f"{step.request}: {'ok' if good else 'failed'}")
            status = QTableWidgetItem("—" if step.status is None else str(step.status))
            status.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            outcome = QTableWidgetItem(step.outcome)
            outcome.setToolTip(step.outcome)
            status.setToolTip(step.outcome)
            for column, item in enumerate((asked, status, outcome)):
                self.steps.setItem(row, column, item)
        self.steps.resizeColumnToContents(0)
        self.steps.setColumnWidth(0, min(self.steps.columnWidth(0), 330))
        self.steps.resizeRowsToContents()
        height = self.steps.horizontalHeader().height() + 4
        height += sum(self.steps.rowHeight(r) for r in range(self.steps.rowCount()))
        self.steps.setFixedHeight(height)
        self.models.clear()
        video = set(report.video_models)
        for model in report.models:
            if model.id in video:
                entry = QListWidgetItem(make_icon("render"), f"{model.id}  (video)")
            else:
                entry = QListWidgetItem(f"{model.id}  (not video)")
            mode = f"the server calls it {model.mode}" if model.mode else "no mode given"
            entry.setToolTip(f"{model.id}: {mode}")
            self.models.addItem(entry)
        if not report.models:
            self.models.addItem("(the server listed no models: choose them by hand)")
        rows = 1 if self.models.count() <= 3 else 2  # a rough wrap: the list scrolls past it
        self.models.setFixedHeight(rows * max(self.models.sizeHintForRow(0), 18) + 14)
        self.models_title.setText(
            f"Models listed ({len(report.models)}, {len(report.video_models)} make video)"
        )
        lines = suggestion_lines(profile.capabilities.to_dict(), report, profile)
        self.found.setText("\n".join(lines) if lines else "Nothing: the profile already says so.")
        self.apply_button.setEnabled(bool(lines))
        self.result.show()

    def _on_apply(self) -> None:
        if self._report is None:
            return
        self.apply_requested.emit(self._report)
        self.apply_button.setEnabled(False)
        self.found.setText(self.found.text() + "\n\nApplied: press Save to keep it.")

    def _show_status(self, text: str, *, problem: bool = False, hint: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("role", "problem" if problem else ("hint" if hint else ""))
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
