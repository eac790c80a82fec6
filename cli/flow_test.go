package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
)

func TestFlowRegister(t *testing.T) {
	b := startBackend(t)
	localAbs, err := filepath.Abs("flows/etl.sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		args          []string
		wantStorage   string
		wantRunConfig string
	}{
		{
			name:          "script with quotes and secrets",
			args:          []string{"--script", `python -c 'print("a b")' "x y"`, "--secret", "DB_URL", "-s", "API_TOKEN"},
			wantStorage:   `{"type":"Script","argv":["python","-c","print(\"a b\")","x y"],"secrets":["DB_URL","API_TOKEN"]}`,
			wantRunConfig: `{"type":"LocalRun"}`,
		},
		{
			name:          "local path made absolute, env, working dir and labels",
			args:          []string{"--local", "flows/etl.sh", "-e", "A=1", "--env", "B=x=y,z", "--working-dir", "/srv/etl", "-l", "gpu", "--label", "dev"},
			wantStorage:   fmt.Sprintf(`{"type":"Local","path":%q}`, localAbs),
			wantRunConfig: `{"type":"LocalRun","env":{"A":"1","B":"x=y,z"},"working_dir":"/srv/etl","labels":["gpu","dev"]}`,
		},
		{
			name: "github with every option",
			args: []string{"--github", "acme/flows", "--path", "/etl/run.py", "--ref", "v2", "--github-url", "https://ghe.example.com/api/v3",
				"--access-token-secret", "GHE_TOKEN"},
			wantStorage:   `{"type":"GitHub","repo":"acme/flows","path":"etl/run.py","ref":"v2","base_url":"https://ghe.example.com/api/v3","access_token_secret":"GHE_TOKEN"}`,
			wantRunConfig: `{"type":"LocalRun"}`,
		},
		{
			name:          "image makes a DockerRun",
			args:          []string{"--script", "outpost version", "--image", "python:3.12", "-e", "K=V"},
			wantStorage:   `{"type":"Script","argv":["outpost","version"]}`,
			wantRunConfig: `{"type":"DockerRun","image":"python:3.12","env":{"K":"V"}}`,
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("flow-%d", i)
			id := b.mustRun(t, append([]string{"flow", "register", "--name", name}, tc.args...)...)
			flow, err := b.client.FlowByName(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if flow.ID != id {
				t.Errorf("printed id %q, registered flow has id %q", id, flow.ID)
			}
			if want := runconfig.NativeCoreVersionPrefix + Version; flow.CoreVersion != want {
				t.Errorf("core_version = %q, want %q", flow.CoreVersion, want)
			}
			jsonEqual(t, "storage", flow.Storage, tc.wantStorage)
			jsonEqual(t, "run_config", flow.RunConfig, tc.wantRunConfig)
		})
	}
}

func TestFlowRegisterRejectsBadInput(t *testing.T) {
	b := startBackend(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no name", []string{"--script", "true"}, "needs --name"},
		{"no storage", []string{"--name", "f"}, "exactly one storage"},
		{"two storages", []string{"--name", "f", "--script", "true", "--local", "/x"}, "(got --script and --local)"},
		{"github flag without github", []string{"--name", "f", "--script", "true", "--ref", "main"}, "--ref is for --github storage only"},
		{"repo without owner", []string{"--name", "f", "--github", "flows", "--path", "x.py"}, "use OWNER/REPO"},
		{"github without path", []string{"--name", "f", "--github", "acme/flows"}, "needs --path"},
		{"github url not a url", []string{"--name", "f", "--github", "acme/flows", "--path", "x", "--github-url", "ghe.local"}, "not an http(s) URL"},
		{"unterminated quote", []string{"--name", "f", "--script", `echo "hi`}, "never closed"},
		{"empty script", []string{"--name", "f", "--script", "  "}, "--script is empty"},
		{"env without =", []string{"--name", "f", "--script", "true", "--env", "NOVALUE"}, `--env "NOVALUE" is not KEY=VALUE`},
		{"env without name", []string{"--name", "f", "--script", "true", "-e", "=v"}, `--env "=v" is not KEY=VALUE`},
		{"image and working dir", []string{"--name", "f", "--script", "true", "--image", "x", "--working-dir", "/w"}, "--working-dir is for local runs"},
		{"empty label", []string{"--name", "f", "--script", "true", "-l", ""}, "--label needs a label"},
		{"positional argument", []string{"--name", "f", "--script", "true", "extra"}, `takes no arguments, got "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(b.env, nil, append([]string{"flow", "register"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if _, err := b.client.FlowByName(context.Background(), "f"); !errors.Is(err, api.ErrNotFound) {
				t.Errorf("a flow was registered despite the error (lookup: %v)", err)
			}
		})
	}
}

func TestParseKeyValues(t *testing.T) {
	tests := []struct {
		in      []string
		want    map[string]string
		wantErr bool
	}{
		{in: nil, want: nil},
		{in: []string{"A=1", "B=", "C=x=y", "A=2"}, want: map[string]string{"A": "2", "B": "", "C": "x=y"}},
		{in: []string{"A"}, wantErr: true},
		{in: []string{"=1"}, wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseKeyValues("--env", tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseKeyValues(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseKeyValues(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// jsonEqual compares JSON documents by value.
func jsonEqual(t *testing.T, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %q is not JSON: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want %q is not JSON: %v", what, want, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}
