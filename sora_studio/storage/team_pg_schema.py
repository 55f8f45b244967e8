"""The team library's PostgreSQL schema (``sora_team``), version by version.

:data:`SCHEMA_STEPS` maps each version to the statements that take a server from the version
before it there; ``TeamServer.ensure_schema`` runs the missing steps in one transaction. A step
is never edited once shipped.

Version 1: the append-only ``events`` log, ``members``, the ``verdicts_current`` view and the
``pg_notify`` trigger. Version 2 (issue 13, second slice): the team spend cap (``budget``, one
row), ``reservations`` (an estimate held per clip at submit, then charged or released),
``desks`` (each desk's id, reviewer and last exchange: its heartbeat) and ``owners`` (which
desk polls a clip's render, when another desk adopted it). Version 3: ``previews``, each
clip's thumbnail and spritesheet bytes (4 MiB at most each), so a desk without the media share
still shows every clip with its pictures (:mod:`sora_studio.storage.team_previews`).
"""

from __future__ import annotations

CHANNEL = "sora_team_events"

_V1 = [
    "CREATE TABLE sora_team.events ("
    " seq bigserial PRIMARY KEY,"
    " event_id uuid NOT NULL UNIQUE,"
    " kind text NOT NULL,"
    " author text NOT NULL,"
    " clip_id text,"
    " at double precision NOT NULL,"
    " body jsonb NOT NULL,"
    " received_at timestamptz NOT NULL DEFAULT now())",
    "CREATE INDEX events_clip ON sora_team.events (clip_id)",
    "CREATE TABLE sora_team.members ("
    " name text PRIMARY KEY,"
    " lead boolean NOT NULL DEFAULT false,"
    " last_seen timestamptz NOT NULL DEFAULT now())",
    "CREATE VIEW sora_team.verdicts_current AS"
    " SELECT DISTINCT ON (clip_id, author) clip_id, author, body->>'status' AS status,"
    " (body->>'lead')::boolean AS lead, at FROM sora_team.events WHERE kind = 'verdict'"
    " ORDER BY clip_id, author, at DESC, event_id DESC",
    "CREATE FUNCTION sora_team.notify_events() RETURNS trigger LANGUAGE plpgsql AS $$"
    f" BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$",
    "CREATE TRIGGER events_notify AFTER INSERT ON sora_team.events"
    " FOR EACH STATEMENT EXECUTE FUNCTION sora_team.notify_events()",
]

_V2 = [
    # One row, always there: reservers lock it (SELECT ... FOR UPDATE) to check the sum.
    "CREATE TABLE sora_team.budget ("
    " id int PRIMARY KEY CHECK (id = 1),"
    " cap_cents numeric,"
    " set_by text NOT NULL DEFAULT '',"
    " set_at timestamptz NOT NULL DEFAULT now())",
    "INSERT INTO sora_team.budget (id) VALUES (1)",
    "CREATE TABLE sora_team.reservations ("
    " clip_id text PRIMARY KEY,"
    " desk_id text NOT NULL,"
    " author text NOT NULL,"
    " cents numeric NOT NULL CHECK (cents >= 0),"
    " state text NOT NULL CHECK (state IN ('held', 'charged', 'released')),"
    " created_at timestamptz NOT NULL DEFAULT now(),"
    " settled_at timestamptz)",
    "CREATE INDEX reservations_desk ON sora_team.reservations (desk_id) WHERE state = 'held'",
    "CREATE TABLE sora_team.desks ("
    " desk_id text PRIMARY KEY,"
    " reviewer text NOT NULL,"
    " last_seen timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE sora_team.owners ("
    " clip_id text PRIMARY KEY,"
    " desk_id text NOT NULL,"
    " since timestamptz NOT NULL DEFAULT now())",
]

PREVIEW_MAX_BYTES = 4 * 1024 * 1024  # the largest preview file the team database keeps

_V3 = [
    # One row per clip and picture; the sha256 says which version of the file it holds.
    "CREATE TABLE sora_team.previews ("
    " clip_id text NOT NULL,"
    " variant text NOT NULL CHECK (variant IN ('thumbnail', 'spritesheet')),"
    " sha256 text NOT NULL,"
    f" data bytea NOT NULL CHECK (octet_length(data) <= {PREVIEW_MAX_BYTES}),"
    " author text NOT NULL DEFAULT '',"
    " stored_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (clip_id, variant))",
]

SCHEMA_STEPS: dict[int, list[str]] = {1: _V1, 2: _V2, 3: _V3}
TEAM_SCHEMA_VERSION = max(SCHEMA_STEPS)
