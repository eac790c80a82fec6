-- Times are timestamptz (microsecond precision), JSON documents jsonb, label lists
-- JSON text (sorted, so equal lists compare equal).

CREATE TABLE tenant (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    slug    TEXT NOT NULL UNIQUE,
    created TIMESTAMPTZ NOT NULL
);

CREATE TABLE agent (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    type            TEXT NOT NULL,
    core_version    TEXT NOT NULL,
    labels          TEXT NOT NULL,
    agent_config_id TEXT NOT NULL DEFAULT '',
    last_queried    TIMESTAMPTZ,
    created         TIMESTAMPTZ NOT NULL,
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
    storage         JSONB,
    run_config      JSONB,
    environment     JSONB,
    parameters      JSONB,
    settings        JSONB,
    serialized_flow JSONB,
    created         TIMESTAMPTZ NOT NULL,
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
    serialized_state     JSONB NOT NULL,
    state_start_time     TIMESTAMPTZ,
    state_timestamp      TIMESTAMPTZ NOT NULL,
    labels               TEXT NOT NULL DEFAULT '[]',
    parameters           JSONB,
    context              JSONB,
    run_config           JSONB,
    idempotency_key      TEXT,
    agent_id             TEXT REFERENCES agent (id) ON DELETE SET NULL,
    scheduled_start_time TIMESTAMPTZ NOT NULL,
    start_time           TIMESTAMPTZ,
    end_time             TIMESTAMPTZ,
    heartbeat            TIMESTAMPTZ,
    created              TIMESTAMPTZ NOT NULL,
    updated              TIMESTAMPTZ NOT NULL,
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
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    flow_run_id      TEXT NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    serialized_state JSONB NOT NULL,
    start_time       TIMESTAMPTZ,
    timestamp        TIMESTAMPTZ NOT NULL
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
    serialized_state JSONB NOT NULL,
    state_start_time TIMESTAMPTZ,
    state_timestamp  TIMESTAMPTZ NOT NULL,
    cache_key        TEXT NOT NULL DEFAULT '',
    heartbeat        TIMESTAMPTZ,
    created          TIMESTAMPTZ NOT NULL,
    updated          TIMESTAMPTZ NOT NULL,
    UNIQUE (flow_run_id, task_id, map_index)
);
CREATE INDEX task_run_due ON task_run (state_start_time, flow_run_id)
    WHERE state IN ('Scheduled', 'Paused', 'Queued', 'Resume', 'Retrying');

CREATE TABLE task_run_state (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    task_run_id      TEXT NOT NULL REFERENCES task_run (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    serialized_state JSONB NOT NULL,
    start_time       TIMESTAMPTZ,
    timestamp        TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_run_state_run ON task_run_state (task_run_id, version);

CREATE TABLE log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    flow_run_id TEXT NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
    task_run_id TEXT NOT NULL DEFAULT '',
    timestamp   TIMESTAMPTZ NOT NULL,
    level       TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    info        JSONB
);
CREATE INDEX log_run_time ON log (flow_run_id, timestamp, id);

CREATE TABLE secret (
    tenant_id  TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    ciphertext BYTEA NOT NULL,
    updated    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE api_key (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name      TEXT NOT NULL DEFAULT '',
    hash      BYTEA NOT NULL UNIQUE,
    created   TIMESTAMPTZ NOT NULL
);
