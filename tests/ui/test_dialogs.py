"""Operation dialogs: pre-filled prompts, extension budget with invalid lengths disabled, the
promotion price line, delete's local/remote choice, and the flow from an action to a signal."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QDialog, QWidget

from sora_studio.core.catalog import default_catalog
from sora_studio.core.models import JobStatus, Operation
from sora_studio.ui.dialogs.operation_dialog import (
    ConfirmDialog,
    OperationRequest,
    PromoteDialog,
    PromptOperationDialog,
    promotion_line,
)
from sora_studio.ui.dialogs.operation_flow import OperationFlow, extensions_done
from sora_studio.ui.workers.engine_link import EngineLink


def _enabled_segments(dialog: PromptOperationDialog) -> list[int]:
    model = dialog.seconds_combo.model()
    assert isinstance(model, QStandardItemModel)
    return [
        int(dialog.seconds_combo.itemData(i))
        for i in range(dialog.seconds_combo.count())
        if model.item(i).isEnabled()
    ]


def test_edit_is_prefilled_with_the_note_text_and_needs_a_prompt(qtbot, jobs) -> None:
    job = jobs.make(1, JobStatus.READY, remote_id="video_1")
    dialog = PromptOperationDialog(
        "edit", job, default_catalog(), text="Make the boat red", note_id=9
    )
    qtbot.addWidget(dialog)
    assert dialog.prompt_edit.toPlainText() == "Make the boat red"
    assert dialog.ok_button.isEnabled()
    assert dialog.request() == OperationRequest("edit", 1, prompt="Make the boat red", note_id=9)
    dialog.prompt_edit.setPlainText("   ")
    assert not dialog.ok_button.isEnabled()
    assert dialog.why_label.text() == "Write a prompt first."


def test_remix_without_a_note_starts_from_the_clip_prompt(qtbot, jobs) -> None:
    job = jobs.make(2, JobStatus.READY, remote_id="video_2")
    dialog = PromptOperationDialog("remix", job, default_catalog())
    qtbot.addWidget(dialog)
    assert dialog.prompt_edit.toPlainText() == job.prompt
    assert dialog.seconds == 0


def test_extend_offers_only_segments_within_120_seconds(qtbot, jobs) -> None:
    job = jobs.make(
        3, JobStatus.READY, remote_id="video_3", seconds=110, operation=Operation.EXTEND
    )
    dialog = PromptOperationDialog("extend", job, default_catalog(), extensions_done=2)
    qtbot.addWidget(dialog)
    assert _enabled_segments(dialog) == [4, 8]
    assert dialog.seconds == 4  # the first allowed length is chosen
    assert "10 s and 4 extension(s) left of 120 s / 6" in dialog.budget_label.text()
    assert "only 10 s left" in dialog.seconds_combo.itemText(2)
    assert dialog.request().seconds == 4 and dialog.request().kind == "extend"
    assert dialog.ok_button.isEnabled()


def test_extend_is_refused_after_six_extensions(qtbot, jobs) -> None:
    job = jobs.make(4, JobStatus.READY, remote_id="video_4", seconds=40)
    dialog = PromptOperationDialog("extend", job, default_catalog(), extensions_done=6)
    qtbot.addWidget(dialog)
    assert _enabled_segments(dialog) == []
    assert not dialog.ok_button.isEnabled()
    assert "extended 6 times" in dialog.why_label.text()


def test_promote_shows_the_price_difference_per_size(qtbot, jobs) -> None:
    job = jobs.make(5, JobStatus.READY, seconds=12, estimate_cents=Decimal(120))
    line = promotion_line(job, default_catalog(), "1280x720")
    assert line == "Promote to Sora 2 Pro at 1280x720: $1.20 -> $3.60 (+$2.40)"
    dialog = PromoteDialog(job, default_catalog())
    qtbot.addWidget(dialog)
    assert dialog.chosen_size == "1280x720"
    assert dialog.price_label.text() == line
    sizes = [dialog.size_combo.itemData(i) for i in range(dialog.size_combo.count())]
    assert sizes == list(default_catalog().sizes_for("sora-2-pro")) and len(sizes) > 2
    dialog.size_combo.setCurrentIndex(sizes.index(sizes[-1]))
    assert dialog.price_label.text().startswith(f"Promote to Sora 2 Pro at {sizes[-1]}: $1.20 -> ")
    assert dialog.request() == OperationRequest("promote", 5, size=sizes[-1])


def test_delete_asks_local_or_remote(qtbot, jobs) -> None:
    local_only = ConfirmDialog("delete", jobs.make(6, JobStatus.READY), default_catalog())
    qtbot.addWidget(local_only)
    assert not local_only.remote_radio.isEnabled()
    assert local_only.request() == OperationRequest("delete", 6, remote=False)
    remote = ConfirmDialog(
        "delete", jobs.make(7, JobStatus.READY, remote_id="v7"), default_catalog()
    )
    qtbot.addWidget(remote)
    remote.remote_radio.setChecked(True)
    assert remote.request() == OperationRequest("delete", 7, remote=True)
    regenerate = ConfirmDialog("regenerate", jobs.make(8, JobStatus.READY), default_catalog())
    qtbot.addWidget(regenerate)
    assert regenerate.ok_button.text() == "Regenerate"
    assert regenerate.request() == OperationRequest("regenerate", 8)


class _Reader:
    def __init__(self, items) -> None:
        self.items = {job.id: job for job in items}

    def get_job(self, job_id: int):
        return self.items.get(job_id)


def test_flow_turns_an_accepted_dialog_into_the_worker_signal(qtbot, jobs) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    source = jobs.make(1, JobStatus.READY, remote_id="v1", seconds=8)
    ext = jobs.make(
        2, JobStatus.READY, remote_id="v2", seconds=16, parent_id=1, operation=Operation.EXTEND
    )
    reader = _Reader([source, ext])
    assert extensions_done(reader, ext) == 1 and extensions_done(reader, source) == 0
    seen: list[QDialog] = []

    def accept(dialog: QDialog) -> bool:
        seen.append(dialog)
        return True

    engine = EngineLink(parent)
    flow = OperationFlow(engine, reader, lambda _p: default_catalog(), parent, ask=accept)
    # The note's id travels with the request: the engine links the note to the job it makes.
    with qtbot.waitSignal(engine.edit_job) as edit:
        assert flow.on_note_action("edit", 1, "Warmer light", 4)
    assert edit.args == [1, "Warmer light", 4]
    with qtbot.waitSignal(engine.extend_job) as extend:
        flow.on_action("extend", 2)
    assert extend.args == [2, ext.prompt, 4, -1]  # seconds 4, no note
    with qtbot.waitSignal(engine.delete_job) as delete:
        flow.on_action("delete", 2)
    assert delete.args == [2, False]
    flow.ask = lambda _dialog: False
    with qtbot.waitSignal(flow.declined) as declined:
        assert not flow.on_note_action("remix", 1, "text", 5)
    assert declined.args == ["remix", 1, 5]
    with qtbot.waitSignal(flow.message) as message:
        assert not flow.on_action("promote", 99)
    assert "no longer exists" in message.args[0]
    flow.ask = accept
    with qtbot.waitSignal(flow.message) as message:
        assert not flow.on_action("promote", 2)  # an extension: promote its original
    assert "promote the original clip" in message.args[0]
    reader.items[3] = jobs.make(3, JobStatus.READY, model="sora-2-pro")
    with qtbot.waitSignal(flow.message) as message:
        assert not flow.on_action("promote", 3)
    assert message.args[0] == (
        "Clip #3 is already a Sora 2 Pro render: there is nothing better to promote it to."
    )
