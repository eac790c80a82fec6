-- Times are UTC text in the fixed-width form 2006-01-02T15:04:05.000000Z, so that text
-- order is time order. JSON documents and label lists are text.

CREATE TABLE tenant (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    slug    TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);

CREATE TABLE agent (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    type            TEXT NOT NULL,
    core_version    TEXT NOT NULL,
    labels          TEXT NOT NULL,
    agent_config_id TEXT NOT NULL DEFAULT '',
    last_queried    TEXT,
    created         TEXT NOT NULL,
    UNIQUE (tenant_id, name, type, core_version, labels)
);

CREATE TABLE flow (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    project_id      TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    core_version    TEXT NOT NULL DEFAULT '',
    labels          TEXT NOT NULL DEFAULT '[]',
    storage         TEXT,
    run_config      TEXT,
    environment     TEXT,
    parameters      TEXT,
    settings        TEXT,
    serialized_flow TEXT,
    created         TEXT NOT NULL,
    UNIQUE (tenant_id, name, version)
);

CREATE TABLE flow_run (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    flow_id              TEXT NOT NULL REFERENCES flow (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    version              INTEGER NOT NULL,
    state                TEXT NOT NULL,
    state_message        TEXT NOT NULL DEFAULT '',
    serialized_state     TEXT NOT NULL,
    state_start_time     TEXT,
    state_timestamp      TEXT NOT NULL,
    labels               TEXT NOT NULL DEFAULT '[]',
    parameters           TEXT,
    context              TEXT,
    run_config           TEXT,
    idempotency_key      TEXT,
    agent_id             TEXT REFERENCES agent (id) ON DELETE SET NULL,
    scheduled_start_time TEXT NOT NULL,
    start_time           TEXT,
    end_time             TEXT,
    heartbeat            TEXT,
    created              TEXT NOT NULL,
    updated              TEXT NOT NULL,
    UNIQUE (flow_id, idempotency_key)
);

-- get_runs_in_queue walks this index in due order and stops after `limit` matches. The
-- state list must stay identical to the one in ready.go so the planner can use it.
CREATE INDEX flow_run_due ON flow_run (tenant_id, state_start_time, id)
    WHERE state IN ('Scheduled', 'Paused', 'Queued', 'Resume', 'Retrying');
CREATE INDEX flow_run_tenant_state ON flow_run (tenant_id, state, state_start_time);
CREATE INDEX flow_run_state_heartbeat ON flow_run (state, heartbeat);
CREATE INDEX flow_run_flow ON flow_run (flow_id);

-- The run's labels again, one row each, so that the label rule is a portable subquery.
CREATE TABLE flow_run_label (
    flow_run_id TEXT NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    PRIMARY KEY (flow_run_id, label)
);

CREATE TABLE flow_run_state (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        TEXT NOT NULL,
    flow_run_id      TEXT NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    serialized_state TEXT NOT NULL,
    start_time       TEXT,
    timestamp        TEXT NOT NULL
);
CREATE INDEX flow_run_state_run ON flow_run_state (flow_run_id, version);

CREATE TABLE task_run (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    flow_run_id      TEXT NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
    task_id          TEXT NOT NULL,
    map_index        INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    state_message    TEXT NOT NULL DEFAULT '',
    serialized_state TEXT NOT NULL,
    state_start_time TEXT,
    state_timestamp  TEXT NOT NULL,
    cache_key        TEXT NOT NULL DEFAULT '',
    heartbeat        TEXT,
    created          TEXT NOT NULL,
    updated          TEXT NOT NULL,
    UNIQUE (flow_run_id, task_id, map_index)
);
CREATE INDEX task_run_due ON task_run (state_start_time, flow_run_id)
    WHERE state IN ('Scheduled', 'Paused', 'Queued', 'Resume', 'Retrying');

CREATE TABLE task_run_state (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        TEXT NOT NULL,
    task_run_id      TEXT NOT NULL REFERENCES task_run (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    serialized_state TEXT NOT NULL,
    start_time       TEXT,
    timestamp        TEXT NOT NULL
);
CREATE INDEX task_run_state_run ON task_run_state (task_run_id, version);

CREATE TABLE log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT NOT NULL,
    flow_run_id TEXT NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
    task_run_id TEXT NOT NULL DEFAULT '',
    timestamp   TEXT NOT NULL,
    level       TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    info        TEXT
);
CREATE INDEX log_run_time ON log (flow_run_id, timestamp, id);

CREATE TABLE secret (
    tenant_id  TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    updated    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE api_key (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name      TEXT NOT NULL DEFAULT '',
    hash      BLOB NOT NULL UNIQUE,
    created   TEXT NOT NULL
);
