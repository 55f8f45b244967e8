"""Characters, batch records and the event log round-trip through the database."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import BatchRecord, Character, Job
from sora_studio.storage.repository import Repository

MakeJob = Callable[..., Job]


def test_characters(repo: Repository) -> None:
    zed = repo.add_character(provider="emulator", remote_id="char_z", name="Zed")
    ada = repo.add_character(
        provider="openai", remote_id="char_a", name="Ada", source_path="/refs/ada.mp4"
    )
    assert isinstance(ada, Character)
    assert repo.require_character(ada.id) == ada
    assert ada.source_path == "/refs/ada.mp4" and ada.created_at > 0
    assert repo.list_characters() == [ada, zed]
    assert repo.list_characters("emulator") == [zed]
    with pytest.raises(UserError, match="already saved"):
        repo.add_character(provider="emulator", remote_id="char_z", name="Zed again")
    assert repo.rename_character(zed.id, "Zedd").name == "Zedd"
    repo.delete_character(zed.id)
    assert repo.get_character(zed.id) is None
    with pytest.raises(UserError, match="no character"):
        repo.delete_character(zed.id)


def test_batches(repo: Repository, make_job: MakeJob) -> None:
    batch = repo.create_batch(provider="openai", model="sora-2", input_file_id="file_in")
    assert isinstance(batch, BatchRecord)
    assert batch.status == "pending" and batch.remote_id is None
    done = repo.update_batch(
        batch.id,
        status="completed",
        remote_id="batch_1",
        output_file_id="file_out",
        completed_at=99.0,
    )
    assert repo.require_batch(batch.id) == done
    assert (done.remote_id, done.output_file_id, done.completed_at) == (
        "batch_1",
        "file_out",
        99.0,
    )
    other = repo.create_batch(provider="emulator", model="sora-2-pro")
    assert repo.list_batches() == [done, other]
    assert repo.list_batches(statuses=("pending",)) == [other]
    assert repo.list_batches(provider="openai") == [done]
    with pytest.raises(ValueError, match="cannot change provider"):
        repo.update_batch(batch.id, provider="x")
    with pytest.raises(UserError, match="no batch"):
        repo.update_batch(404, status="failed")
    job = make_job(batch_id=batch.id, use_batch=True)
    assert repo.require_job(job.id).batch_id == batch.id


def test_events(repo: Repository, make_job: MakeJob) -> None:
    job = make_job()
    first = repo.log_event("submit", {"remote_id": "video_1", "attempt": 1}, job_id=job.id)
    second = repo.log_event("startup")
    assert json.loads(first.detail) == {"attempt": 1, "remote_id": "video_1"}
    assert first.job_id == job.id and second.job_id is None
    assert json.loads(second.detail) == {}
    assert repo.events() == [second, first]
    assert repo.events(job_id=job.id) == [first]
    assert repo.events(kind="startup") == [second]
    assert repo.events(limit=1) == [second]
    with pytest.raises(UserError, match="no job with id 404"):
        repo.log_event("x", job_id=404)
