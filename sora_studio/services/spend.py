"""Money: estimates at submit, actual cost at completion, and the per-library budget cap.

Everything is exact ``Decimal`` cents from the catalog, however the model is charged (per
generated second, per GPU-second of render time, or not at all: :mod:`sora_studio.core.pricing`).
"Committed" money is what has been spent plus the estimates of jobs still in flight. Which jobs
count as spent is decided in one place, :mod:`sora_studio.storage.repo_spend`: every job the
provider rendered (ready, downloading, expired, or deleted after it was rendered), because the
render is charged even when its download expired; blocked, failed and cancelled jobs are left
out, and so are imported clips, which no provider rendered. The budget cap (read by
:func:`~sora_studio.services.setting_keys.budget_cap`) is checked before any network call: a
submission whose estimate would take the committed total past the cap is refused with
:class:`BudgetExceeded`, numbers in the message.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from sora_studio.core.catalog import Catalog
from sora_studio.core.errors import UserError
from sora_studio.core.models import Job, Operation
from sora_studio.core.pricing import cost_cents, estimate_cents, format_cents
from sora_studio.services.orders import RenderOrder
from sora_studio.services.setting_keys import budget_cap


class BudgetExceeded(UserError):
    """A submission would take spend past the library's budget cap; nothing was sent."""

    def __init__(self, *, cap_cents: Decimal, committed_cents: Decimal, request_cents: Decimal):
        self.cap_cents = cap_cents
        self.committed_cents = committed_cents
        self.request_cents = request_cents
        left = cap_cents - committed_cents
        super().__init__(
            f"This render would cost {format_cents(request_cents)}, but only "
            f"{format_cents(max(left, Decimal(0)))} of the {format_cents(cap_cents)} budget "
            "is left "
            f"({format_cents(committed_cents)} already committed). Nothing was sent. Raise the "
            "budget cap in Settings (or `sora-studio spend`), choose a shorter or smaller render, "
            "or use Batch."
        )


class SettingsStore(Protocol):
    """What the budget needs from the repository."""

    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def committed_cents(self, *, provider: str | None = None) -> Decimal: ...


def billable_seconds(operation: Operation, seconds: int, source_seconds: int | None) -> int:
    """Seconds the provider charges: an extension pays only its new segment.

    Extension jobs store the stitched total in ``seconds``, so the segment is the difference.
    """
    if operation is Operation.EXTEND and source_seconds is not None:
        return max(seconds - source_seconds, 0)
    return seconds


def order_estimate(
    catalog: Catalog,
    *,
    model: str,
    size: str,
    seconds: int,
    batch: bool,
    variants: int = 1,
) -> Decimal:
    """Cents for ``variants`` renders; 0 when the catalog lacks the combination.

    Validation reports an unknown combination; the estimate stays a number so the UI can show it.
    """
    try:
        return estimate_cents(catalog, model, size, seconds, batch=batch, variants=variants)
    except (KeyError, ValueError):
        return Decimal(0)


def order_cents(
    catalog: Catalog, order: RenderOrder, *, batch: bool | None = None, variants: int = 1
) -> Decimal:
    """:func:`order_estimate` for ``order``'s model, size and seconds; ``batch`` None prices it
    the way the order is sent, True or False as a Batch or a standard render."""
    return order_estimate(
        catalog,
        model=order.model,
        size=order.size,
        seconds=order.seconds,
        batch=order.batch if batch is None else batch,
        variants=variants,
    )


def actual_cost(
    catalog: Catalog, job: Job, billed_seconds: int, render_seconds: float | None = None
) -> Decimal:
    """What a finished job cost, from the seconds the provider really generated.

    ``render_seconds`` is how long the render took when the server says so (Dynamo's
    ``inference_time_s``, or created -> completed): a model priced per GPU-second is charged
    for that time instead of its expected render time. Per-second and unpriced models ignore it.
    """
    try:
        return cost_cents(
            catalog,
            job.model,
            job.size,
            billed_seconds,
            job.use_batch,
            render_seconds=render_seconds,
        )
    except (KeyError, ValueError):
        return job.estimate_cents


def budget_left_after(
    store: SettingsStore, request_cents: Decimal
) -> tuple[Decimal | None, Decimal | None]:
    """``(cap, cap - committed - request)``; both None without a cap."""
    cap = budget_cap(store)
    if cap is None:
        return None, None
    return cap, cap - store.committed_cents() - request_cents


def check_budget(store: SettingsStore, request_cents: Decimal) -> None:
    """Raise :class:`BudgetExceeded` if ``request_cents`` more would pass the cap."""
    cap = budget_cap(store)
    if cap is None:
        return
    committed = store.committed_cents()
    if committed + request_cents > cap:
        raise BudgetExceeded(cap_cents=cap, committed_cents=committed, request_cents=request_cents)
