"""The server's log on its own: exactly once by event id, and no gaps under concurrent pushes."""

from __future__ import annotations

import json
import threading

from sora_studio.core.team_events import NoteAdded, event_to_json
from sora_studio.storage.team_pg import TeamServer


def _rows(author: str, count: int) -> list[tuple[str, str, str, str | None, float, str]]:
    events = [
        NoteAdded(clip_id="c", note_id=f"{author}-{i}", start_ms=i, text="x", author=author)
        for i in range(count)
    ]
    return [(e.event_id, "note", author, e.clip_id, e.at, event_to_json(e)) for e in events]


def test_the_same_event_pushed_twice_is_stored_once(team_url: str) -> None:
    server = TeamServer.open(team_url)
    try:
        rows = _rows("ana", 3)
        assert server.push(rows) == 3
        assert server.push(rows[1:]) == 0
        assert [p.seq for p in server.pull(0)] == [1, 2, 3]
        assert server.pull(3) == []
        assert [(m.name, m.lead) for m in server.members()] == [("ana", False)]
    finally:
        server.close()


def test_a_desk_pulling_during_concurrent_pushes_misses_nothing(team_url: str) -> None:
    TeamServer.open(team_url).close()  # the schema, once
    batches = {author: [_rows(author, 2) for _ in range(40)] for author in ("ana", "bo", "cy")}

    def pusher(author: str) -> None:
        server = TeamServer.open(team_url)
        try:
            for batch in batches[author]:
                server.push(batch)
        finally:
            server.close()

    threads = [threading.Thread(target=pusher, args=(a,)) for a in batches]
    reader = TeamServer.open(team_url)
    received: list[str] = []
    last = 0

    def read_page() -> int:
        nonlocal last
        page = reader.pull(last, 7)  # small pages: many reads while the others write
        for pulled in page:
            received.append(json.loads(pulled.body)["event_id"])
            last = pulled.seq
        return len(page)

    try:
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            read_page()
        while read_page():  # what came after the last read during the pushes
            pass
    finally:
        for thread in threads:
            thread.join(30)
        reader.close()
    expected = {row[0] for rows in batches.values() for batch in rows for row in batch}
    assert len(received) == 240 and set(received) == expected
