"""Team library sync (issue 13): connect, exchange with the server, and listen for changes.

Local-first: every desk works from its own SQLite library; what the team shares travels as
events (:mod:`sora_studio.core.team_events`) through the server's append-only log.
:func:`exchange` records this desk's changed clips, pushes the outbox (one transaction per
batch; a batch pushed twice is stored once) and only then empties it, then pulls what others
wrote after the last sequence number seen and applies it (each event once, by id; this desk's own
events coming back are skipped, never re-sent). A desk that cannot reach the server keeps
recording to its outbox; the next exchange catches up both ways.

Each full exchange also copies finished media to the team share (:mod:`.team_media`), stores
this desk's clips' thumbnails and spritesheets in the team database (:mod:`.team_previews`),
stamps this desk's heartbeat and settles its budget reservations (:mod:`.team_budget`). Every
exchange ends by caching a bounded batch of teammates' pictures here.

:class:`sora_studio.services.team_worker.TeamSyncWorker` is the desk's sync thread: it exchanges
at start, then pulls within a second of a teammate's push (``LISTEN/NOTIFY``).

The password is never written to a file: ``team connect`` keeps it in the OS key store (name
``team:URL``) and saves the URL without it; without a key store, libpq's ``PGPASSWORD`` or
``~/.pgpass`` serve.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from typing import Any

from sora_studio.api.provider import delete_api_key, store_api_key, stored_secret
from sora_studio.core.errors import UserError
from sora_studio.core.team_events import (
    EventFormatError,
    TeamEvent,
    VerdictState,
    event_from_json,
    event_kind,
    fold_verdicts,
)
from sora_studio.services.review import default_reviewer
from sora_studio.services.setting_keys import TEAM_MEDIA_ROOT_SETTING
from sora_studio.services.team_budget import cached_budget, settle_reservations
from sora_studio.services.team_media import media_root, relocator, share_media
from sora_studio.services.team_outbox import (
    TEAM_DESK_SETTING,
    TEAM_LEAD_SETTING,
    TEAM_OUTBOX_URL_SETTING,
    TEAM_REVIEWER_SETTING,
    TEAM_URL_SETTING,
    TeamIdentity,
    desk_id,
    record_clip_changes,
    record_history,
    team_identity,
)
from sora_studio.services.team_previews import cache_previews, share_previews
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_adopt import TeamAdopt
from sora_studio.storage.team_apply import APPLIED, PARKED, TeamApply
from sora_studio.storage.team_pg import TeamError, TeamServer, split_password
from sora_studio.storage.team_pg_budget import touch_desk

PUSH_BATCH = 500
PULL_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ExchangeReport:
    """What one exchange did."""

    pushed: int  # events the server did not have yet
    sent: int  # events that left the outbox
    pulled: int  # events read from the server (own ones included)
    applied: int  # others' events written here
    parked: int  # others' events waiting for a clip still rendering elsewhere
    last_seq: int
    previews: int = 0  # teammates' thumbnails and spritesheets cached here


@dataclass(frozen=True, slots=True)
class TeamStatus:
    """``team status``: the connection, the outbox, the cursor and the people seen."""

    connected: bool
    url: str | None
    reviewer: str | None
    lead: bool
    outbox: int
    last_seq: int
    members: tuple[str, ...]
    desk_id: str | None = None
    budget: dict[str, Any] | None = None  # the team cap and spend, as last read from the server
    media_root: str | None = None
    in_flight: tuple[dict[str, Any], ...] = ()  # others' renders: owner, status, progress...
    # The team's spend as the server's log has it (``services.team_spend``); None: not read.
    spend: dict[str, Any] | None = None


def secret_name(url: str) -> str:
    """The key-store name of a team library's password (by URL without password)."""
    return f"team:{url}"


def require_identity(repo: Repository) -> TeamIdentity:
    """The library's team connection; ``UserError`` saying how to connect when there is none."""
    identity = team_identity(repo)
    if identity is None:
        raise UserError(
            "this library is not connected to a team library; "
            "connect it with 'sora-studio team connect postgresql://USER@HOST/DB'"
        )
    return identity


def open_server(url: str) -> TeamServer:
    """Connect to the team server (password from the key store, else libpq's sources)."""
    return TeamServer.open(url, stored_secret(secret_name(url)))


def connect_library(
    repo: Repository,
    url: str,
    reviewer: str = "",
    lead: bool = False,
    *,
    media_root: str | None = None,
    discard_outbox: bool = False,
) -> ExchangeReport:
    """Connect the library to the team library at ``url`` and make a first exchange.

    A password in ``url`` goes to the OS key store (refused when there is none: use
    ``PGPASSWORD`` then); the URL is saved without it. Refuses a server whose team schema is
    newer than this desk knows. The library's earlier clips, notes and verdicts are recorded
    for the team. Changes still waiting for another server are never sent to this one: refused,
    unless ``discard_outbox`` drops them.
    """
    bare, password = split_password(url.strip())
    _check_outbox_server(repo, bare, discard_outbox)
    if password is not None:
        try:
            store_api_key(secret_name(bare), password)
        except UserError as exc:
            raise TeamError(
                "the password in the URL cannot be kept in an OS key store here "
                f"({exc}); leave it out of the URL and set PGPASSWORD (or ~/.pgpass) instead"
            ) from exc
    who = reviewer.strip() or default_reviewer()
    server = open_server(bare)
    try:
        server.set_member(who, lead)
    finally:
        server.close()
    previous = _outbox_server(repo)
    with repo.db.atomic():
        repo.set_setting(TEAM_URL_SETTING, bare)
        repo.set_setting(TEAM_REVIEWER_SETTING, who)
        repo.set_setting(TEAM_LEAD_SETTING, bool(lead))
        repo.set_setting(TEAM_OUTBOX_URL_SETTING, bare)
        desk_id(repo)  # made once, at the first connect
        if media_root is not None:
            repo.set_setting(TEAM_MEDIA_ROOT_SETTING, media_root)
        if previous != bare:
            local = TeamApply(repo.db)
            local.reset_last_seq()  # another server: its log from the start
            if discard_outbox:
                local.clear_outbox()
    share_media(repo)
    record_history(repo, who, relocator(repo))
    return exchange(repo)


def _outbox_server(repo: Repository) -> str | None:
    """The server the outbox and cursor belong to (None: not known)."""
    previous = repo.get_setting(TEAM_OUTBOX_URL_SETTING)
    if isinstance(previous, str):
        return previous
    current = team_identity(repo)  # connected before that setting existed
    return current.url if current is not None else None


def _check_outbox_server(repo: Repository, url: str, discard: bool) -> None:
    previous = _outbox_server(repo)
    waiting = TeamApply(repo.db).outbox_size()
    if isinstance(previous, str) and previous != url and waiting and not discard:
        raise TeamError(
            f"{waiting} change(s) made for the team library at {previous} have not been sent "
            "yet, and they are not sent to another server. Connect to that one again to send "
            "them, or connect with --discard-outbox to drop them and join this one"
        )


def disconnect_library(repo: Repository) -> None:
    """Disconnect: the library goes on alone; its outbox stays for a later reconnect."""
    identity = require_identity(repo)
    with repo.db.atomic():
        for key in (TEAM_URL_SETTING, TEAM_REVIEWER_SETTING, TEAM_LEAD_SETTING):
            repo.delete_setting(key)
    with contextlib.suppress(UserError):  # no key store: nothing was kept there
        delete_api_key(secret_name(identity.url))


def exchange(
    repo: Repository, server: TeamServer | None = None, *, scan_clips: bool = True
) -> ExchangeReport:
    """Push the outbox, then pull and apply others' events. ``TeamError`` when unreachable.

    With ``scan_clips`` (the default), finished media goes to the team share, clips changed
    since the last exchange are recorded first, so they go too (and stay in the outbox when the
    server cannot be reached), the desk's heartbeat is stamped and its budget reservations are
    settled; the sync thread leaves that to its periodic exchange, not each nudge.
    """
    identity = require_identity(repo)
    if scan_clips:
        share_media(repo)  # first: a clip on the share goes with share-relative paths
        record_clip_changes(repo, identity.reviewer, relocator(repo))
    own = server is None
    if server is None:
        server = open_server(identity.url)
    try:
        if scan_clips:  # not on every nudge: the heartbeat and budget can wait for the scan
            touch_desk(server, desk_id(repo), identity.reviewer)  # what adopting reads
            # Before the clip events: a teammate pulling a clip finds its pictures there.
            share_previews(repo, server, identity.url, identity.reviewer)
        pushed, sent = push_outbox(repo, server)
        if scan_clips:
            settle_reservations(repo, server)
        pulled, applied, parked = pull_events(repo, server)
        cached = cache_previews(repo, server)  # a bounded batch, after the events
        last = TeamApply(repo.db).last_seq()
        return ExchangeReport(pushed, sent, pulled, applied, parked, last, cached)
    finally:
        if own:
            server.close()


def push_outbox(repo: Repository, server: TeamServer) -> tuple[int, int]:
    """Push the whole outbox, a batch per transaction; returns (new on the server, sent)."""
    local = TeamApply(repo.db)
    pushed = sent = 0
    while batch := local.outbox(PUSH_BATCH):
        rows = []
        for _event_id, body in batch:
            event = _read(body)
            clip = getattr(event, "clip_id", None)
            rows.append((event.event_id, event_kind(event), event.author, clip, event.at, body))
        pushed += server.push(rows)
        # A crash here leaves the batch in the outbox: pushed again, stored once.
        local.mark_sent([event_id for event_id, _ in batch])
        sent += len(batch)
    return pushed, sent


def pull_events(repo: Repository, server: TeamServer) -> tuple[int, int, int]:
    """Pull and apply everything after the cursor; returns (pulled, applied, parked)."""
    local = TeamApply(repo.db)
    root = media_root(repo)
    local.media_root = str(root) if root is not None else None
    pulled = applied = parked = 0
    while pulled_events := server.pull(local.last_seq(), PULL_BATCH):
        with repo.db.atomic():  # a page and the cursor move together
            for item in pulled_events:
                outcome = local.apply(_read(item.body), item.seq)
                applied += outcome == APPLIED
                parked += outcome == PARKED
            local.set_last_seq(pulled_events[-1].seq)
        pulled += len(pulled_events)
    return pulled, applied, parked


def _read(body: str) -> TeamEvent:
    try:
        return event_from_json(body)
    except EventFormatError as exc:
        raise TeamError(
            f"the team library holds an event this desk cannot read ({exc}); "
            "upgrade Sora Studio to go on syncing"
        ) from exc


def team_status(repo: Repository) -> TeamStatus:
    """The library's team state, read locally (no server needed)."""
    identity = team_identity(repo)
    local = TeamApply(repo.db)
    return TeamStatus(
        connected=identity is not None,
        url=identity.url if identity else None,
        reviewer=identity.reviewer if identity else None,
        lead=identity.lead if identity else False,
        outbox=local.outbox_size(),
        last_seq=local.last_seq(),
        members=tuple(local.authors_seen()),
        desk_id=repo.get_setting(TEAM_DESK_SETTING),
        budget=cached_budget(repo),
        media_root=repo.get_setting(TEAM_MEDIA_ROOT_SETTING),
        in_flight=tuple(asdict(job) for job in TeamAdopt(repo.db).in_flight_elsewhere()),
    )


def clip_verdicts(repo: Repository, job_id: int) -> VerdictState:
    """A clip's team verdicts folded: each reviewer's verdict, and whether it is disputed."""
    local = TeamApply(repo.db)
    clip_id = local.known_clip_id(job_id)
    return fold_verdicts([] if clip_id is None else local.verdicts_for(job_id, clip_id))
