package graph

import "strings"

// The documents Prefect 1.x sends, exactly as prefect-server-api.md §3 renders them.
// Literal ids are the reference's examples; tests substitute real ones with withIDs.

const (
	// §3.1
	docTenant = `query {
    tenant {
        id
    }
}`
	// §3.2
	docRegisterAgent = `mutation($input: register_agent_input!) {
    register_agent(input: $input) {
        id
    }
}`
	// §3.3
	docHello = `query { hello }`
	// §3.5
	docGetRunsInQueue = `mutation($input: get_runs_in_queue_input!) {
    get_runs_in_queue(input: $input) {
        flow_run_ids
    }
}`
	// §3.6
	docFlowRunMetadata = `query {
    flow_run(where: { id: { _in: ["0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11"] }, _or: [{ state: { _eq: "Scheduled" } }, { state: { _eq: "Running" }, task_runs: { state_start_time: { _lte: "2024-05-01T12:00:07.123456+00:00" } } }] }) {
        id
        version
        state
        serialized_state
        parameters
        scheduled_start_time
        run_config
        name
        flow {
            id
            name
            environment
            storage
            version
            core_version
        }
        task_runs(where: { state_start_time: { _lte: "2024-05-01T12:00:07.123456+00:00" } }) {
            id
            version
            task_id
            serialized_state
        }
    }
}`
	// §3.7
	docSetFlowRunStates = `mutation($input: set_flow_run_states_input!) {
    set_flow_run_states(input: $input) {
        states {
            id
            status
            message
        }
    }
}`
	// §3.8
	docSetTaskRunStates = `mutation($input: set_task_run_states_input!) {
    set_task_run_states(input: $input) {
        states {
            id
            status
            message
        }
    }
}`
	// §3.9
	docWriteRunLogs = `mutation($input: write_run_logs_input!) {
    write_run_logs(input: $input) {
        success
    }
}`
	// §3.10
	docExecuteFlowRun = `query {
    flow_run(where: { id: { _eq: "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11" } }) {
        flow {
            name
            storage
            run_config
        }
        version
    }
}`
	// §3.11
	docGetFlowRunInfo = `query {
    flow_run_by_pk(id: "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11") {
        id
        name
        flow_id
        parameters
        context
        version
        scheduled_start_time
        serialized_state
        task_runs(where: { map_index: { _eq: -1 } }) {
            id
            task {
                id
                slug
            }
            version
            serialized_state
        }
        flow {
            project {
                name
                id
            }
        }
    }
}`
	// §3.12
	docHeartbeat = `mutation {
    update_flow_run_heartbeat(input: { flow_run_id: "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11" }) {
        success
    }
}`
	// §3.12
	docFlowSettings = `query {
    flow_run_by_pk(id: "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11") {
        flow {
            settings
        }
    }
}`
	// §3.13
	docFlowRunState = `query {
    flow_run_by_pk(id: "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11") {
        serialized_state
    }
}`
	// §3.14
	docGetOrCreateTaskRunInfo = `mutation {
    get_or_create_task_run_info(input: { flow_run_id: "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11", task_id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", map_index: -1 }) {
        id
        version
        serialized_state
    }
}`
	// §3.15
	docGetTaskRunInfo = `query {
    get_task_run_info(task_run_id: "5b1f0a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b") {
        serialized_state
    }
}`
	// §3.16
	docCachedStates = `query {
    task_run(where: { state: { _eq: "Cached" }, state_timestamp: { _gte: "2024-05-01T11:00:00.000000" }, cache_key: { _eq: "<cache_key>" } }, order_by: { state_timestamp: desc }, limit: 100) {
        serialized_state
    }
}`
	// §3.17
	docSetTaskRunName = `mutation($input: set_task_run_name_input!) {
    set_task_run_name(input: $input) {
        success
    }
}`
	// §3.17
	docSetFlowRunName = `mutation($input: set_flow_run_name_input!) {
    set_flow_run_name(input: $input) {
        success
    }
}`
	// §3.18
	docCreateFlowRun = `mutation($input: create_flow_run_input!) {
    create_flow_run(input: $input) {
        id
    }
}`
	// §3.19
	docCancelFlowRun = `mutation($input: cancel_flow_run_input!) {
    cancel_flow_run(input: $input) {
        state
    }
}`
)

// Prefect Cloud's secret documents, as Prefect 1.x's client sends them.
const (
	docSecretValue = `query($name: String!) {
    secret_value(name: $name)
}`
	docSecretNames = `query{secret_names}`
	docSetSecret   = `mutation($input: set_secret_input!) {
    set_secret(input: $input) {
        success
    }
}`
	docDeleteSecret = `mutation($input: delete_secret_input!) {
    delete_secret(input: $input) {
        success
    }
}`
)

// The reference's example ids.
const (
	exampleRunID     = "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11"
	exampleTaskID    = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	exampleTaskRunID = "5b1f0a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
	exampleTenantID  = "3f0e7a8b-2c1d-4e5f-9a0b-1c2d3e4f5a6b"
)

// withIDs replaces example values in a document (old, new, old, new, ...).
func withIDs(doc string, oldNew ...string) string {
	return strings.NewReplacer(oldNew...).Replace(doc)
}
