package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/outposthq/outpost/api"
)

func TestFlowRunCreate(t *testing.T) {
	b := startBackend(t)
	ctx := context.Background()
	flowID := b.mustRun(t, "flow", "register", "--name", "etl", "--script", "true",
		"-e", "A=1", "-e", "B=old", "--working-dir", "/srv", "-l", "team")

	t.Run("inherits the flow's run config and labels", func(t *testing.T) {
		run := getRun(t, b, b.mustRun(t, "flow-run", "create", "--flow", "etl"))
		if run.FlowID != flowID {
			t.Errorf("flow_id = %q, want %q", run.FlowID, flowID)
		}
		jsonEqual(t, "run_config", run.RunConfig, `{"type":"LocalRun","env":{"A":"1","B":"old"},"working_dir":"/srv","labels":["team"]}`)
		if diff := cmp.Diff([]string{"team"}, run.Labels); diff != "" {
			t.Errorf("labels (-want +got):\n%s", diff)
		}
	})
	t.Run("env override, labels, params, name and start time", func(t *testing.T) {
		id := b.mustRun(t, "flow-run", "create", "--flow", flowID, "--label", "other", "-p", "n=3", "-p", "s=x y",
			"--param", `obj={"k":[1,2]}`, "--name", "nightly", "--start-at", "2030-01-02T03:04:05Z")
		run := getRun(t, b, id)
		jsonEqual(t, "parameters", run.Parameters, `{"n":3,"s":"x y","obj":{"k":[1,2]}}`)
		if diff := cmp.Diff([]string{"other"}, run.Labels); diff != "" {
			t.Errorf("labels (-want +got):\n%s", diff)
		}
		if run.Name != "nightly" {
			t.Errorf("name = %q, want nightly", run.Name)
		}
		if want := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC); !run.ScheduledStartTime.Equal(want) {
			t.Errorf("scheduled_start_time = %v, want %v", run.ScheduledStartTime, want)
		}

		id = b.mustRun(t, "flow-run", "create", "--flow", "etl", "--env", "B=new", "-e", "C=x,y")
		jsonEqual(t, "run_config", getRun(t, b, id).RunConfig,
			`{"type":"LocalRun","env":{"A":"1","B":"new","C":"x,y"},"working_dir":"/srv","labels":["team"]}`)

		// By id the flow's run config is found just the same.
		id = b.mustRun(t, "flow-run", "create", "--flow", flowID, "--env", "B=by-id")
		jsonEqual(t, "run_config", getRun(t, b, id).RunConfig,
			`{"type":"LocalRun","env":{"A":"1","B":"by-id"},"working_dir":"/srv","labels":["team"]}`)
	})
	t.Run("idempotency key returns the same run", func(t *testing.T) {
		first := b.mustRun(t, "flow-run", "create", "--flow", "etl", "--idempotency-key", "k1")
		again := b.mustRun(t, "flow-run", "create", "--flow", "etl", "--idempotency-key", "k1")
		if first != again {
			t.Errorf("same idempotency key gave runs %s and %s", first, again)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		before, err := b.client.ListFlowRuns(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			args []string
			code int
			want string
		}{
			{[]string{}, 2, "needs --flow"},
			{[]string{"--flow", "etl", "--start-at", "garbage"}, 2, `--start-at "garbage" is neither`},
			{[]string{"--flow", "etl", "--start-at", "-5m"}, 2, "is neither"},
			{[]string{"--flow", "etl", "--param", "noequals"}, 2, `--param "noequals" is not KEY=VALUE`},
			{[]string{"--flow", "etl", "--env", "X"}, 2, `--env "X" is not KEY=VALUE`},
			{[]string{"--flow", "0c8a3c2e-6e35-4d0e-9a9e-2b8f1f7d3a11"}, 1, "no flow with id"},
			{[]string{"--flow", "no-such-flow"}, 1, `no flow named "no-such-flow"`},
			{[]string{"--flow", "6f1c5a52-0d7e-4c55-9d2b-3b8f1f1e2a11"}, 1, "6f1c5a52-0d7e-4c55-9d2b-3b8f1f1e2a11"},
		}
		for _, tc := range tests {
			r := runMain(b.env, nil, append([]string{"flow-run", "create"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("create %q: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
			}
		}
		after, err := b.client.ListFlowRuns(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("bad input created runs: %d before, %d after", len(before), len(after))
		}
	})
}

func TestFlowRunWait(t *testing.T) {
	b := startBackend(t)
	b.mustRun(t, "flow", "register", "--name", "w", "--script", "true")
	tests := []struct {
		final    api.State
		wantCode int
		wantErr  string
	}{
		{api.Success("all good"), 0, "finished: Success: all good"},
		{api.Failed("exit code 3"), 1, "finished: Failed: exit code 3"},
	}
	for _, tc := range tests {
		t.Run(tc.final.Type, func(t *testing.T) {
			m := startMain(b.env, "flow-run", "create", "--flow", "w", "--wait")
			id := m.line(t)
			if err := b.client.SetFlowRunState(context.Background(), id, nil, tc.final); err != nil {
				t.Fatal(err)
			}
			code := m.wait(t)
			if code != tc.wantCode || !strings.Contains(m.errOut.String(), tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, m.errOut.String(), tc.wantCode, tc.wantErr)
			}
		})
	}
}

func TestFlowRunLogs(t *testing.T) {
	b := startBackend(t)
	ctx := context.Background()
	b.mustRun(t, "flow", "register", "--name", "l", "--script", "true")
	id := b.mustRun(t, "flow-run", "create", "--flow", "l")
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	write := func(offset time.Duration, level, msg string) {
		t.Helper()
		err := b.client.WriteRunLogs(ctx, []api.LogEntry{{FlowRunID: id, Timestamp: t0.Add(offset), Name: "flow", Level: level, Message: msg}})
		if err != nil {
			t.Fatal(err)
		}
	}
	write(0, "INFO", "starting")
	write(time.Second, "WARNING", "slow disk")

	if got, want := b.mustRun(t, "flow-run", "logs", id), "2024-05-01T12:00:00.123456+00:00 INFO flow: starting\n"+
		"2024-05-01T12:00:01.123456+00:00 WARNING flow: slow disk"; got != want {
		t.Errorf("logs:\n%s\nwant:\n%s", got, want)
	}

	m := startMain(b.env, "flow-run", "logs", id, "--follow")
	for _, want := range []string{"starting", "slow disk"} {
		if line := m.line(t); !strings.HasSuffix(line, want) {
			t.Fatalf("followed line %q, want one ending in %q", line, want)
		}
	}
	write(2*time.Second, "ERROR", "retrying")
	if line := m.line(t); line != "2024-05-01T12:00:02.123456+00:00 ERROR flow: retrying" {
		t.Fatalf("followed line %q, want the new ERROR line", line)
	}
	if err := b.client.SetFlowRunState(ctx, id, nil, api.Success("")); err != nil {
		t.Fatal(err)
	}
	if code := m.wait(t); code != 0 {
		t.Fatalf("logs --follow exited %d once the run finished, want 0", code)
	}
}

func TestFlowRunGetListCancel(t *testing.T) {
	b := startBackend(t)
	b.mustRun(t, "flow", "register", "--name", "g", "--script", "true", "-l", "x")
	id := b.mustRun(t, "flow-run", "create", "--flow", "g", "--name", "first")

	var got flowRunView
	if err := json.Unmarshal([]byte(b.mustRun(t, "flow-run", "get", id, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Name != "first" || got.FlowName != "g" || got.State != "Scheduled" || got.Version < 1 ||
		!cmp.Equal(got.Labels, []string{"x"}) || got.ScheduledStartTime == nil || got.StartTime != nil {
		t.Errorf("get --json = %+v", got)
	}
	table := b.mustRun(t, "flow-run", "get", id)
	for _, want := range []string{"ID         " + id, "NAME       first", "STATE      Scheduled", "LABELS     x"} {
		if !strings.Contains(table, want) {
			t.Errorf("get table lacks %q:\n%s", want, table)
		}
	}
	second := b.mustRun(t, "flow-run", "create", "--flow", "g")
	var list []flowRunView
	if err := json.Unmarshal([]byte(b.mustRun(t, "flow-run", "list", "--json", "--limit", "1")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != second {
		t.Errorf("list --limit 1 = %+v, want only the newest run %s", list, second)
	}
	if lines := strings.Split(b.mustRun(t, "flow-run", "list"), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
		t.Errorf("list table = %q, want a header and two runs", lines)
	}

	if state := b.mustRun(t, "flow-run", "cancel", id); state != "Cancelled" {
		t.Errorf("cancel printed %q, want Cancelled", state)
	}
	missing := "0b0c0d0e-0000-4000-8000-000000000000"
	for _, cmd := range []string{"get", "cancel", "logs"} {
		r := runMain(b.env, nil, "flow-run", cmd, missing)
		if r.code != 1 || !strings.Contains(r.stderr, "flow run "+missing+" not found") {
			t.Errorf("%s of an unknown run: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
	}
	if r := runMain(b.env, nil, "flow-run", "get", "not-an-id"); r.code != 2 || !strings.Contains(r.stderr, "is not a flow run ID") {
		t.Errorf("get not-an-id: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestParseParams(t *testing.T) {
	got, err := parseParams([]string{"i=42", "f=1.5", "big=12345678901234567890", "b=true", "n=null", "s=hello",
		`q="quoted"`, "l=[1, 2]", "empty=", "eq=a=b", "bad={"})
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "params", encoded, `{"i":42,"f":1.5,"big":12345678901234567890,"b":true,"n":null,"s":"hello",
		"q":"quoted","l":[1,2],"empty":"","eq":"a=b","bad":"{"}`)
	if !strings.Contains(string(encoded), "12345678901234567890") {
		t.Errorf("a large integer lost digits: %s", encoded)
	}
}

func TestParseStartAt(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2030-01-02T03:04:05Z", want: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		{in: "2030-01-02T05:04:05.5+02:00", want: time.Date(2030, 1, 2, 3, 4, 5, 5e8, time.UTC)},
		{in: "+5m", want: now.Add(5 * time.Minute)},
		{in: "1h30m", want: now.Add(90 * time.Minute)},
		{in: "+0s", want: now},
		{in: "-5m", wantErr: true},
		{in: "+-5m", wantErr: true},
		{in: "tomorrow", wantErr: true},
		{in: "2030-01-02", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseStartAt(tc.in, now)
		if (err != nil) != tc.wantErr || (err == nil && !got.Equal(tc.want)) {
			t.Errorf("parseStartAt(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestRunConfigOverride(t *testing.T) {
	tests := []struct {
		name, flowRC, want string
	}{
		{"no run config", `null`, `{"type":"UniversalRun","env":{"K":"v"}}`},
		{"keeps type and fields", `{"type":"DockerRun","image":"py:3","env":{"A":1,"K":"old"},"labels":["l"]}`,
			`{"type":"DockerRun","image":"py:3","env":{"A":1,"K":"v"},"labels":["l"]}`},
		{"local without env", `{"type":"LocalRun","working_dir":"/w"}`, `{"type":"LocalRun","working_dir":"/w","env":{"K":"v"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runConfigOverride(json.RawMessage(tc.flowRC), map[string]string{"K": "v"})
			if err != nil {
				t.Fatal(err)
			}
			encoded, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, "override", encoded, tc.want)
		})
	}
	if _, err := runConfigOverride(json.RawMessage(`{"type":"Bogus"}`), map[string]string{"K": "v"}); err == nil {
		t.Error("an unknown run config type was accepted")
	}
}

// bgMain is the CLI running in the background: stdout is a pipe read line by line,
// stderr is readable once wait has returned.
type bgMain struct {
	out    *bufio.Reader
	errOut strings.Builder
	done   chan int
}

func startMain(env []string, args ...string) *bgMain {
	pr, pw := io.Pipe()
	m := &bgMain{out: bufio.NewReader(pr), done: make(chan int, 1)}
	go func() {
		code := Main(append([]string{"outpost"}, args...), IO{In: strings.NewReader(""), Out: pw, Err: &m.errOut}, env)
		pw.Close()
		m.done <- code
	}()
	return m
}

// line reads the next line of stdout, failing the test after a deadline.
func (m *bgMain) line(t *testing.T) string {
	t.Helper()
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() { line, err := m.out.ReadString('\n'); ch <- result{strings.TrimSuffix(line, "\n"), err} }()
	select {
	case res := <-ch:
		if res.err != nil {
			t.Fatalf("reading a line of output: %v (got %q)", res.err, res.line)
		}
		return res.line
	case <-time.After(30 * time.Second):
		t.Fatal("no line of output within 30s")
	}
	return ""
}

// wait returns the exit code, failing the test after a deadline. Output nobody reads
// any more is discarded, so the command never blocks writing it.
func (m *bgMain) wait(t *testing.T) int {
	t.Helper()
	go func() { _, _ = io.Copy(io.Discard, m.out) }()
	select {
	case code := <-m.done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not finish within 30s")
	}
	return -1
}

func getRun(t *testing.T, b testBackend, id string) api.FlowRunInfo {
	t.Helper()
	run, err := b.client.FlowRun(context.Background(), id)
	if err != nil {
		t.Fatalf("flow run %s: %v", id, err)
	}
	return run
}
