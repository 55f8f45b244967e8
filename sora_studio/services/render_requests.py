"""The one place a render request is built: from an order, from a stored job, and back again.

A :class:`~sora_studio.services.orders.RenderOrder` is what a person asked for; a
:class:`~sora_studio.core.models.RenderRequest` is what goes on the wire; a job row keeps what
was checked and priced so a retry or a restart sends the same thing. Pre-flight (the builder on
every keystroke, and intake at submit), the submitter, the Batch file and the lineage
operations all turn one into another here, so they cannot drift apart:

* :func:`request_from_order`: the request an order makes, given what was looked up for it;
* :func:`request_from_job` / :func:`stored_request`: the request a queued job sends;
* :func:`order_from_job`: a stored job's recipe as a new order (retry, regenerate, promote);
* :func:`order_on_source`: a remix, edit or extension of a finished job;
* :func:`source_of`: the job a remix, edit or extension starts from.

Extensions are the one asymmetry: an order (and the wire) carries the new segment's seconds, a
job row the stitched total (:func:`stitched_seconds`, :func:`~sora_studio.services.spend.
billable_seconds` back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sora_studio.core.catalog import Catalog
from sora_studio.core.extras import Extras, chosen_extras, coerce_extra, merge_extras
from sora_studio.core.models import (
    Character,
    CharacterRef,
    ImageInfo,
    Job,
    LineageKind,
    Operation,
    RenderRequest,
)
from sora_studio.services.orders import RenderOrder
from sora_studio.services.spend import billable_seconds


class JobStore(Protocol):
    """What finding a request's source and its characters' names reads."""

    def get_job(self, job_id: int) -> Job | None: ...

    def find_job_by_remote_id(self, remote_id: str) -> Job | None: ...

    def list_characters(self, provider: str | None = None) -> Sequence[Character]: ...


def order_extras(order: RenderOrder, catalog: Catalog) -> Extras:
    """The extra body fields ``order`` sends: what the person chose (typed values converted,
    ``"42"`` -> ``42``) plus the frame count and fps a frame-based model needs for its seconds."""
    chosen = [(name, coerce_extra(name, value)) for name, value in order.extras]
    return merge_extras(chosen, catalog.frame_extras(order.model, order.seconds))


def request_from_order(
    order: RenderOrder,
    catalog: Catalog,
    *,
    source_remote_id: str | None = None,
    reference: ImageInfo | None = None,
    characters: Sequence[CharacterRef] = (),
) -> RenderRequest:
    """The request ``order`` makes, given its source's remote id, the reference image as read
    and the characters' names (pure: the caller looked them up)."""
    return RenderRequest(
        prompt=order.prompt,
        model=order.model,
        size=order.size,
        seconds=order.seconds,
        operation=order.operation,
        source_remote_id=source_remote_id,
        reference=reference,
        characters=tuple(characters),
        batch=order.batch,
        extras=order_extras(order, catalog),
    )


def request_from_job(
    job: Job, *, source: Job | None, characters: Mapping[str, str]
) -> RenderRequest:
    """The wire request for a stored ``job`` (``characters`` maps remote ids to names).

    Extensions store the stitched total; the API wants the new segment's length. The job's
    extra body fields (stored at intake, frame count included) travel as they are.
    """
    reference = None
    if job.reference_path and job.operation is Operation.CREATE:
        # Only the path travels to the client; size and format were checked at preflight.
        reference = ImageInfo(format="", width=0, height=0, path=job.reference_path)
    return RenderRequest(
        prompt=job.prompt,
        model=job.model,
        size=job.size,
        seconds=billable_seconds(job.operation, job.seconds, source.seconds if source else None),
        operation=job.operation,
        source_remote_id=job.source_remote_id,
        reference=reference,
        characters=tuple(
            CharacterRef(remote_id=cid, name=characters.get(cid, "")) for cid in job.character_ids
        ),
        batch=job.use_batch,
        extras=tuple(job.extras),
    )


def character_names(store: JobStore, provider: str) -> dict[str, str]:
    """Remote id -> name of the characters known for ``provider``."""
    return {c.remote_id: c.name for c in store.list_characters(provider)}


def source_of(store: JobStore, order_or_job: RenderOrder | Job) -> Job | None:
    """The job a remix, edit or extension starts from (None for a new video).

    A stored job names its source by remote id: its ``parent_id`` is the job the person acted
    on, which for a retried extension is the failed extension, not the clip it extends.
    """
    if isinstance(order_or_job, Job) and order_or_job.source_remote_id:
        return store.find_job_by_remote_id(order_or_job.source_remote_id)
    parent_id = order_or_job.parent_id
    return store.get_job(parent_id) if parent_id is not None else None


def stored_request(store: JobStore, job: Job) -> RenderRequest:
    """The request a queued job sends: its source's length and its characters' names looked up."""
    return request_from_job(
        job, source=source_of(store, job), characters=character_names(store, job.provider)
    )


def stitched_seconds(order: RenderOrder, source: Job | None) -> int:
    """The seconds a job row keeps for ``order``: an extension's total, else the order's."""
    if order.operation is Operation.EXTEND and source is not None:
        return source.seconds + order.seconds
    return order.seconds


def order_from_job(job: Job, source: Job | None, kind: LineageKind, **changes: Any) -> RenderOrder:
    """``job``'s recipe as a new order of lineage ``kind`` (then ``changes`` applied).

    The order hangs off ``source`` for a remix, edit or extension (the endpoint needs it) and
    off ``job`` itself otherwise; an extension asks again for its segment, not the total. The
    person's settings (negative prompt, seed, steps, guidance) go with it; the frame count and
    fps do not: intake derives them again for the new order's model and seconds.
    """
    values: dict[str, Any] = {
        "prompt": job.prompt,
        "model": job.model,
        "size": job.size,
        "seconds": billable_seconds(job.operation, job.seconds, source.seconds if source else None),
        "provider": job.provider,
        "brief": job.brief,
        "batch": job.use_batch,
        "reference_path": job.reference_path,
        "character_ids": job.character_ids,
        "operation": job.operation,
        "parent_id": source.id if source is not None else job.id,
        "lineage_kind": kind,
        "extras": chosen_extras(job.extras),
    }
    values.update(changes)
    return RenderOrder(**values)


def order_on_source(
    source: Job,
    operation: Operation,
    kind: LineageKind,
    prompt: str,
    seconds: int,
    *,
    note_id: int | None = None,
) -> RenderOrder:
    """A remix, edit or extension of the finished ``source``: its model, size, provider and
    brief, a new ``prompt``; ``seconds`` is the clip's length (an extension's new segment);
    ``note_id`` the reviewer's note it was asked from, if any."""
    return RenderOrder(
        prompt=prompt,
        model=source.model,
        size=source.size,
        seconds=seconds,
        provider=source.provider,
        brief=source.brief,
        operation=operation,
        parent_id=source.id,
        lineage_kind=kind,
        note_id=note_id,
    )
