"""``python -m sora_studio.ui.prompt``: the prompt builder on its own, on the emulator's catalog.

The builder runs as in the desk (pre-flight, costs, budget, policy marks, templates), against the
built-in emulator's models, two characters made from real clips and templates kept in memory
(``samples``); the moderation check is the emulator's own, run in process. Nothing is rendered:
Render shows the order the desk would queue, beside the builder. ``--screenshot PNG`` and
``--quit-after-paint`` as for every preview (``ui.preview``).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QPlainTextEdit, QSplitter

from sora_studio.preview_media import emulator_moderation
from sora_studio.services.orders import RenderOrder
from sora_studio.ui.preview import PreviewWindow, run_preview
from sora_studio.ui.prompt.samples import TEMPLATES, SampleBriefs, emulator_environment
from sora_studio.ui.prompt_panel import PromptPanel

BUDGET_CAP_CENTS = Decimal(2000)
COMMITTED_CENTS = Decimal(320)


def order_text(order: RenderOrder) -> str:
    """The order as the desk would hand it to the engine, one field a line."""
    fields = dataclasses.asdict(order)
    fields["brief"] = {k: v for k, v in fields["brief"].items() if v}
    return "\n".join(f"{name}: {value}" for name, value in fields.items())


def build(folder: Path) -> PreviewWindow:
    """The builder on the emulator's catalog, with Render showing what it would send."""
    panel = PromptPanel(emulator_environment(folder), SampleBriefs(), moderator=emulator_moderation)
    panel.set_budget(BUDGET_CAP_CENTS, COMMITTED_CENTS)
    panel.load_brief(next(iter(TEMPLATES.values())))
    sent = QPlainTextEdit(readOnly=True, placeholderText="Render shows the order it would send.")
    split = QSplitter()
    split.addWidget(panel)
    split.addWidget(sent)
    split.setSizes([480, 360])
    window = PreviewWindow(split, shutdown=panel.shutdown)

    def show(order: RenderOrder) -> None:
        sent.setPlainText(order_text(order))
        window.say(f"Would queue {order.variants} × {order.model} {order.size} {order.seconds} s")

    panel.render_requested.connect(show)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    return run_preview(build, title="Prompt builder", size=(860, 900), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
