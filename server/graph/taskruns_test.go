package graph

import (
	"testing"
	"time"
)

func TestCachedStatesLookup(t *testing.T) {
	e := newEnv(t)
	runID := e.createRun(e.createFlow(nativeFlow), "")
	const otherTask = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	older := e.taskRun(runID, exampleTaskID, 0)
	newer := e.taskRun(runID, exampleTaskID, 1)
	succeeded := e.taskRun(runID, exampleTaskID, 2)
	otherCached := e.taskRun(runID, otherTask, -1)

	e.setTaskRunState(older, state("Cached", `"cached_inputs": {"x": 1}`))
	e.setTaskRunState(otherCached, state("Cached"))
	e.advance(time.Hour)
	e.setTaskRunState(newer, state("Cached", `"cached_inputs": {"x": 2}`))
	e.setTaskRunState(succeeded, state("Success"))

	// §3.16 with cache_key None: the task_id condition, a naive UTC time, newest first.
	doc := withIDs(docCachedStates, `cache_key: { _eq: "<cache_key>" }`, `task_id: { _eq: "`+exampleTaskID+`" }`)
	var out struct {
		TaskRun []struct {
			SerializedState struct {
				Type         string
				CachedInputs map[string]float64 `json:"cached_inputs"`
			} `json:"serialized_state"`
		} `json:"task_run"`
	}
	e.ok(doc, "", &out)
	if len(out.TaskRun) != 2 || out.TaskRun[0].SerializedState.CachedInputs["x"] != 2 || out.TaskRun[1].SerializedState.CachedInputs["x"] != 1 {
		t.Errorf("task_run = %+v, want the two Cached runs of the task, newest first", out.TaskRun)
	}

	e.ok(withIDs(doc, "2024-05-01T11:00:00.000000", "2024-05-01T12:30:00.000000"), "", &out)
	if len(out.TaskRun) != 1 || out.TaskRun[0].SerializedState.CachedInputs["x"] != 2 {
		t.Errorf("task_run since 12:30 = %+v, want only the newer one", out.TaskRun)
	}
}
