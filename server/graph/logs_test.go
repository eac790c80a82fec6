package graph

import (
	"slices"
	"strings"
	"testing"
)

func TestWriteRunLogs(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	taskRunID := e.taskRun(runID, exampleTaskID, -1)

	var out struct {
		Write struct{ Success bool } `json:"write_run_logs"`
	}
	// From the agent: no timestamp, so the backend's clock applies.
	e.ok(docWriteRunLogs, `{"input": {"logs": [{"flow_run_id": "`+runID+`", "name": "agent", "message": "Submitted for execution: PID: 4242", "level": "INFO"}]}}`, &out)
	if !out.Write.Success {
		t.Fatal("write_run_logs success = false")
	}
	// From the flow-run process, batched.
	e.ok(docWriteRunLogs, `{"input": {"logs": [
		{"flow_run_id": "`+runID+`", "task_run_id": null, "timestamp": "2024-05-01T12:00:11.000001+00:00", "name": "prefect.CloudFlowRunner", "level": "INFO", "message": "Beginning Flow run"},
		{"flow_run_id": "`+runID+`", "task_run_id": "`+taskRunID+`", "timestamp": "2024-05-01T12:00:12+00:00", "name": "prefect.CloudTaskRunner", "level": "WARNING", "message": "Task is slow", "info": {"lineno": 7}}]}}`, &out)
	// From execute flow-run on failure: a single object where a list is expected.
	e.ok(docWriteRunLogs, `{"input": {"logs": {"flow_run_id": "`+runID+`", "timestamp": "2024-05-01T12:00:13+00:00", "name": "prefect.execute", "message": "Failed to load and execute flow run: boom", "level": "ERROR"}}}`, &out)

	logs, err := e.store.Logs(e.ctx, runID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range logs {
		got = append(got, l.Level+" "+l.Name+" "+l.Message)
	}
	want := []string{
		"INFO agent Submitted for execution: PID: 4242",
		"INFO prefect.CloudFlowRunner Beginning Flow run",
		"WARNING prefect.CloudTaskRunner Task is slow",
		"ERROR prefect.execute Failed to load and execute flow run: boom",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stored logs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !logs[0].Timestamp.Equal(t0) || logs[2].TaskRunID != taskRunID || !jsonEqual(t, string(logs[2].Info), `{"lineno": 7}`) {
		t.Errorf("first log at %v (want %v), third log task run %q info %s", logs[0].Timestamp, t0, logs[2].TaskRunID, logs[2].Info)
	}

	bad := e.do(docWriteRunLogs, `{"input": {"logs": [{"flow_run_id": "`+runID+`", "message": "x", "level": "VERBOSE"}]}}`)
	if bad.HTTPErr == nil || !strings.Contains(bad.HTTPErr.Error(), "VERBOSE") {
		t.Errorf("level VERBOSE: want the request refused naming the value, got %v %+v", bad.HTTPErr, bad.Errors)
	}
	e.fails(docWriteRunLogs, `{"input": {"logs": [{"flow_run_id": "`+exampleRunID+`", "message": "x"}]}}`, "flow run "+exampleRunID+" not found")
}

func TestLogQueries(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	var entries []string
	for i, msg := range []string{"one", "two", "three", "four"} {
		entries = append(entries, `{"flow_run_id": "`+runID+`", "timestamp": "2024-05-01T12:00:1`+string(rune('0'+i))+`+00:00", "message": "`+msg+`", "level": "INFO"}`)
	}
	e.ok(docWriteRunLogs, `{"input": {"logs": [`+strings.Join(entries, ", ")+`]}}`, nil)

	var root struct {
		Log []struct {
			Message   string
			Timestamp string
		}
	}
	e.ok(`query { log(where: { flow_run_id: { _eq: "`+runID+`" }, timestamp: { _gt: "2024-05-01T12:00:10+00:00" } }, order_by: { timestamp: asc }, limit: 2) { message timestamp } }`, "", &root)
	if len(root.Log) != 2 || root.Log[0].Message != "two" || root.Log[1].Message != "three" || root.Log[0].Timestamp != "2024-05-01T12:00:11.000000+00:00" {
		t.Errorf("log = %+v, want two and three", root.Log)
	}

	var nested struct {
		Run struct {
			Logs []struct{ Message string }
		} `json:"flow_run_by_pk"`
	}
	e.ok(`query { flow_run_by_pk(id: "`+runID+`") { logs(order_by: { timestamp: desc }, limit: 2, where: { timestamp: { _gte: "2024-05-01T12:00:10+00:00" } }) { message } } }`, "", &nested)
	if len(nested.Run.Logs) != 2 || nested.Run.Logs[0].Message != "four" || nested.Run.Logs[1].Message != "three" {
		t.Errorf("logs = %+v, want four and three", nested.Run.Logs)
	}

	e.fails(`query { log(where: { level: { _eq: "INFO" } }) { message } }`, "", "log queries must name the flow run")
}
