-- Projects group a tenant's flows. flow.project_id has no foreign key on purpose: flows
-- stored before projects existed name project ids no row holds, and must keep working.

CREATE TABLE project (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created     TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);
