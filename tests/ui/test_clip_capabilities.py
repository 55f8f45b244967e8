"""The desk refuses what a clip's provider or model cannot do: edit/extend/remix disabled with the
CLI's refusal sentence as tooltip, the same sentence on the status-bar signal instead of a dialog,
and Promote generalised to the catalog's better model ("Promote to Veo 3.1"), its sizes and price
coming from that model, disabled with a reason when there is none."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QDialog, QWidget

from sora_studio.api.provider import ProviderProfile
from sora_studio.core.capabilities import Feature
from sora_studio.core.catalog import Catalog
from sora_studio.core.models import Job, JobStatus, LineageKind, Operation
from sora_studio.services.capability_checks import refusal
from sora_studio.services.library_view import LibraryView
from sora_studio.services.provider_settings import ProfileBook
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.dialogs.clip_checks import clip_refusal, promotion_target
from sora_studio.ui.dialogs.operation_dialog import PromoteDialog, PromptOperationDialog
from sora_studio.ui.dialogs.operation_flow import OperationFlow
from sora_studio.ui.review.clip_actions import ClipActions
from sora_studio.ui.review.clip_row import ClipRow
from sora_studio.ui.workers.engine_link import EngineLink


def _profile(name: str, preset: str, **changes: Any) -> ProviderProfile:
    return ProviderProfile(
        name=name,
        kind="gateway",
        base_url="http://127.0.0.1:4000/v1",
        key_source="none",
        preset=preset,
        **changes,
    )


LITELLM = _profile("veo-gw", "litellm")
SGLANG = _profile("wan-box", "sglang")


class _Book:
    """A ProfileLookup over fixed profiles."""

    def __init__(self, *profiles: ProviderProfile) -> None:
        self.profiles = {p.name: p for p in profiles}

    def profile(self, name: str) -> ProviderProfile | None:
        return self.profiles.get(name)

    def catalog(self, name: str) -> Catalog:
        return self.profiles[name].catalog()


def _ready(jobs, job_id: int, provider: str, model: str, **changes: Any) -> Job:
    return jobs.make(
        job_id,
        JobStatus.READY,
        remote_id=f"video_{job_id}",
        provider=provider,
        model=model,
        cost_cents=Decimal(80),
        **changes,
    )


def _row(job: Job) -> ClipRow:
    return ClipRow(job, 1, None, None, None, False)


@pytest.fixture
def bar(qtbot) -> ClipActions:
    actions = ClipActions()
    qtbot.addWidget(actions)
    actions.set_profiles(_Book(LITELLM, SGLANG))
    return actions


def test_operations_the_provider_lacks_are_disabled_with_its_refusal(qtbot, bar, jobs) -> None:
    job = _ready(jobs, 1, "wan-box", "wan-2.2-ti2v-5b")
    bar.set_clip(_row(job))
    for kind, feature in (("edit", Feature.EDIT), ("extend", Feature.EXTEND)):
        button = bar.buttons[kind]
        assert not button.isEnabled()
        assert button.toolTip() == refusal(SGLANG, feature)
        assert "“wan-box” (SGLang Diffusion) cannot" in button.toolTip()
    # The shortcut says the same in the status bar instead of opening anything.
    with qtbot.assertNotEmitted(bar.action_requested), qtbot.waitSignal(bar.refused) as said:
        assert not bar.trigger("remix")
    assert said.args == [refusal(SGLANG, Feature.REMIX)]
    # Promote is a plain create on the same server: offered, on the better Wan.
    assert bar.buttons["promote"].isEnabled()
    assert bar.buttons["promote"].text() == "Promote to Wan 2.2 T2V A14B (P)"
    assert bar.buttons["regenerate"].isEnabled() and bar.buttons["delete"].isEnabled()


def test_an_override_turns_an_operation_off(bar, jobs) -> None:
    job = _ready(jobs, 2, "veo-gw", "sora-2")
    bar.set_clip(_row(job))
    assert all(bar.buttons[k].isEnabled() for k in ("edit", "extend", "remix", "promote"))
    no_remix = dataclasses.replace(
        LITELLM, capability_overrides={"features": ["edit", "extend", "reference_image"]}
    )
    bar.set_profiles(_Book(no_remix, SGLANG))
    assert not bar.buttons["remix"].isEnabled()
    assert bar.buttons["remix"].toolTip() == refusal(no_remix, Feature.REMIX)
    assert bar.buttons["edit"].isEnabled()


def test_what_the_model_cannot_do_is_disabled_too(bar, jobs) -> None:
    job = _ready(jobs, 3, "veo-gw", "veo-3.1-fast")
    bar.set_clip(_row(job))
    assert not bar.buttons["remix"].isEnabled() and not bar.buttons["edit"].isEnabled()
    assert bar.buttons["remix"].toolTip().startswith("Veo 3.1 Fast clips cannot be remixed")
    assert bar.buttons["extend"].isEnabled()  # LiteLLM extends, and so does Veo


def test_promote_names_the_better_model_and_its_price(bar, jobs) -> None:
    sora = _ready(jobs, 4, "veo-gw", "sora-2", seconds=4, size="1280x720")
    bar.set_clip(_row(sora))
    # 4 s of Sora 2 Pro at 720p is $1.20; the clip cost $0.80.
    assert bar.buttons["promote"].text() == "Promote to Sora 2 Pro (P) +$0.40"
    fast = _ready(jobs, 5, "veo-gw", "veo-3.1-fast", seconds=8, size="1920x1080")
    bar.set_clip(_row(fast))
    # 8 s of Veo 3.1 is $3.20.
    assert bar.buttons["promote"].text() == "Promote to Veo 3.1 (P) +$2.40"
    assert "Veo 3.1 at 1920x1080 for 8s" in bar.buttons["promote"].toolTip()
    top = _ready(jobs, 6, "veo-gw", "veo-3.1")
    bar.set_clip(_row(top))
    assert not bar.buttons["promote"].isEnabled()
    assert bar.buttons["promote"].text() == "Promote (P)"
    assert bar.buttons["promote"].toolTip() == (
        "Clip #6 is already a Veo 3.1 render: there is nothing better to promote it to."
    )
    remix = _ready(jobs, 7, "veo-gw", "sora-2", operation=Operation.REMIX)
    assert "promote the original clip" in clip_refusal("promote", remix, LITELLM, LITELLM.catalog())


@pytest.mark.parametrize(
    ("model", "label", "target"),
    [("sora-2", "Sora 2 Pro", "sora-2-pro"), ("veo-3.1-fast", "Veo 3.1", "veo-3.1")],
)
def test_promote_dialog_offers_the_target_models_sizes(qtbot, jobs, model, label, target) -> None:
    catalog = LITELLM.catalog()
    job = _ready(jobs, 8, "veo-gw", model, size="1280x720", seconds=8)
    found = promotion_target(job, catalog)
    assert found is not None and (found.model, found.label) == (target, label)
    dialog = PromoteDialog(job, catalog)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"Promote to {label}: #8"
    sizes = [dialog.size_combo.itemData(i) for i in range(dialog.size_combo.count())]
    assert sizes == list(catalog.sizes_for(target))
    assert dialog.chosen_size == "1280x720"
    assert dialog.price_label.text().startswith(f"Promote to {label} at 1280x720: $0.80 -> ")
    assert dialog.request().size == "1280x720"


def test_extend_offers_the_models_own_segments(qtbot, jobs) -> None:
    job = _ready(jobs, 9, "veo-gw", "veo-3.1-fast", seconds=8)
    dialog = PromptOperationDialog("extend", job, LITELLM.catalog())
    qtbot.addWidget(dialog)
    model = dialog.seconds_combo.model()
    assert isinstance(model, QStandardItemModel)
    assert [dialog.seconds_combo.itemData(i) for i in range(model.rowCount())] == [7]
    assert dialog.seconds == 7


class _Reader:
    def __init__(self, *items: Job) -> None:
        self.items = {job.id: job for job in items}

    def get_job(self, job_id: int) -> Job | None:
        return self.items.get(job_id)


def test_a_note_turned_into_work_is_refused_before_any_dialog(qtbot, jobs) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    job = _ready(jobs, 10, "wan-box", "wan-2.2-ti2v-5b")
    asked: list[QDialog] = []
    book = _Book(LITELLM, SGLANG)
    engine = EngineLink(parent)
    flow = OperationFlow(
        engine,
        _Reader(job),
        book.catalog,
        parent,
        ask=lambda dialog: asked.append(dialog) or True,
        profile_for=book.profile,
    )
    with qtbot.waitSignal(flow.declined) as declined, qtbot.waitSignal(flow.message) as said:
        assert not flow.on_note_action("edit", 10, "make it warmer", 3)
    assert said.args == [refusal(SGLANG, Feature.EDIT)]
    assert declined.args == ["edit", 10, 3]
    assert asked == []
    # Promote goes through, to the better Wan, with that model's sizes.
    with qtbot.waitSignal(engine.promote_job) as promoted:
        assert flow.on_action("promote", 10)
    assert isinstance(asked[0], PromoteDialog)
    assert asked[0].target is not None and asked[0].target.model == "wan-2.2-t2v-a14b"
    assert promoted.args[1] in SGLANG.catalog().sizes_for("wan-2.2-t2v-a14b")
    # Nobody priced the self-hosted Wan: said plainly, not shown as a saving.
    assert asked[0].price_label.text().endswith(": no charge on this provider.")


def test_the_profile_book_reads_once_until_cleared(tmp_path: Path, jobs) -> None:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    try:
        book = ProfileBook(LibraryView(repo), {}, lambda: "http://127.0.0.1:9/v1")
        assert book.profile("wan-box") is None
        assert book.profile("import") is None  # imported clips have no provider here
        assert "veo-3.1" in book.catalog("import").models  # priced from the shipped catalog
        repo.upsert_provider_dict(SGLANG.to_dict())
        assert book.profile("wan-box") is None  # read once: Settings clear it on Save
        book.clear()
        profile = book.profile("wan-box")
        assert profile is not None and profile.preset == "sglang"
        assert book.catalog("wan-box").model_names() == SGLANG.catalog().model_names()
        emulator = book.profile("emulator")
        assert emulator is not None and emulator.base_url == "http://127.0.0.1:9/v1"
    finally:
        repo.close()
    imported = jobs.make(11, JobStatus.READY, provider="import", model="import")
    imported = dataclasses.replace(imported, lineage_kind=LineageKind.IMPORT)
    why = clip_refusal("promote", imported, None, LITELLM.catalog())
    assert why == "Clip #11 was imported: it has no recipe to render on another model."
