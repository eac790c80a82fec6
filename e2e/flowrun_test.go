package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outposthq/outpost/api"
)

func TestHelpListsBackendCommands(t *testing.T) {
	r := run(t, home(t, ""), "--help")
	for _, cmd := range []string{"server", "flow", "flow-run"} {
		if !strings.Contains(r.stdout, "\n   "+cmd+" ") {
			t.Errorf("--help does not list %q:\n%s", cmd, r.stdout)
		}
	}
	r = run(t, home(t, ""), "secret", "--help")
	for _, sub := range []string{"get", "set", "list", "delete"} {
		if !strings.Contains(r.stdout, "\n   "+sub+" ") {
			t.Errorf("secret --help does not list %q:\n%s", sub, r.stdout)
		}
	}
}

func TestFlowRunLifecycle(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()

	flowID := s.outpost(t, "flow", "register", "--name", "etl", "--script", `sh -c 'echo "$GREETING"'`,
		"--label", "e2e", "-e", "GREETING=hello", "--secret", "DB_URL")
	flow, err := s.client(t).FlowByName(ctx, "etl")
	if err != nil || flow.ID != flowID {
		t.Fatalf("registered flow: %+v, %v; want id %s", flow, err, flowID)
	}
	var storage struct {
		Type    string   `json:"type"`
		Argv    []string `json:"argv"`
		Secrets []string `json:"secrets"`
	}
	if err := json.Unmarshal(flow.Storage, &storage); err != nil {
		t.Fatal(err)
	}
	if storage.Type != "Script" || strings.Join(storage.Argv, "|") != `sh|-c|echo "$GREETING"` || strings.Join(storage.Secrets, ",") != "DB_URL" {
		t.Errorf("storage = %s", flow.Storage)
	}

	runID := s.outpost(t, "flow-run", "create", "--flow", "etl", "--name", "first")
	// Flags after the positional ID.
	var got map[string]any
	if err := json.Unmarshal([]byte(s.outpost(t, "flow-run", "get", runID, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{"id": runID, "name": "first", "flow_id": flowID, "state": "Scheduled"} {
		if got[field] != want {
			t.Errorf("get --json: %s = %v, want %v", field, got[field], want)
		}
	}
	for _, field := range []string{"state_message", "version", "labels"} {
		if _, ok := got[field]; !ok {
			t.Errorf("get --json has no %q: %v", field, got)
		}
	}
	if labels, _ := got["labels"].([]any); len(labels) != 1 || labels[0] != "e2e" {
		t.Errorf("the run did not inherit the flow's labels: %v", got["labels"])
	}
	if list := s.outpost(t, "flow-run", "list"); !strings.Contains(list, runID) || !strings.Contains(list, "Scheduled") {
		t.Errorf("flow-run list does not show the run:\n%s", list)
	}

	logTime := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	err = s.client(t).WriteRunLogs(ctx, []api.LogEntry{
		{FlowRunID: runID, Timestamp: logTime, Name: "agent", Level: "INFO", Message: "submitted"},
		{FlowRunID: runID, Timestamp: logTime.Add(time.Second), Name: "flow", Level: "ERROR", Message: "boom"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-05-01T12:00:00.000000+00:00 INFO agent: submitted\n2024-05-01T12:00:01.000000+00:00 ERROR flow: boom"
	if logs := s.outpost(t, "flow-run", "logs", runID); logs != want {
		t.Errorf("flow-run logs:\n%s\nwant:\n%s", logs, want)
	}

	// Nothing runs it, so cancelling a scheduled run ends it at once.
	if state := s.outpost(t, "flow-run", "cancel", runID); state != "Cancelled" {
		t.Errorf("cancel printed %q, want Cancelled", state)
	}
	if err := json.Unmarshal([]byte(s.outpost(t, "flow-run", "get", "--json", runID)), &got); err != nil || got["state"] != "Cancelled" {
		t.Errorf("after cancel: state %v (%v), want Cancelled", got["state"], err)
	}
	s.outpost(t, "flow-run", "logs", runID, "--follow") // returns: the run is finished

	r := run(t, s.env, "flow-run", "get", "3c1e4f7a-1111-4222-8333-944455556666", "--api", s.url)
	if r.code != 1 || !strings.Contains(r.stderr, "flow run 3c1e4f7a-1111-4222-8333-944455556666 not found") {
		t.Errorf("get of an unknown run: exit %d, stderr %q", r.code, r.stderr)
	}
	s.stop(t)
}

func TestFlowRunWait(t *testing.T) {
	s := startServer(t)
	s.outpost(t, "flow", "register", "--name", "w", "--script", "true")

	t.Run("cancelled while waiting exits 1", func(t *testing.T) {
		w := startWaiter(t, s)
		if state := s.outpost(t, "flow-run", "cancel", w.runID); state != "Cancelled" {
			t.Fatalf("cancel printed %q", state)
		}
		code, stderr := w.finish(t)
		if code != 1 || !strings.Contains(stderr, "finished: Cancelled") {
			t.Errorf("--wait: exit %d, stderr %q; want 1 and the final state", code, stderr)
		}
	})
	t.Run("SIGINT stops waiting with 130", func(t *testing.T) {
		w := startWaiter(t, s)
		if err := w.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		code, stderr := w.finish(t)
		if code != 130 || !strings.Contains(stderr, "stopped waiting") {
			t.Errorf("--wait after SIGINT: exit %d, stderr %q", code, stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(s.outpost(t, "flow-run", "get", w.runID, "--json")), &got); err != nil || got["state"] != "Scheduled" {
			t.Errorf("the run changed when the waiter was interrupted: %v (%v)", got["state"], err)
		}
	})
	s.stop(t)
}

// waiter is a `flow-run create --wait` in the background, past printing the run id.
type waiter struct {
	cmd      *exec.Cmd
	runID    string
	stderr   *lockedBuffer
	done     chan error
	finished bool // done has been received from
}

func startWaiter(t *testing.T, s *serverProc) *waiter {
	t.Helper()
	w := &waiter{stderr: &lockedBuffer{}, done: make(chan error, 1)}
	w.cmd = exec.Command(binary, "flow-run", "create", "--flow", "w", "--wait", "--api", s.url)
	w.cmd.Env = s.env
	w.cmd.Stderr = w.stderr
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !w.finished {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
		w.done <- w.cmd.Wait()
	}()
	select {
	case w.runID = <-lines:
	case <-time.After(startupDeadline):
		t.Fatalf("flow-run create --wait printed no run id\nstderr: %s", w.stderr)
	}
	if w.runID == "" {
		t.Fatalf("flow-run create --wait printed no run id\nstderr: %s", w.stderr)
	}
	return w
}

func (w *waiter) finish(t *testing.T) (int, string) {
	t.Helper()
	select {
	case err := <-w.done:
		w.finished = true
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return w.cmd.ProcessState.ExitCode(), w.stderr.String()
	case <-time.After(startupDeadline):
		t.Fatalf("--wait did not return within %s\nstderr: %s", startupDeadline, w.stderr)
	}
	return -1, ""
}

func TestClientAuthAndEnv(t *testing.T) {
	s := startServer(t)
	s.outpost(t, "flow", "register", "--name", "a", "--script", "true")

	// No --key: the admin key comes from auth.toml; no --api: from OUTPOST_API.
	r := run(t, append(s.env, "OUTPOST_API="+s.url), "flow-run", "create", "--flow", "a")
	if r.code != 0 {
		t.Fatalf("with OUTPOST_API and the key from auth.toml: exit %d, stderr %q", r.code, r.stderr)
	}
	// The Prefect variable works too.
	if r := run(t, append(s.env, "PREFECT__CLOUD__API="+s.url), "flow-run", "list"); r.code != 0 || !strings.Contains(r.stdout, "Scheduled") {
		t.Errorf("with PREFECT__CLOUD__API: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"flow-run", "list", "--key", "wrong-key-wrong-key-wrong-key"},
		{"flow-run", "list", "-k", "wrong-key-wrong-key-wrong-key"},
	} {
		r := run(t, s.env, append(args, "--api", s.url)...)
		if r.code != 1 || !strings.Contains(r.stderr, "UNAUTHENTICATED") {
			t.Errorf("%q: exit %d, stderr %q; want exit 1 and UNAUTHENTICATED", args, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "wrong-key-wrong-key") {
			t.Errorf("the error shows the key: %q", r.stderr)
		}
	}
	s.stop(t)
}

func TestClientBadInput(t *testing.T) {
	s := startServer(t)
	s.outpost(t, "flow", "register", "--name", "ok", "--script", "true")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"two storages", []string{"flow", "register", "--name", "bad", "--script", "true", "--github", "a/b", "--path", "x"}, 2, "exactly one storage"},
		{"env without =", []string{"flow", "register", "--name", "bad", "--script", "true", "--env", "JUSTNAME"}, 2, `"JUSTNAME"`},
		{"unterminated quote", []string{"flow", "register", "--name", "bad", "--script", `python -c 'print(1)`}, 2, "never closed"},
		{"unknown flow name", []string{"flow-run", "create", "--flow", "bad"}, 1, `no flow named "bad"`},
		{"start-at garbage", []string{"flow-run", "create", "--flow", "ok", "--start-at", "soonish"}, 2, `--start-at "soonish"`},
		{"param without =", []string{"flow-run", "create", "--flow", "ok", "-p", "x"}, 2, `--param "x"`},
		{"run id not a UUID", []string{"flow-run", "cancel", "42"}, 2, "not a flow run ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, s.env, append(tc.args, "--api", s.url)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if strings.Contains(r.stderr, "panic") {
				t.Errorf("panicked:\n%s", r.stderr)
			}
		})
	}
	if _, err := s.client(t).FlowByName(context.Background(), "bad"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("a flow was registered by bad input (lookup: %v)", err)
	}
	runs, err := s.client(t).ListFlowRuns(context.Background(), 0)
	if err != nil || len(runs) != 0 {
		t.Errorf("bad input created runs: %d (%v)", len(runs), err)
	}
	s.stop(t)
}
