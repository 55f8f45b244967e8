"""The one request builder: orders and stored jobs become the same wire request on every path."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.catalog import default_catalog
from sora_studio.core.models import CharacterRef, ImageInfo, JobStatus, LineageKind, Operation
from sora_studio.services import render_requests
from sora_studio.services.submitter import Submitter
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job, make_job
from tests.services.conftest import order as make_order


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    repository = Repository(open_db(tmp_path / "studio.sqlite3"))
    yield repository
    repository.close()


def test_an_order_becomes_its_request_with_what_was_looked_up() -> None:
    reference = ImageInfo(format="png", width=1280, height=720, path="/refs/a.png")
    kim = CharacterRef(remote_id="char_1", name="Kim")
    request = render_requests.request_from_order(
        make_order(prompt="a lighthouse in a storm", batch=True, operation=Operation.REMIX),
        default_catalog(),
        source_remote_id="video_9",
        reference=reference,
        characters=[kim],
    )
    assert (request.prompt, request.model, request.size, request.seconds) == (
        "a lighthouse in a storm",
        "sora-2",
        "1280x720",
        4,
    )
    assert request.operation is Operation.REMIX and request.batch
    assert request.source_remote_id == "video_9"
    assert request.reference == reference and request.characters == (kim,)


def test_a_stored_extension_sends_its_new_segment_only() -> None:
    source = make_job(1, seconds=4, remote_id="video_src")
    extension = make_job(
        2,
        JobStatus.QUEUED_LOCAL,
        operation=Operation.EXTEND,
        seconds=12,  # the stitched total
        parent_id=1,
        source_remote_id="video_src",
        reference_path="/refs/ignored.png",  # only a new video sends a reference
    )
    request = render_requests.request_from_job(extension, source=source, characters={})
    assert request.seconds == 8 and request.reference is None


def test_a_retried_extension_is_measured_against_its_source_not_its_parent(
    repo: Repository,
) -> None:
    """A retry's parent is the failed extension (lineage); its length comes from the source.

    The submitter once looked the parent up and sent 0 seconds for such a retry.
    """
    source = add_job(repo, seconds=4)
    source = repo.update_job(source.id, remote_id="video_src")
    # Both store the stitched total (4 + 4) and name the source by its remote id.
    extension = {"operation": Operation.EXTEND, "seconds": 8, "source_remote_id": "video_src"}
    failed = add_job(repo, JobStatus.FAILED, fingerprint="ext", parent_id=source.id, **extension)
    retry = add_job(
        repo,
        JobStatus.QUEUED_LOCAL,
        fingerprint="retry",
        parent_id=failed.id,
        lineage_kind=LineageKind.RETRY,
        **extension,
    )
    assert render_requests.source_of(repo, retry) == source
    assert render_requests.stored_request(repo, retry).seconds == 4
    submitter = Submitter(repo, client_for=lambda name: None)  # type: ignore[arg-type,return-value]
    assert submitter.request_for(retry) == render_requests.stored_request(repo, retry)


def test_a_stored_request_names_its_characters(repo: Repository) -> None:
    repo.add_character(provider="emulator", remote_id="char_1", name="Kim")
    job = add_job(repo, JobStatus.QUEUED_LOCAL, character_ids=("char_1", "char_2"))
    request = render_requests.stored_request(repo, job)
    assert request.characters == (
        CharacterRef(remote_id="char_1", name="Kim"),
        CharacterRef(remote_id="char_2", name=""),
    )


def test_a_job_back_to_an_order_round_trips_through_the_request() -> None:
    job = make_job(5, use_batch=True, reference_path="/refs/a.png", character_ids=("char_1",))
    order = render_requests.order_from_job(job, None, LineageKind.REGENERATE)
    assert order.parent_id == 5 and order.lineage_kind is LineageKind.REGENERATE
    again = render_requests.request_from_order(order, default_catalog())
    sent = render_requests.request_from_job(job, source=None, characters={})
    assert (again.prompt, again.model, again.size, again.seconds, again.batch) == (
        sent.prompt,
        sent.model,
        sent.size,
        sent.seconds,
        sent.batch,
    )
    promoted = render_requests.order_from_job(
        job, None, LineageKind.PROMOTION, model="sora-2-pro", batch=False
    )
    assert (promoted.model, promoted.batch) == ("sora-2-pro", False)


def test_an_extension_asks_again_for_its_segment_off_its_source() -> None:
    source = make_job(1, seconds=4, remote_id="video_src")
    extension = make_job(2, operation=Operation.EXTEND, seconds=12, parent_id=1)
    order = render_requests.order_from_job(extension, source, LineageKind.RETRY)
    assert (order.seconds, order.parent_id, order.operation) == (8, 1, Operation.EXTEND)
    assert render_requests.stitched_seconds(order, source) == 12


def test_a_child_order_takes_its_source_recipe_and_a_new_prompt() -> None:
    source = make_job(3, estimate_cents=Decimal(40))
    child = render_requests.order_on_source(
        source, Operation.EDIT, LineageKind.EDIT, "make it snow", 4
    )
    assert (child.prompt, child.model, child.size, child.parent_id) == (
        "make it snow",
        "sora-2",
        "1280x720",
        3,
    )
    assert child.operation is Operation.EDIT and child.lineage_kind is LineageKind.EDIT
