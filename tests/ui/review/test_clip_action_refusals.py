"""The E/X/M/P keys on a clip whose provider cannot do the operation: no request and no dialog,
the provider's refusal sentence on the panel's status message instead (wired as the desk does)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from sora_studio.api.provider import ProviderProfile
from sora_studio.core.capabilities import Feature
from sora_studio.core.catalog import Catalog
from sora_studio.services.capability_checks import refusal

# The library's clips are the emulator's; here its profile speaks SGLang Diffusion's dialect.
SGLANG_EMULATOR = ProviderProfile(
    name="emulator",
    kind="gateway",
    base_url="http://127.0.0.1:30000/v1",
    key_source="none",
    preset="sglang",
    served_models=("sora-2", "sora-2-pro"),
)


class _Book:
    def profile(self, name: str) -> ProviderProfile | None:
        return SGLANG_EMULATOR if name == "emulator" else None

    def catalog(self, name: str) -> Catalog:
        return SGLANG_EMULATOR.catalog()


def test_shortcuts_say_why_instead_of_asking(qtbot, panel, library) -> None:  # type: ignore[no-untyped-def]
    panel.actions_bar.set_profiles(_Book())
    panel.actions_bar.refused.connect(panel.status_message)  # as attach_review does
    job_id = library.job_ids[0]
    panel.select_clip(job_id)
    panel.grid.setFocus()
    requested: list[tuple[str, int]] = []
    said: list[str] = []
    panel.action_requested.connect(lambda name, jid: requested.append((name, jid)))
    panel.status_message.connect(said.append)
    for key in (Qt.Key.Key_E, Qt.Key.Key_X, Qt.Key.Key_M):
        qtbot.keyClick(panel.grid, key)
    assert requested == []
    assert said == [
        refusal(SGLANG_EMULATOR, Feature.EDIT),
        refusal(SGLANG_EMULATOR, Feature.EXTEND),
        refusal(SGLANG_EMULATOR, Feature.REMIX),
    ]
    assert panel.actions_bar.buttons["edit"].toolTip() == said[0]
    # Promote stays a plain create on the same server.
    qtbot.keyClick(panel.grid, Qt.Key.Key_P)
    assert requested == [("promote", job_id)]
    # The notes panel's "→ Edit" and "→ Extend" say the same, before anyone clicks them.
    assert panel.notes.turn_buttons["edit"].toolTip() == said[0]
    assert panel.notes.turn_buttons["extend"].toolTip() == said[1]
    assert not panel.notes.turn_buttons["edit"].isEnabled()
