"""Settings › Providers with real servers in mind: a server kind (preset) fills a new profile's
defaults, capability edits become exactly the overrides that differ from the preset (with resets),
the price table copes with per-second, per-GPU-second and unpriced models, and Test connection
probes the built-in emulator off the GUI thread, shows each step and applies what it found into
the saved profile; a probe that finishes after the person moved to another profile is dropped."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from sora_studio.api.probe import ProbeReport, ProbeStep
from sora_studio.api.provider import ProviderProfile
from sora_studio.core.capabilities import Feature, preset
from sora_studio.core.model_spec import PriceKind
from sora_studio.services.desk_writes import DeskWrites
from sora_studio.services.library_view import LibraryView
from sora_studio.services.provider_settings import profile_named
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.settings.price_table import GPU_RATE, GPUS, NO_PRICE
from sora_studio.ui.settings.provider_page import ProviderPage
from sora_studio.ui.settings_dialog import SettingsDialog

MODEL = Qt.ItemDataRole.UserRole


@pytest.fixture
def repo(tmp_path: Path):
    repository = Repository(open_db(tmp_path / "studio.sqlite3"))
    yield repository
    repository.close()


def _dialog(qtbot, repo, tmp_path: Path, **kwargs: Any) -> SettingsDialog:
    kwargs.setdefault("env", {})
    # Save's changes are applied at once here; the desk sends them to its writer thread.
    kwargs.setdefault("save", lambda changes: changes.apply(DeskWrites(repo)))
    dialog = SettingsDialog(LibraryView(repo), library_default=tmp_path / "library", **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def _choose_preset(page: ProviderPage, name: str) -> None:
    combo = page.preset_picker.combo
    index = combo.findData(name)
    assert index >= 0, name
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # what a person's pick sends


def _new_profile(page: ProviderPage, name: str, preset_name: str) -> None:
    page.add_profile()
    page.name_edit.setText(name)
    page.name_edit.textEdited.emit(name)
    page.key_source_combo.setCurrentIndex(page.key_source_combo.findData("none"))
    page.key_source_combo.activated.emit(page.key_source_combo.currentIndex())
    _choose_preset(page, preset_name)


def test_choosing_a_preset_fills_a_new_profiles_defaults(qtbot, repo, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    _new_profile(page, "wan-box", "sglang")
    info = preset("sglang")
    assert page.url_edit.text() == info.default_base_url == "http://127.0.0.1:30000/v1"
    assert page.concurrency_spin.value() == info.concurrency_limit == 1
    assert "sglang serve" in page.preset_picker.about.text()
    assert "restart loses every unfinished one" in page.preset_picker.about.text()
    # Its capabilities and its own models (not the Sora ones) are on show.
    assert not page.capabilities.checks["keeps_jobs"].isChecked()
    features = page.capabilities.sets["features"].values()
    assert features == {"reference_image"}
    assert page.capabilities.overrides() == {}
    models = {page.prices.item(r, 0).data(MODEL) for r in range(page.prices.rowCount())}
    assert models == set(info.models)
    assert {page.prices.item(r, 1).text() for r in range(page.prices.rowCount())} == {NO_PRICE}
    assert dialog.save()
    record = repo.get_provider("wan-box")
    assert record is not None
    saved = profile_named(repo, {}, "wan-box")
    assert (saved.kind, saved.preset, saved.base_url) == (
        "gateway",
        "sglang",
        info.default_base_url,
    )
    assert (saved.concurrency_limit, saved.timeout_s) == (1, info.timeout_s)
    assert saved.capability_overrides == {}


def test_an_existing_profile_keeps_its_address_when_its_kind_changes(
    qtbot, repo, tmp_path: Path
) -> None:
    repo.upsert_provider_dict(
        ProviderProfile(
            name="box", kind="gateway", base_url="http://10.0.0.7:9000/v1", key_source="none"
        ).to_dict()
    )
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    page.select("box")
    _choose_preset(page, "vllm-omni")
    assert page.url_edit.text() == "http://10.0.0.7:9000/v1"
    assert dialog.save()
    assert profile_named(repo, {}, "box").preset == "vllm-omni"


def test_capability_edits_become_exactly_the_overrides_that_differ(
    qtbot, repo, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    _new_profile(page, "wan-box", "sglang")
    editor = page.capabilities
    editor.sets["features"].boxes["extend"].setChecked(True)
    editor.checks["delete"].setChecked(False)
    editor.combos["body_format"].setCurrentIndex(editor.combos["body_format"].findData("json"))
    assert editor.overrides() == {
        "delete": False,
        "features": ["extend", "reference_image"],
        "body_format": "json",
    }
    assert editor.marks["delete"].label.text() == "(overridden)"
    assert not editor.marks["delete"].reset.isHidden()
    assert editor.marks["list_videos"].label.text() == "from preset"
    assert editor.marks["list_videos"].reset.isHidden()
    assert "3 capabilities differ from the SGLang Diffusion preset" in editor.summary.text()
    # Back to the preset's value by hand: no longer an override.
    editor.checks["delete"].setChecked(True)
    assert "delete" not in editor.overrides()
    assert dialog.save()
    saved = profile_named(repo, {}, "wan-box")
    assert saved.capability_overrides == {
        "features": ["extend", "reference_image"],
        "body_format": "json",
    }
    assert saved.capabilities.supports(Feature.EXTEND)
    assert not saved.capabilities.supports(Feature.REMIX)


def test_reset_one_field_and_reset_all(qtbot, repo, tmp_path: Path) -> None:
    repo.upsert_provider_dict(
        ProviderProfile(
            name="wan-box",
            kind="gateway",
            base_url="http://127.0.0.1:30000/v1",
            key_source="none",
            preset="sglang",
            capability_overrides={"keeps_jobs": True, "error_shapes": ["detail", "openai"]},
        ).to_dict()
    )
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    page.select("wan-box")
    editor = page.capabilities
    assert editor.checks["keeps_jobs"].isChecked()
    assert editor.is_overridden("keeps_jobs") and editor.is_overridden("error_shapes")
    with qtbot.waitSignal(editor.changed):
        editor.marks["keeps_jobs"].reset.click()
    assert not editor.checks["keeps_jobs"].isChecked()
    assert editor.overrides() == {"error_shapes": ["detail", "openai"]}
    assert editor.reset_all_button.isEnabled()
    editor.reset_all_button.click()
    assert editor.overrides() == {}
    assert not editor.reset_all_button.isEnabled()
    assert dialog.save()
    assert profile_named(repo, {}, "wan-box").capability_overrides == {}


def test_price_table_covers_every_price_kind(qtbot, repo, tmp_path: Path, qtmodeltester) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    _new_profile(page, "veo-gw", "litellm")
    rows = {
        (page.prices.item(r, 0).data(MODEL), page.prices.item(r, 1).text()): r
        for r in range(page.prices.rowCount())
    }
    veo = rows[("veo-3.1", "720p")]
    assert page.prices.item(veo, 3).text() == ""  # Veo has no Batch...
    assert not page.prices.item(veo, 3).flags() & Qt.ItemFlag.ItemIsEditable
    sora = rows[("sora-2", "720p")]
    assert page.prices.item(sora, 3).text() == "0.05"  # ...Sora does
    qtmodeltester.check(page.prices.model())
    _choose_preset(page, "sglang")
    rows = {page.prices.item(r, 0).data(MODEL): r for r in range(page.prices.rowCount())}
    wan = rows["wan-2.2-ti2v-5b"]
    assert page.prices.item(wan, 1).text() == NO_PRICE
    page.prices.item(wan, GPU_RATE).setText("0.0012")
    page.prices.item(wan, GPUS).setText("8")
    profile = page.form_profile()
    assert profile.catalog_overrides == {
        "models": {"wan-2.2-ti2v-5b": {"price_per_gpu_second": {"usd": "0.0012", "gpus": 8}}}
    }
    spec = profile.catalog().model("wan-2.2-ti2v-5b")
    assert spec is not None and spec.price_kind is PriceKind.GPU_SECOND
    page.prices.item(wan, GPUS).setText("none")
    assert not dialog.save()
    assert "GPU count must be a whole number" in dialog.problem.text()


def test_test_connection_shows_each_step_and_applies_what_it_found(
    qtbot, repo, tmp_path: Path, emulator, qtmodeltester
) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    # A LiteLLM profile pointed at the emulator: the preset says "cannot list", the server can.
    _new_profile(page, "gw", "litellm")
    page.url_edit.setText(emulator.base_url)
    page.url_edit.textEdited.emit(emulator.base_url)
    assert page.run_connection_test()
    assert not page.test_button.isEnabled()  # one probe at a time
    assert page.probe.spinner.isHidden()  # no spinner before ~600 ms
    qtbot.waitUntil(lambda: page.probe.report is not None, timeout=20_000)
    assert page.test_button.isEnabled() and page.probe.spinner.isHidden()
    assert page.test_result.text() == f"Connected to {emulator.base_url}."
    steps = page.probe.steps
    asked = [steps.item(r, 0).text() for r in range(steps.rowCount())]
    assert asked[:2] == ["GET /v1/models", "GET /v1/videos?limit=1"]
    assert asked[2].startswith("GET /v1/videos/")
    assert [steps.item(r, 1).text() for r in range(3)] == ["200", "200", "404"]
    qtmodeltester.check(steps.model())
    listed = [page.probe.models.item(r).text() for r in range(page.probe.models.count())]
    assert "sora-2  (video)" in listed and "sora-2-pro  (video)" in listed
    found = page.probe.found.text()
    assert "Lists videos: yes (now no)" in found
    assert "exactly sora-2, sora-2-pro" in found
    assert page.probe.apply_button.isEnabled()
    page.probe.apply_button.click()
    assert page.capabilities.overrides()["list_videos"] is True
    assert page.capabilities.marks["list_videos"].label.text() == "(overridden)"
    assert page.served_models() == ("sora-2", "sora-2-pro")
    # The price table now lists exactly the models the server serves.
    shown = {page.prices.item(r, 0).data(MODEL) for r in range(page.prices.rowCount())}
    assert shown == {"sora-2", "sora-2-pro"}
    assert dialog.save()
    saved = profile_named(repo, {}, "gw")
    assert saved.capability_overrides["list_videos"] is True
    assert saved.served_models == ("sora-2", "sora-2-pro")
    assert saved.catalog().model_names() == ("sora-2", "sora-2-pro")


def test_the_builtin_emulator_tests_clean(qtbot, repo, tmp_path: Path, emulator) -> None:
    dialog = _dialog(qtbot, repo, tmp_path, emulator_base_url=emulator.base_url)
    page = dialog.providers
    page.select("emulator")
    assert not page.preset_picker.combo.isEnabled()  # the built-in kind is fixed
    assert page.run_connection_test()
    qtbot.waitUntil(lambda: page.probe.report is not None, timeout=20_000)
    assert page.probe.found.text() == "Nothing: the profile already says so."
    assert not page.probe.apply_button.isEnabled()
    dialog.reject()


def _report(url: str) -> ProbeReport:
    return ProbeReport(
        base_url=url,
        reachable=True,
        auth_accepted=True,
        models=(),
        video_models=(),
        list_supported=False,
        models_listed=None,
        error_shape=None,
        server=None,
        suggested_overrides={"list_videos": False},
        summary="late",
        steps=(ProbeStep("models", "GET /v1/models", 200, "HTTP 200", True),),
    )


def test_a_probe_that_ends_after_switching_profiles_is_dropped(qtbot, repo, tmp_path: Path) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow_probe(profile: ProviderProfile, _key: str | None) -> ProbeReport:
        started.set()
        release.wait(10)
        return _report(profile.base_url or "")

    dialog = _dialog(qtbot, repo, tmp_path, connection_test=slow_probe)
    page = dialog.providers
    _new_profile(page, "gw", "generic")
    assert page.run_connection_test()
    assert started.wait(5)
    # Still running after ~600 ms: the busy bar shows, the button stays disabled.
    qtbot.waitUntil(lambda: not page.probe.spinner.isHidden(), timeout=5_000)
    assert not page.test_button.isEnabled()
    page.select("emulator")
    assert page.test_button.isEnabled() and page.probe.spinner.isHidden()
    release.set()
    qtbot.waitUntil(lambda: not dialog.background.busy("connection-test"), timeout=10_000)
    assert page.probe.report is None
    assert page.probe.result.isHidden()
    assert page.current_name() == "emulator"
    assert page.capabilities.overrides() == {}
    page.select("gw")
    assert page.capabilities.overrides() == {}  # nothing landed on the first profile either


def test_a_probe_failure_is_explained(qtbot, repo, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, repo, tmp_path)
    page = dialog.providers
    page.select("emulator")  # not started in this test: there is no address yet
    assert page.run_connection_test()
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=10_000)
    assert page.test_result.text() == (
        "Failed: the built-in emulator is not running yet; try again in a moment"
    )
    assert page.probe.result.isHidden()
    assert dialog.result() == QDialog.DialogCode.Rejected
