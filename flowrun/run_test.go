package flowrun

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/outposthq/outpost/api"
)

func TestScriptStorage(t *testing.T) {
	b := startBackend(t)
	tests := []struct {
		name      string
		argv      []string
		wantState string
		wantMsg   string
		wantLogs  []string // output lines in the run's logs, as "LEVEL message"
	}{
		{name: "success", argv: []string{"sh", "-c", "echo hello; echo oops >&2"},
			wantState: "Success", wantMsg: "Command exited 0", wantLogs: []string{"INFO hello", "ERROR oops"}},
		{name: "exit code", argv: []string{"sh", "-c", "echo partial; exit 3"},
			wantState: "Failed", wantMsg: "Command failed: exit code 3", wantLogs: []string{"INFO partial"}},
		{name: "killed", argv: []string{"sh", "-c", "kill -KILL $$"},
			wantState: "Failed", wantMsg: "Command failed: killed by SIGKILL"},
		{name: "last line without newline", argv: []string{"printf", "a\\nb"},
			wantState: "Success", wantMsg: "Command exited 0", wantLogs: []string{"INFO a", "INFO b"}},
		{name: "not in PATH", argv: []string{"no-such-command-for-outpost"},
			wantState: "Failed", wantMsg: `command "no-such-command-for-outpost" was not found in the PATH`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runID := b.newRun(t, map[string]any{"type": "Script", "argv": tt.argv})
			r, _, out := newRunner(t, b, flowEnv(t, b, "x"))
			if err := wait(t, start(t.Context(), r, runID)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			state, msg := b.final(t, runID)
			if state != tt.wantState || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("final state %s %q, want %s containing %q", state, msg, tt.wantState, tt.wantMsg)
			}
			logs := b.logs(t, runID)
			if got := messages(logs, OutputLogName); !cmp.Equal(got, tt.wantLogs, cmp.Comparer(func(a, b []string) bool {
				return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
			})) {
				t.Errorf("output logs = %q, want %q (in any order)", got, tt.wantLogs)
			}
			for _, l := range tt.wantLogs {
				if line := strings.SplitN(l, " ", 2)[1]; !strings.Contains(out.String(), line+"\n") {
					t.Errorf("stdout %q lacks the line %q", out.String(), line)
				}
			}
			if got := messages(logs, RunnerLogName); !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, tt.wantMsg) }) {
				t.Errorf("runner logs %q do not report %q", got, tt.wantMsg)
			}
			// Running carries the version read; later states carry none, as Prefect's runner.
			sent := b.sent(runID)
			if len(sent) != 3 || sent[1].Type != "Running" || sent[1].Version == nil || sent[2].Type != tt.wantState || sent[2].Version != nil {
				t.Fatalf("states sent = %+v, want Submitted, Running with a version, %s without", sent, tt.wantState)
			}
			if *sent[1].Version != *sent[0].Version+1 {
				t.Errorf("Running sent with version %d, want the version read after Submitted (%d)", *sent[1].Version, *sent[0].Version+1)
			}
		})
	}
}

// The command gets exactly the environment it was given and the current directory.
func TestCommandEnvironment(t *testing.T) {
	b := startBackend(t)
	runID := b.newRun(t, map[string]any{"type": "Script", "argv": []string{"env"}})
	env := flowEnv(t, b, runID, "PLAIN_SETTING=visible value", "PYTHONPATH=/somewhere")
	r, _, out := newRunner(t, b, env)
	if err := wait(t, start(t.Context(), r, runID)); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(env)
	for i, kv := range want {
		if strings.HasPrefix(kv, "PREFECT__CLOUD__API_KEY=") {
			want[i] = "PREFECT__CLOUD__API_KEY=[REDACTED]"
		}
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))); diff != "" {
		t.Errorf("the command's environment differs from the one given (-want +got):\n%s", diff)
	}

	runID = b.newRun(t, map[string]any{"type": "Script", "argv": []string{"pwd"}})
	r, _, out = newRunner(t, b, flowEnv(t, b, runID))
	if err := wait(t, start(t.Context(), r, runID)); err != nil {
		t.Fatal(err)
	}
	if wd, _ := os.Getwd(); out.String() != wd+"\n" {
		t.Errorf("the command ran in %q, want the current directory %q", out.String(), wd)
	}
}

func TestLocalStorage(t *testing.T) {
	b := startBackend(t)
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.sh", "#!/bin/sh\necho local flow ran\n", 0o755)
	plain := write("plain.sh", "#!/bin/sh\necho no\n", 0o644)
	tests := []struct {
		name, path, wantState, wantMsg string
	}{
		{"runs", ok, "Success", "Command exited 0"},
		{"missing", filepath.Join(dir, "gone.sh"), "Failed", "gone.sh does not exist on this host"},
		{"not executable", plain, "Failed", "plain.sh is not executable: make it so with chmod +x"},
		{"directory", dir, "Failed", "is a directory, not a program"},
		{"relative", "flows/ok.sh", "Failed", `Local storage path "flows/ok.sh" is not absolute`},
		{"no path", "", "Failed", `Local storage has no "path"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runID := b.newRun(t, map[string]any{"type": "Local", "path": tt.path})
			r, _, out := newRunner(t, b, flowEnv(t, b, runID))
			if err := wait(t, start(t.Context(), r, runID)); err != nil {
				t.Fatal(err)
			}
			if state, msg := b.final(t, runID); state != tt.wantState || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("final state %s %q, want %s containing %q", state, msg, tt.wantState, tt.wantMsg)
			}
			if tt.wantState == "Success" && out.String() != "local flow ran\n" {
				t.Errorf("stdout = %q", out.String())
			}
		})
	}
}

func TestStorageThatIsNotNative(t *testing.T) {
	b := startBackend(t)
	tests := []struct {
		name    string
		storage map[string]any
		wantMsg string
	}{
		{"Prefect storage", map[string]any{"type": "S3", "bucket": "flows"},
			"storage type S3 is not a native Outpost storage (Script, Local or GitHub); Prefect flows run with prefect execute flow-run"},
		{"Script without argv", map[string]any{"type": "Script", "argv": []string{}},
			`field "argv" is required`},
		{"unknown type", map[string]any{"type": "Floppy"},
			`cannot load the flow's storage: flow storage: unknown type "Floppy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runID := b.newRun(t, tt.storage)
			r, _, _ := newRunner(t, b, flowEnv(t, b, runID))
			if err := wait(t, start(t.Context(), r, runID)); err != nil {
				t.Fatal(err)
			}
			if state, msg := b.final(t, runID); state != "Failed" || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("final state %s %q, want Failed containing %q", state, msg, tt.wantMsg)
			}
			logs := messages(b.logs(t, runID), RunnerLogName)
			if !slices.ContainsFunc(logs, func(m string) bool { return strings.HasPrefix(m, "ERROR ") && strings.Contains(m, tt.wantMsg) }) {
				t.Errorf("runner logs %q lack the ERROR %q", logs, tt.wantMsg)
			}
		})
	}
}

func TestRunStates(t *testing.T) {
	b := startBackend(t)

	t.Run("no run id", func(t *testing.T) {
		r, _, _ := newRunner(t, b, flowEnv(t, b, ""))
		if err := r.Run(t.Context(), ""); !errors.Is(err, ErrNoRunID) {
			t.Errorf("Run without a run id = %v, want ErrNoRunID", err)
		}
	})

	t.Run("unknown run", func(t *testing.T) {
		r, _, _ := newRunner(t, b, flowEnv(t, b, ""))
		err := r.Run(t.Context(), "6f1c3f0e-1b2a-4c5d-8e9f-0a1b2c3d4e5f")
		if !errors.Is(err, api.ErrNotFound) {
			t.Errorf("Run of an unknown run = %v, want an error matching api.ErrNotFound", err)
		}
	})

	t.Run("already finished", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "ran")
		runID := b.newRun(t, script("touch "+marker))
		if err := b.client.SetFlowRunState(t.Context(), runID, nil, api.Success("done elsewhere")); err != nil {
			t.Fatal(err)
		}
		r, _, _ := newRunner(t, b, flowEnv(t, b, runID))
		if err := wait(t, start(t.Context(), r, runID)); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("the command ran for a run that had already finished")
		}
		if state, msg := b.final(t, runID); state != "Success" || msg != "done elsewhere" {
			t.Errorf("final state %s %q, want it left as Success %q", state, msg, "done elsewhere")
		}
	})

	t.Run("cancelling before start", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "ran")
		runID := b.newRun(t, script("touch "+marker))
		if err := b.client.SetFlowRunState(t.Context(), runID, nil, api.State{Type: "Running"}); err != nil {
			t.Fatal(err)
		}
		if st, err := b.client.CancelFlowRun(t.Context(), runID); err != nil || st != "Cancelling" {
			t.Fatalf("cancel: %s, %v", st, err)
		}
		r, _, _ := newRunner(t, b, flowEnv(t, b, runID))
		if err := wait(t, start(t.Context(), r, runID)); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("the command ran for a cancelled run")
		}
		if state, _ := b.final(t, runID); state != "Cancelled" {
			t.Errorf("final state %s, want Cancelled", state)
		}
	})
}
