"""Benchmark: four desks (separate processes) on one team library, each making verdicts and notes.

Run with ``.venv/bin/python tests/benchmarks/bench_team_sync.py [--events N] [--desks D]``.
Starts a throwaway PostgreSQL cluster (Debian's ``postgresql``: ``scripts/bootstrap.sh``
installs it) on a free loopback port, seeds 20 finished clips from a first desk, then starts
``--desks`` desk processes at once. Each desk connects its own SQLite library, runs its sync
thread (:class:`TeamSyncWorker`: pulls on ``LISTEN/NOTIFY``) and makes ``--events`` changes
(verdicts and notes alternately, each pushed at once), then waits until it has every other
desk's changes. Counted over all desks:

* ``sent``: events each desk made and pushed; ``received``: others' events applied;
* ``lost``: others' events a desk never got; ``duplicated``: ones it holds more than once;
* ``latency_p50_s`` / ``latency_p95_s``: from a change being made on one desk to it being in
  another desk's library (same machine, same clock).

Goals: 0 lost, 0 duplicated, p95 under 1 s. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sora_studio.core.models import JobStatus, ReviewStatus  # noqa: E402
from sora_studio.services.review import add_note, record_verdict  # noqa: E402
from sora_studio.services.team_sync import (  # noqa: E402
    ExchangeReport,
    connect_library,
    open_server,
    push_outbox,
)
from sora_studio.services.team_worker import TeamSyncWorker  # noqa: E402
from sora_studio.storage.db import open_db  # noqa: E402
from sora_studio.storage.repository import Repository  # noqa: E402
from tests.team.pg_cluster import PgCluster, find_pg_bin  # noqa: E402
from tests.team.team_helpers import ready_clip  # noqa: E402

SEED_CLIPS = 20
MARK = "bench:"  # every change's text starts so, then desk and number
_OTHERS = (
    "SELECT r.reason AS tag, r.created_at FROM reviews r JOIN team_verdicts t"
    " ON t.review_id = r.id WHERE r.reviewer != ? AND r.reason LIKE 'bench:%' AND r.id > ?"
)
_OTHER_NOTES = (
    "SELECT n.text AS tag, n.created_at FROM notes n"
    " WHERE n.author != ? AND n.text LIKE 'bench:%' AND n.id > ?"
)


def _received(
    db: Any, me: str, after: tuple[int, int]
) -> tuple[list[tuple[str, float]], tuple[int, int]]:
    rows = db.execute(_OTHERS, [me, after[0]]).fetchall()
    notes = db.execute(_OTHER_NOTES, [me, after[1]]).fetchall()
    last_review = db.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0]
    last_note = db.execute("SELECT COALESCE(MAX(id), 0) FROM notes").fetchone()[0]
    return [(str(t), float(c)) for t, c in [*rows, *notes]], (int(last_review), int(last_note))


def desk(index: int, url: str, folder: Path, events: int, desks: int, start_at: float) -> None:
    """One desk process: connect, make ``events`` changes, wait for everyone else's."""
    me = f"desk{index}"
    path = folder / me / "library.db"
    repo = Repository(open_db(path))
    connect_library(repo, url, me)
    clips = [job.id for job in repo.list_jobs(statuses=[JobStatus.READY])]
    latencies: list[float] = []
    tags: list[str] = []
    lock = threading.Lock()
    seen = {"after": (0, 0)}
    local = threading.local()

    def on_exchange(report: ExchangeReport) -> None:
        now = time.time()
        if not hasattr(local, "db"):
            local.db = open_db(path)
        got, seen["after"] = _received(local.db, me, seen["after"])
        with lock:
            tags.extend(tag for tag, _ in got)
            latencies.extend(now - made for _, made in got)

    worker = TeamSyncWorker(path, on_exchange=on_exchange, interval_s=5.0)
    worker.start()
    server = open_server(url)
    rng = random.Random(index)
    time.sleep(max(0.0, start_at - time.time()))
    for number in range(events):
        tag = f"{MARK}{me}:{number}"
        clip = rng.choice(clips)
        if number % 2:
            add_note(repo, clip, 0, tag)
        else:
            status = rng.choice(
                [ReviewStatus.APPROVED, ReviewStatus.CHANGES, ReviewStatus.REJECTED]
            )
            record_verdict(repo, [clip], status, reason=tag)
        push_outbox(repo, server)
    expected = events * (desks - 1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with lock:
            if len(set(tags)) >= expected:
                break
        time.sleep(0.1)
    worker.stop()
    server.close()
    with lock:
        distinct = set(tags)
        result = {
            "desk": me,
            "sent": events - repo.db.execute("SELECT COUNT(*) FROM team_outbox").fetchone()[0],
            "received": len(distinct),
            "lost": expected - len(distinct),
            "duplicated": len(tags) - len(distinct),
            "latencies": latencies,
        }
    repo.close()
    print(json.dumps(result))


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--desk", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.desk is not None:
        desk(args.desk, args.url, Path(args.folder), args.events, args.desks, args.start_at)
        return 0
    bin_dir = find_pg_bin()
    if bin_dir is None:
        print("PostgreSQL's programs are missing: run scripts/bootstrap.sh", file=sys.stderr)
        return 1
    cluster = PgCluster(bin_dir)
    folder = Path(tempfile.mkdtemp(prefix="bench-team-"))
    try:
        cluster.init()
        cluster.start()
        url = cluster.new_database()
        print(f"cluster on port {cluster.port}; seeding {SEED_CLIPS} clips", file=sys.stderr)
        seed = Repository(open_db(folder / "seed" / "library.db"))
        for _ in range(SEED_CLIPS):
            ready_clip(seed)
        connect_library(seed, url, "seed")
        seed.close()
        start_at = time.time() + 3.0
        print(f"{args.desks} desks x {args.events} changes each", file=sys.stderr)
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--desk",
                    str(i),
                    "--url",
                    url,
                    "--folder",
                    str(folder),
                    "--events",
                    str(args.events),
                    "--desks",
                    str(args.desks),
                    "--start-at",
                    str(start_at),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(args.desks)
        ]
        results = [
            json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs
        ]
        wall = time.monotonic() - started
    finally:
        cluster.remove()
    latencies = [x for r in results for x in r.pop("latencies")]
    for result in results:
        print(json.dumps(result), file=sys.stderr)
    summary = {
        "desks": args.desks,
        "events_per_desk": args.events,
        "sent": sum(r["sent"] for r in results),
        "received": sum(r["received"] for r in results),
        "lost": sum(r["lost"] for r in results),
        "duplicated": sum(r["duplicated"] for r in results),
        "latency_p50_s": round(statistics.median(latencies), 4) if latencies else None,
        "latency_p95_s": round(_percentile(latencies, 0.95), 4),
        "wall_s": round(wall, 2),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
