"""Screenshots of the team library at the desk (issue 13), written to ``/tmp/shots13``.

``python -m tests.ui.team.team_screenshots`` starts a throwaway PostgreSQL cluster, makes two
libraries (Alice's and Bob's) on one team library with rendered clips, opens both desks as the
app builds them, and has Alice approve and Bob reject the same clip: ``two_desks_disputed.png``
shows both desks side by side with that clip marked "Disputed". Then the server is stopped and
Alice keeps reviewing: ``status_offline.png`` is her status bar, offline with changes waiting.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from sora_studio.app import Desk, DeskOptions, attach_review, build_desk
from sora_studio.core.models import Asset, AssetVariant, JobStatus, ReviewStatus
from sora_studio.emulator.renderer import RenderSpec, render_video
from sora_studio.paths import resolve_paths
from sora_studio.services.library import sha256_of
from sora_studio.services.team_sync import connect_library
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.workers.team_link import CONNECTED, OFFLINE
from tests.job_factory import add_job
from tests.team.pg_cluster import PgCluster, find_pg_bin
from tests.ui.screenshot_desk import wait

OUT = Path("/tmp/shots13")
PROMPTS = (
    "a lighthouse in a storm, waves crashing, slow push in #coast",
    "a red fox running through fresh snow at dawn #nature",
    "neon city street at night in the rain, reflections, tracking shot",
    "a paper boat drifting down a rain-soaked street at dusk #rain",
)
WINDOW = (1180, 960)


def _clips(repo: Repository, media: Path) -> list[int]:
    ids = []
    for n, prompt in enumerate(PROMPTS):
        files = render_video(RenderSpec(f"clip{n}", prompt, 320, 180, 4), media / f"clip{n}")
        job = add_job(
            repo,
            status=JobStatus.READY,
            prompt=prompt,
            seconds=4,
            completed_at=time.time(),
            remote_id=f"video_{n}",
        )
        for variant, path in (
            (AssetVariant.VIDEO, files.video),
            (AssetVariant.THUMBNAIL, files.thumbnail),
            (AssetVariant.SPRITESHEET, files.spritesheet),
        ):
            repo.upsert_asset(
                Asset(job.id, variant, str(path), path.stat().st_size, sha256_of(path), True)
            )
        ids.append(job.id)
    return ids


def _desk(app: QApplication, data: Path) -> Desk:
    options = DeskOptions(env={}, start_engine=False, remember_layout=False)
    desk = build_desk(app, resolve_paths(data), options)
    attach_review(desk)
    desk.window.resize(*WINDOW)
    desk.window.show()
    desk.start()  # the engine stays off (start_engine=False); the team sync starts
    return desk


def main() -> int:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        print("PostgreSQL's programs are not installed", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    cluster = PgCluster(bin_dir)
    cluster.init()
    cluster.start()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    work = Path(tempfile.mkdtemp(prefix="shots13-"))
    desks: list[Desk] = []
    try:
        url = cluster.new_database()
        alice_paths = resolve_paths(work / "alice").ensure()
        bob_paths = resolve_paths(work / "bob").ensure()
        alice_repo = Repository(open_db(alice_paths.database))
        ids = _clips(alice_repo, work / "media")
        connect_library(alice_repo, url, "Alice")
        alice_repo.close()
        bob_repo = Repository(open_db(bob_paths.database))
        connect_library(bob_repo, url, "Bob", lead=False)
        bob_repo.close()
        alice, bob = _desk(app, work / "alice"), _desk(app, work / "bob")
        desks = [alice, bob]
        wait(app, 15, lambda: all(d.team.state.state == CONNECTED for d in desks))
        a_panel, b_panel = alice.window.review_widget, bob.window.review_widget
        lighthouse_a = ids[0]
        b_jobs = {job.prompt: job.id for job in b_panel.model.jobs()}  # type: ignore[attr-defined]
        lighthouse_b = b_jobs[PROMPTS[0]]
        a_panel.record_verdict([lighthouse_a], ReviewStatus.APPROVED)  # type: ignore[attr-defined]
        a_panel.record_verdict([ids[1]], ReviewStatus.APPROVED)  # type: ignore[attr-defined]
        wait(app, 3, lambda: b_panel.model.team_state(lighthouse_b) is not None)  # type: ignore[attr-defined]
        b_panel.record_verdict([lighthouse_b], ReviewStatus.REJECTED)  # type: ignore[attr-defined]
        b_panel.record_verdict([b_jobs[PROMPTS[2]]], ReviewStatus.CHANGES)  # type: ignore[attr-defined]

        def disputed() -> bool:
            states = (
                a_panel.model.team_state(lighthouse_a),  # type: ignore[attr-defined]
                b_panel.model.team_state(lighthouse_b),  # type: ignore[attr-defined]
            )
            return all(s is not None and s.disputed for s in states)

        print("disputed on both desks:", wait(app, 5, disputed))
        a_panel.select_clip(lighthouse_a)  # type: ignore[attr-defined]
        b_panel.select_clip(lighthouse_b)  # type: ignore[attr-defined]
        wait(app, 2.0)
        left, right = alice.window.grab(), bob.window.grab()
        both = QPixmap(left.width() + right.width() + 12, max(left.height(), right.height()))
        both.fill(app.palette().window().color().darker(160))
        painter = QPainter(both)
        painter.drawPixmap(0, 0, left)
        painter.drawPixmap(left.width() + 12, 0, right)
        painter.end()
        both.save(str(OUT / "two_desks_disputed.png"))
        print(
            "tooltip on Alice's desk:", a_panel.model.data(a_panel.model.index_of(lighthouse_a), 3)
        )  # type: ignore[attr-defined]

        cluster.stop()  # the team server goes away; Alice keeps reviewing
        wait(app, 10, lambda: alice.team.state.state == OFFLINE)
        for job_id, verdict in (
            (ids[2], ReviewStatus.APPROVED),
            (ids[3], ReviewStatus.REJECTED),
            (ids[1], ReviewStatus.CHANGES),
        ):
            a_panel.record_verdict([job_id], verdict)  # type: ignore[attr-defined]
        wait(app, 5, lambda: alice.team.state.outbox >= 3)
        wait(app, 1.0)
        print("Alice:", alice.team.state.text, "|", alice.team.state.tooltip.replace("\n", " | "))
        window = alice.window.grab()
        status = alice.window.status
        bar = status.grab()
        bar.save(str(OUT / "status_offline.png"))
        window.save(str(OUT / "desk_offline.png"))
    finally:
        for desk in desks:
            desk.window.close()
            desk.shutdown()
        wait(app, 0.5)
        cluster.remove()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
