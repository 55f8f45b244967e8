"""A desk that records verdicts and notes and exchanges them, as fast as it can, until killed.

Run as ``python killable_desk.py LIBRARY_DB``; prints ``ready`` once it has exchanged once.
``test_team_kill.py`` kills it with SIGKILL at random instants.
"""

from __future__ import annotations

import random
import sys
import uuid
from pathlib import Path

from sora_studio.core.models import JobStatus, ReviewStatus
from sora_studio.services.review import add_note, record_verdict
from sora_studio.services.team_sync import exchange
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository


def main() -> None:
    repo = Repository(open_db(Path(sys.argv[1])))
    clips = [job.id for job in repo.list_jobs(statuses=[JobStatus.READY])]
    exchange(repo)
    print("ready", flush=True)
    statuses = [ReviewStatus.APPROVED, ReviewStatus.CHANGES, ReviewStatus.REJECTED]
    while True:
        clip = random.choice(clips)
        if random.random() < 0.5:
            record_verdict(repo, [clip], random.choice(statuses))
        else:
            add_note(repo, clip, 0, f"note {uuid.uuid4().hex[:6]}")
        exchange(repo)


if __name__ == "__main__":
    main()
