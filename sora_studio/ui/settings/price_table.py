"""The price table of Settings › Providers, for every way a model is charged.

GUI thread only (the widget); :func:`price_overrides` is pure. One row per price tier of a model
charged per generated second (standard, and Batch where the model has it: an empty, read-only
Batch cell says it has none), one row per model run on your own GPUs (a rate per GPU-second and
the GPUs one render uses), and one row saying "no price" plainly for a model nobody priced,
where a GPU-second rate may be typed. Rows list the profile's own catalog (its preset's models, or
exactly those its server listed), not the Sora models only.

Only prices that differ from the shipped catalog become ``catalog_overrides``, keyed by the
catalog's own model name so they survive a server renaming its routes; other per-model overrides
(sizes, say) are kept as they were.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from sora_studio.core.catalog import Catalog, default_catalog, match_served_model
from sora_studio.core.errors import UserError
from sora_studio.core.model_spec import ModelSpec, PriceKind
from sora_studio.services.provider_settings import ProviderProfile

COLUMNS = ("Model", "Tier", "Standard $/s", "Batch $/s", "$ per GPU-second", "GPUs")
STANDARD, BATCH, GPU_RATE, GPUS = 2, 3, 4, 5
GPU_TIER = "per GPU-second"
NO_PRICE = "no price"
NOT_APPLICABLE = "—"
_MODEL_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One row as typed: ``tier`` is a size tier, :data:`GPU_TIER` or :data:`NO_PRICE`."""

    model: str  # the catalog entry's name in this profile (a server's wire name when listed)
    tier: str
    standard: str = ""
    batch: str = ""
    gpu_rate: str = ""
    gpus: str = ""


def catalog_rows(catalog: Catalog) -> list[PriceRow]:
    """The rows a profile's catalog shows, as text."""
    rows: list[PriceRow] = []
    for name, spec in catalog.models.items():
        kind = spec.price_kind
        if kind is PriceKind.PER_SECOND:
            for tier, price in spec.prices.items():
                batch = "" if price.batch is None else str(price.batch)
                rows.append(PriceRow(name, tier, str(price.standard), batch))
        elif kind is PriceKind.GPU_SECOND and spec.gpu_price is not None:
            gpu = spec.gpu_price
            rows.append(
                PriceRow(name, GPU_TIER, gpu_rate=str(gpu.usd_per_gpu_second), gpus=str(gpu.gpus))
            )
        else:
            rows.append(PriceRow(name, NO_PRICE))
    return rows


def _number(text: str, what: str) -> Decimal | None:
    cleaned = text.strip().replace("$", "")
    if not cleaned or cleaned == NOT_APPLICABLE:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise UserError(f"{what}: prices must be numbers of dollars, like 0.10") from None
    if not value.is_finite() or value < 0:
        raise UserError(f"{what}: prices cannot be negative")
    return value


def _override_key(name: str, spec: ModelSpec | None) -> str:
    """The catalog's own name for an entry a server may list under another (its wire name)."""
    shipped = match_served_model(default_catalog(), name)
    return shipped.name if shipped is not None else (spec.name if spec else name)


def price_overrides(profile: ProviderProfile, rows: list[PriceRow]) -> dict[str, Any]:
    """``profile.catalog_overrides`` with the prices of ``rows`` that differ from the shipped
    catalog (``UserError`` names a bad cell)."""
    shipped = dataclasses.replace(profile, catalog_overrides={}).catalog()
    kept: dict[str, Any] = {}
    for name, entry in (profile.catalog_overrides.get("models") or {}).items():
        rest = {
            k: v
            for k, v in dict(entry).items()
            if k not in ("price_per_second", "price_per_gpu_second")
        }
        if rest:
            kept[str(name)] = rest
    for row in rows:
        spec = shipped.model(row.model)
        label = spec.label if spec is not None else row.model
        key = _override_key(row.model, spec)
        if row.tier in (GPU_TIER, NO_PRICE):
            change = _gpu_override(row, spec, label)
            if change is not None:
                kept.setdefault(key, {})["price_per_gpu_second"] = change or None
            continue
        standard = _number(row.standard, f"{label} {row.tier} standard")
        if standard is None:
            raise UserError(f"{label} {row.tier}: give a standard price in dollars per second")
        batch = _number(row.batch, f"{label} {row.tier} Batch")
        price = spec.prices.get(row.tier) if spec is not None else None
        if price is not None and (price.standard, price.batch) == (standard, batch):
            continue
        tiers = kept.setdefault(key, {}).setdefault("price_per_second", {})
        tiers[row.tier] = {
            "standard": str(standard),
            "batch": None if batch is None else str(batch),
        }
    overrides = {k: v for k, v in profile.catalog_overrides.items() if k != "models"}
    if kept:
        overrides["models"] = kept
    return overrides


def _gpu_override(row: PriceRow, spec: ModelSpec | None, label: str) -> dict[str, Any] | None:
    """The GPU-second price to write: a dict, ``{}`` to remove the shipped one, None to keep."""
    rate = _number(row.gpu_rate, f"{label} GPU-second rate")
    shipped = spec.gpu_price if spec is not None else None
    if rate is None:
        return {} if shipped is not None else None
    try:
        gpus = int(row.gpus.strip() or "1")
    except ValueError:
        raise UserError(f"{label}: the GPU count must be a whole number, like 1 or 8") from None
    if gpus < 1:
        raise UserError(f"{label}: a render uses at least 1 GPU")
    if shipped is not None and (shipped.usd_per_gpu_second, shipped.gpus) == (rate, gpus):
        return None
    return {"usd": str(rate), "gpus": gpus}


class PriceTable(QTableWidget):
    """The editable price rows of one profile (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip(
            "Per-second prices in dollars (Batch is empty where the model has none). "
            "Self-hosted models: dollars per GPU-second and the GPUs one render uses."
        )

    def load(self, catalog: Catalog) -> None:
        """Show ``catalog``'s prices (no ``itemChanged`` while filling)."""
        self.blockSignals(True)
        try:
            rows = catalog_rows(catalog)
            self.setRowCount(len(rows))
            for index, row in enumerate(rows):
                spec = catalog.model(row.model)
                per_second = row.tier not in (GPU_TIER, NO_PRICE)
                texts = (
                    spec.label if spec is not None else row.model,
                    row.tier,
                    row.standard if per_second else NOT_APPLICABLE,
                    row.batch if per_second else NOT_APPLICABLE,
                    NOT_APPLICABLE if per_second else row.gpu_rate,
                    NOT_APPLICABLE if per_second else row.gpus,
                )
                editable = {
                    STANDARD: per_second,
                    # A model without Batch (Veo, for one) has no Batch price to edit.
                    BATCH: per_second and bool(row.batch),
                    GPU_RATE: not per_second,
                    GPUS: not per_second,
                }
                for column, text in enumerate(texts):
                    item = QTableWidgetItem(text)
                    if column == 0:
                        item.setData(_MODEL_ROLE, row.model)
                        item.setToolTip(row.model)
                    if not editable.get(column, False):
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                        if column > 1:
                            item.setForeground(self.palette().placeholderText())
                    self.setItem(index, column, item)
        finally:
            self.blockSignals(False)
        # As tall as its rows (a few more scroll): the page around it scrolls already.
        shown = min(max(self.rowCount(), 1), 8)
        height = self.horizontalHeader().height() + 4
        height += sum(self.rowHeight(r) for r in range(shown))
        self.setFixedHeight(height)

    def rows(self) -> list[PriceRow]:
        """The rows as typed."""
        out = []
        for index in range(self.rowCount()):
            items = [self.item(index, c) for c in range(len(COLUMNS))]
            cells = [item.text() if item is not None else "" for item in items]
            model = str(items[0].data(_MODEL_ROLE)) if items[0] is not None else cells[0]
            out.append(PriceRow(model, cells[1], *cells[STANDARD:]))
        return out
