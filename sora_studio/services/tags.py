"""Tags a reviewer puts on clips, or takes off: written here and, connected, sent to the team.

A clip's ``#words`` in its prompt are tags already; these are the ones added afterwards. Each
change is written with its team event in one transaction (``team_outbox.record_tag``), so a
tag put on at one desk shows on every connected desk.
"""

from __future__ import annotations

from sora_studio.core.errors import UserError
from sora_studio.core.team_events import normal_tag
from sora_studio.services.review import acting_reviewer
from sora_studio.services.team_outbox import record_tag
from sora_studio.storage.repository import Repository


def _tag(text: str) -> str:
    tag = normal_tag(text)
    if not tag:
        raise UserError("a tag needs a word, like 'hero' or '#night'")
    return tag


def add_tag(repo: Repository, job_id: int, text: str, author: str = "") -> bool:
    """Put a tag on a clip; False when it already had it (nothing is recorded then)."""
    return _change_tag(repo, job_id, text, author, added=True)


def remove_tag(repo: Repository, job_id: int, text: str, author: str = "") -> bool:
    """Take a tag off a clip; False when it did not have it."""
    return _change_tag(repo, job_id, text, author, added=False)


def _change_tag(repo: Repository, job_id: int, text: str, author: str, *, added: bool) -> bool:
    """Add or remove the tag and record it for the team in one transaction; False (nothing
    recorded) when the clip already was that way."""
    repo.require_job(job_id)
    tag = _tag(text)
    who = acting_reviewer(repo, author)
    with repo.db.atomic():
        changed = repo.add_tag(job_id, tag) if added else repo.remove_tag(job_id, tag)
        if changed:
            record_tag(repo, job_id, tag, added=added, author=who)
        return changed


def clip_tags(repo: Repository, job_id: int) -> list[str]:
    """The tags put on a clip, in the order they were put on."""
    return repo.tags_for(job_id)
