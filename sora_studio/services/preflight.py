"""Pre-flight for an order: every problem, the local policy flags, the cost and the budget left.

Policy flags come in two kinds (``PolicyFlag.block``): refusals, which stop the order, and
warnings, which are shown but never stop it (see :attr:`Preflight.ok`).

Pure: it takes the facts (catalog, reference image, characters, source, committed spend) and does
no I/O, so the builder can run it on every keystroke on the GUI thread and the engine runs the
very same rules at submit. Both sides therefore agree on what "ok" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sora_studio.core.catalog import Catalog
from sora_studio.core.errors import RETIRED_PROVIDER_MESSAGE
from sora_studio.core.models import CharacterRef, ImageInfo, Operation, ValidationProblem
from sora_studio.core.policy import precheck
from sora_studio.core.validation import validate_request
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.services.render_requests import request_from_order
from sora_studio.services.spend import order_cents

MAX_VARIANTS = 4


def compute_preflight(
    order: RenderOrder,
    catalog: Catalog,
    *,
    long_durations: bool,
    reference: ImageInfo | None = None,
    reference_problems: Sequence[str] = (),
    characters: Sequence[CharacterRef] = (),
    source_remote_id: str | None = None,
    source_seconds: int | None = None,
    source_extension_count: int = 0,
    budget_cap_cents: Decimal | None = None,
    committed_cents: Decimal = Decimal(0),
    provider_retired: bool = False,
    provider_problems: Sequence[ValidationProblem] = (),
) -> Preflight:
    """Everything wrong with ``order`` and what it costs.

    ``reference`` is what was read from the chosen image; ``reference_problems`` says why it could
    not be read (or that it is still being read). An extension's ``order.seconds`` is the new
    segment, which is all that is billed. A retired provider (OpenAI's own Videos API) is refused
    here, before a job row exists, rather than by a failed job; so is anything the provider
    cannot do (``provider_problems``, from :func:`capability_checks.order_problems`).
    """
    request = request_from_order(
        order,
        catalog,
        source_remote_id=source_remote_id,
        reference=reference,
        characters=characters,
    )
    problems = list(
        validate_request(
            request,
            catalog,
            long_durations=long_durations,
            source_seconds=source_seconds,
            source_extension_count=source_extension_count,
        )
    )
    problems += [ValidationProblem("reference", message) for message in reference_problems]
    if provider_retired:
        problems.append(ValidationProblem("provider", RETIRED_PROVIDER_MESSAGE))
    problems += provider_problems
    if not 1 <= order.variants <= MAX_VARIANTS:
        problems.append(ValidationProblem("variants", f"Choose 1 to {MAX_VARIANTS} variants."))
    if order.batch and order.operation is not Operation.CREATE:
        problems.append(
            ValidationProblem(
                "batch", f"Batch only creates new videos; send the {order.operation} alone."
            )
        )
    variants = max(1, order.variants)
    per_variant = order_cents(catalog, order)
    batch_total = order_cents(catalog, order, batch=True, variants=variants)
    total = per_variant * variants
    left = None if budget_cap_cents is None else budget_cap_cents - committed_cents - total
    return Preflight(
        problems=tuple(problems),
        policy_flags=precheck(order.prompt),
        estimate_cents=total,
        batch_estimate_cents=batch_total,
        per_variant_cents=per_variant,
        budget_cap_cents=budget_cap_cents,
        budget_left_after_cents=left,
    )
