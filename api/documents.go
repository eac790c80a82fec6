package api

// The GraphQL documents Outpost sends. Every constant here is validated by the tests:
// those named cloud* against Prefect Cloud's secret fields (testdata/cloud-secrets.graphql),
// all others against the Prefect Server 1.x schema, so the same text works against
// Prefect Server, Prefect Cloud and the embedded backend.
//
// Arguments travel as variables rather than as rendered literals: a value can then never
// change the shape of a document. Servers accept both forms, and the field order inside a
// selection is not significant to them.

// Connectivity check sent once at start-up.
const queryHello = `query { hello }`

// Prefect Server keeps tenants in a table; the first one is the default.
const queryTenant = `query {
    tenant {
        id
    }
}`

const mutationRegisterAgent = `mutation($input: register_agent_input!) {
    register_agent(input: $input) {
        id
    }
}`

const mutationGetRunsInQueue = `mutation($input: get_runs_in_queue_input!) {
    get_runs_in_queue(input: $input) {
        flow_run_ids
    }
}`

// The agent's read of the runs it was offered: the filter is Prefect's (a Scheduled run,
// or a Running run with a task run due for a retry), so a run claimed by someone else
// in between drops out of the answer.
const queryFlowRunMetadata = `query($ids: [uuid!], $before: timestamptz) {
    flow_run(where: { id: { _in: $ids }, _or: [{ state: { _eq: "Scheduled" } }, { state: { _eq: "Running" }, task_runs: { state_start_time: { _lte: $before } } }] }) {
        id
        version
        state
        serialized_state
        parameters
        scheduled_start_time
        run_config
        name
        labels
        flow {
            id
            name
            environment
            storage
            version
            core_version
        }
        task_runs(where: { state_start_time: { _lte: $before } }) {
            id
            version
            task_id
            serialized_state
        }
    }
}`

const mutationSetFlowRunStates = `mutation($input: set_flow_run_states_input!) {
    set_flow_run_states(input: $input) {
        states {
            id
            status
            message
        }
    }
}`

const mutationSetTaskRunStates = `mutation($input: set_task_run_states_input!) {
    set_task_run_states(input: $input) {
        states {
            id
            status
            message
        }
    }
}`

const mutationWriteRunLogs = `mutation($input: write_run_logs_input!) {
    write_run_logs(input: $input) {
        success
    }
}`

const mutationFlowRunHeartbeat = `mutation($input: update_flow_run_heartbeat_input!) {
    update_flow_run_heartbeat(input: $input) {
        success
    }
}`

// flowRunFields is what `prefect execute flow-run`, `outpost execute flow-run` and
// `outpost flow-run get` read about a run.
const flowRunFields = `
        id
        name
        flow_id
        version
        state
        state_message
        serialized_state
        labels
        parameters
        context
        run_config
        scheduled_start_time
        start_time
        end_time
        flow {
            id
            name
            storage
            run_config
            core_version
        }`

const queryFlowRun = `query($id: uuid!) {
    flow_run(where: { id: { _eq: $id } }) {` + flowRunFields + `
    }
}`

const queryFlowRuns = `query($limit: Int) {
    flow_run(order_by: { scheduled_start_time: desc }, limit: $limit) {` + flowRunFields + `
    }
}`

// The cancellation watcher's poll, as small as Prefect's get_flow_run_info needs for it.
const queryFlowRunState = `query($id: uuid!) {
    flow_run_by_pk(id: $id) {
        id
        version
        state
    }
}`

// Server pushes nothing when a run is cancelled, so an agent that stops processes asks.
const queryCancellingRuns = `query($ids: [uuid!]) {
    flow_run(where: { id: { _in: $ids }, state: { _in: ["Cancelling", "Cancelled"] } }) {
        id
        state
    }
}`

const mutationCreateFlowRun = `mutation($input: create_flow_run_input!) {
    create_flow_run(input: $input) {
        id
    }
}`

const mutationCancelFlowRun = `mutation($input: cancel_flow_run_input!) {
    cancel_flow_run(input: $input) {
        state
    }
}`

const mutationSetFlowRunName = `mutation($input: set_flow_run_name_input!) {
    set_flow_run_name(input: $input) {
        success
    }
}`

const queryFlowRunLogs = `query($flow_run_id: uuid!, $after: timestamptz!) {
    log(where: { flow_run_id: { _eq: $flow_run_id }, timestamp: { _gt: $after } }, order_by: { timestamp: asc }) {
        flow_run_id
        task_run_id
        timestamp
        level
        name
        message
    }
}`

// Registering a new version archives the previous one, so the highest version is live.
const queryFlowByName = `query($name: String!) {
    flow(where: { name: { _eq: $name } }, order_by: { version: desc }, limit: 1) {
        id
        name
        version
        core_version
        project_id
        storage
        run_config
    }
}`

const queryFlowByID = `query($id: uuid!) {
    flow_by_pk(id: $id) {
        id
        name
        version
        core_version
        project_id
        storage
        run_config
    }
}`

const mutationCreateFlow = `mutation($input: create_flow_input!) {
    create_flow(input: $input) {
        id
    }
}`

const queryProjectByName = `query($name: String!) {
    project(where: { name: { _eq: $name } }, limit: 1) {
        id
    }
}`

const mutationCreateProject = `mutation($input: create_project_input!) {
    create_project(input: $input) {
        id
    }
}`

// Prefect Cloud's secret API, also served by the embedded backend. Prefect Server has
// none and answers these with a validation error.

const cloudQuerySecretValue = `query($name: String!) {
    secret_value(name: $name)
}`

const cloudQuerySecretNames = `query { secret_names }`

const cloudMutationSetSecret = `mutation($input: set_secret_input!) {
    set_secret(input: $input) {
        success
    }
}`

const cloudMutationDeleteSecret = `mutation($input: delete_secret_input!) {
    delete_secret(input: $input) {
        success
    }
}`
