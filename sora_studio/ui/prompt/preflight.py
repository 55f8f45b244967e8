"""The builder's pre-flight: validation, policy pre-check, cost and budget for an order, no I/O.

Computed on the GUI thread on every edit, so it only uses pure ``core`` functions and numbers the
panel already holds (catalog, reference image facts, committed spend). It returns the same
:class:`~sora_studio.services.orders.Preflight` the engine computes, so both sides agree on what
"ok" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sora_studio.core.catalog import Catalog
from sora_studio.core.models import CharacterRef, ImageInfo, RenderRequest, ValidationProblem
from sora_studio.core.policy import precheck
from sora_studio.core.validation import validate_request
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.services.spend import order_estimate


def compute_preflight(
    order: RenderOrder,
    catalog: Catalog,
    *,
    long_durations: bool,
    reference: ImageInfo | None = None,
    reference_problem: str | None = None,
    characters: Sequence[CharacterRef] = (),
    budget_cap_cents: Decimal | None = None,
    committed_cents: Decimal = Decimal(0),
) -> Preflight:
    """Everything wrong with ``order`` and what it costs.

    ``reference`` is what was read from the chosen image; ``reference_problem`` is set instead
    while it is being read or when it could not be read at all.
    """
    request = RenderRequest(
        prompt=order.prompt,
        model=order.model,
        size=order.size,
        seconds=order.seconds,
        operation=order.operation,
        reference=reference,
        characters=tuple(characters),
        batch=order.batch,
    )
    problems = list(validate_request(request, catalog, long_durations=long_durations))
    if reference_problem:
        problems.append(ValidationProblem("reference", reference_problem))
    if not 1 <= order.variants <= 4:
        problems.append(ValidationProblem("variants", "Choose 1 to 4 variants."))
    variants = max(1, order.variants)
    per_variant = order_estimate(
        catalog, model=order.model, size=order.size, seconds=order.seconds, batch=order.batch
    )
    standard = order_estimate(
        catalog,
        model=order.model,
        size=order.size,
        seconds=order.seconds,
        batch=False,
        variants=variants,
    )
    batch = order_estimate(
        catalog,
        model=order.model,
        size=order.size,
        seconds=order.seconds,
        batch=True,
        variants=variants,
    )
    total = batch if order.batch else standard
    left = None if budget_cap_cents is None else budget_cap_cents - committed_cents - total
    return Preflight(
        problems=tuple(problems),
        policy_flags=precheck(order.prompt),
        estimate_cents=total,
        batch_estimate_cents=batch,
        per_variant_cents=per_variant,
        budget_cap_cents=budget_cap_cents,
        budget_left_after_cents=left,
    )


def blocking_reasons(preflight: Preflight) -> list[str]:
    """Why Render is disabled, most important first; empty when it may be pressed."""
    reasons = [p.message for p in preflight.problems]
    reasons += [f.message for f in preflight.policy_flags]
    if not preflight.within_budget and preflight.budget_left_after_cents is not None:
        reasons.append(
            "This render would go past the budget cap; raise the cap in Settings, or choose "
            "fewer variants, a shorter clip or Batch."
        )
    return reasons
