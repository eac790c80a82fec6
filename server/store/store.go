// Package store is the embedded backend's persistence: one Store interface, implemented
// once over database/sql for SQLite (modernc.org/sqlite) and PostgreSQL (pgx), with one set
// of embedded migrations per engine. The GraphQL layer talks only to this interface.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors the GraphQL layer maps to Prefect's error shapes. Implementations wrap them with %w.
var (
	ErrNotFound         = errors.New("not found")
	ErrVersionLock      = errors.New("version locking error")               // stale version: nothing changed
	ErrAlreadySubmitted = errors.New("this run has already been submitted") // Submitted claimed twice
	ErrConflict         = errors.New("already exists")
)

// ScheduledStates are the states whose runs are due once their start time has passed
// (Prefect's SCHEDULED_STATES).
var ScheduledStates = []string{"Scheduled", "Paused", "Queued", "Resume", "Retrying"}

// FinishedStates are the states that end a run.
var FinishedStates = []string{"Success", "Failed", "Cancelled", "Cached", "TimedOut", "Looped",
	"Skipped", "TriggerFailed", "ValidationFailed", "Mapped"}

type Tenant struct {
	ID, Name, Slug string
	Created        time.Time
}

type Agent struct {
	ID, TenantID, Name, Type, CoreVersion string
	Labels                                []string // sorted
	AgentConfigID                         string
	LastQueried                           *time.Time
	Created                               time.Time
}

// Project groups a tenant's flows; its name is unique in the tenant.
type Project struct {
	ID, TenantID, Name, Description string
	Created                         time.Time
}

// Flow is a registered flow. Storage, RunConfig, Environment, Parameters and Settings are
// JSON documents as Prefect serialises them (storage {"type": "GitHub", ...}).
type Flow struct {
	ID, TenantID, ProjectID, Name string
	Version                       int
	CoreVersion                   string
	Labels                        []string
	Storage, RunConfig            json.RawMessage
	Environment, Parameters       json.RawMessage
	Settings, SerializedFlow      json.RawMessage
	Created                       time.Time
}

// State is one state a run passes through. Serialized is the state JSON as Prefect sends it
// in set_*_states ({"type": "Submitted", "message": ..., "start_time": ...}).
type State struct {
	Type       string
	Message    string
	Serialized json.RawMessage
	StartTime  *time.Time // state_start_time: when a Scheduled/Retrying state is due
	Timestamp  time.Time
	Version    int
}

type FlowRun struct {
	ID, TenantID, FlowID, Name string
	Version                    int
	State                      State
	Labels                     []string
	Parameters, Context        json.RawMessage
	RunConfig                  json.RawMessage // null: the flow's run config applies
	IdempotencyKey             string
	AgentID                    string
	ScheduledStartTime         time.Time
	StartTime, EndTime         *time.Time
	Heartbeat                  *time.Time
	Created, Updated           time.Time
}

type TaskRun struct {
	ID, TenantID, FlowRunID, TaskID string
	MapIndex                        int
	Version                         int
	State                           State
	CacheKey                        string
	Heartbeat                       *time.Time
	Created                         time.Time
}

type Log struct {
	ID, TenantID, FlowRunID, TaskRunID string
	Timestamp                          time.Time
	Level, Name, Message               string
	Info                               json.RawMessage
}

// StateUpdate is one element of set_flow_run_states / set_task_run_states.
// A nil ExpectedVersion skips the version check (Prefect's runners send null).
type StateUpdate struct {
	RunID           string
	ExpectedVersion *int
	State           State
	AgentID         string // X-PREFECT-AGENT-ID, for Submitted
}

// RunFilter selects flow runs for listing. Zero fields do not filter.
type RunFilter struct {
	TenantID string
	IDs      []string
	FlowID   string
	States   []string
	Limit    int // 0: no limit
}

// SecretRecord is a stored secret: Ciphertext is AES-256-GCM output (nonce included);
// the store never sees the plain value.
type SecretRecord struct {
	TenantID, Name string
	Ciphertext     []byte
	Updated        time.Time
}

// APIKey is stored hashed; the plain key is shown once, when created.
type APIKey struct {
	ID, TenantID, Name string
	Hash               []byte
	Created            time.Time
}

// Store is everything the embedded backend persists. Every method is safe for concurrent
// use from several processes on the same database (PostgreSQL serves several replicas).
type Store interface {
	Close() error

	// Tenants. DefaultTenant returns the first tenant, creating "default" if there is none.
	DefaultTenant(ctx context.Context) (Tenant, error)
	Tenants(ctx context.Context) ([]Tenant, error)

	// Agents. RegisterAgent is idempotent on (tenant, name, type, core_version, labels).
	RegisterAgent(ctx context.Context, a Agent) (Agent, error)
	TouchAgent(ctx context.Context, id string, at time.Time) error

	// Projects. CreateProject assigns ID (when empty) and returns ErrConflict for a name
	// the tenant already uses. A flow's ProjectID is not checked against them: flows stored
	// before projects existed keep ids no project holds.
	CreateProject(ctx context.Context, p Project) (Project, error)
	Projects(ctx context.Context, tenantID string) ([]Project, error)
	GetProject(ctx context.Context, id string) (Project, error)

	// Flows. CreateFlow assigns ID and Version (one more than the newest flow of that name).
	CreateFlow(ctx context.Context, f Flow) (Flow, error)
	GetFlow(ctx context.Context, id string) (Flow, error)
	// FlowByName returns the newest version of the named flow in the tenant.
	FlowByName(ctx context.Context, tenantID, name string) (Flow, error)
	ListFlows(ctx context.Context, tenantID string) ([]Flow, error)

	// Flow runs. CreateFlowRun assigns ID, Name (if empty), Version 1 and a Scheduled state;
	// with an IdempotencyKey already used for that flow it returns the existing run.
	CreateFlowRun(ctx context.Context, r FlowRun) (FlowRun, error)
	GetFlowRun(ctx context.Context, id string) (FlowRun, error)
	ListFlowRuns(ctx context.Context, f RunFilter) ([]FlowRun, error)
	// ReadyRuns implements get_runs_in_queue: runs of the tenant in a scheduled state due
	// at or before `before`, and Running runs with a task run in a scheduled state due by
	// then, ordered by state start time, at most limit. Prefect's label rule is applied in
	// the query (a run's labels must be a subset of agentLabels; an unlabelled run goes
	// only to an agent with no labels), so runs no agent can take never hide due ones.
	ReadyRuns(ctx context.Context, tenantID string, before time.Time, agentLabels []string, limit int) ([]FlowRun, error)
	// SetFlowRunState applies one update atomically: version check (ErrVersionLock),
	// the Submitted claim (ErrAlreadySubmitted when the run is already Submitted or
	// later), the state history row, the copy onto the run, start/end times and heartbeat.
	// It returns the run's new version.
	SetFlowRunState(ctx context.Context, u StateUpdate) (int, error)
	FlowRunStates(ctx context.Context, runID string) ([]State, error)
	SetFlowRunName(ctx context.Context, id, name string) error
	Heartbeat(ctx context.Context, runID string, at time.Time) error
	// StaleRuns returns runs in one of states whose heartbeat (or state timestamp, when
	// there is none) is older than olderThan.
	StaleRuns(ctx context.Context, states []string, olderThan time.Time) ([]FlowRun, error)

	// Task runs.
	GetOrCreateTaskRun(ctx context.Context, flowRunID, taskID string, mapIndex int) (TaskRun, error)
	GetTaskRun(ctx context.Context, id string) (TaskRun, error)
	TaskRuns(ctx context.Context, flowRunID string) ([]TaskRun, error)
	SetTaskRunState(ctx context.Context, u StateUpdate) (int, error)

	// Logs.
	WriteLogs(ctx context.Context, logs []Log) error
	// Logs returns a run's logs in timestamp order, after the given log id ("" from the start).
	Logs(ctx context.Context, flowRunID string, afterID string, limit int) ([]Log, error)

	// Secrets (ciphertext only).
	PutSecret(ctx context.Context, s SecretRecord) error
	GetSecret(ctx context.Context, tenantID, name string) (SecretRecord, error)
	DeleteSecret(ctx context.Context, tenantID, name string) error // ErrNotFound if absent
	SecretNames(ctx context.Context, tenantID string) ([]string, error)

	// API keys.
	CreateAPIKey(ctx context.Context, k APIKey) (APIKey, error)
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
}
