package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestVersionAndHelp(t *testing.T) {
	r := run(t, home(t, ""), "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "outpost ") {
		t.Fatalf("version: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, home(t, ""), "--help")
	for _, cmd := range []string{"version", "config", "secret"} {
		if !strings.Contains(r.stdout, "\n   "+cmd+" ") {
			t.Errorf("--help does not list %q:\n%s", cmd, r.stdout)
		}
	}
}

func TestConfigViewJSON(t *testing.T) {
	env := home(t, `
backend = "server"
[cloud.agent]
labels = "['dev', 'gpu']"
[context.secrets]
MY_TOKEN = "hunter2-very-secret"
`, "PREFECT__SERVER__PORT=4300", "PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS={'ACCESS_KEY': 'AKIAEXAMPLEKEY', 'SECRET_ACCESS_KEY': 'sekrit-sekrit'}")
	r := run(t, env, "config", "view", "--json")
	if r.code != 0 {
		t.Fatalf("config view --json: code %d, stderr %q", r.code, r.stderr)
	}
	for _, leaked := range []string{"hunter2-very-secret", "AKIAEXAMPLEKEY", "sekrit-sekrit"} {
		if strings.Contains(r.stdout, leaked) {
			t.Errorf("config view printed a secret value")
		}
	}
	var got struct {
		Backend string `json:"backend"`
		Server  struct {
			Port     int    `json:"port"`
			Endpoint string `json:"endpoint"`
		} `json:"server"`
		Cloud struct {
			API   string `json:"api"`
			Agent struct {
				Labels []string `json:"labels"`
			} `json:"agent"`
		} `json:"cloud"`
		Context struct {
			Secrets map[string]any `json:"secrets"`
		} `json:"context"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("config view --json is not JSON: %v\n%s", err, r.stdout)
	}
	if got.Backend != "server" || got.Server.Port != 4300 {
		t.Errorf("backend/port = %q/%d, want server/4300", got.Backend, got.Server.Port)
	}
	// cloud.api = ${${backend}.endpoint} resolves through server.endpoint, which is
	// ${server.host}:${server.port}, so the overridden port reaches it.
	if got.Cloud.API != "http://localhost:4300" || got.Server.Endpoint != "http://localhost:4300" {
		t.Errorf("cloud.api, server.endpoint = %q, %q, want http://localhost:4300", got.Cloud.API, got.Server.Endpoint)
	}
	if strings.Join(got.Cloud.Agent.Labels, ",") != "dev,gpu" {
		t.Errorf("labels = %v, want [dev gpu]", got.Cloud.Agent.Labels)
	}
	for _, name := range []string{"MY_TOKEN", "AWS_CREDENTIALS"} {
		if got.Context.Secrets[name] != "[REDACTED]" {
			t.Errorf("context.secrets.%s = %v, want [REDACTED]", name, got.Context.Secrets[name])
		}
	}
}

func TestConfigViewTOMLFlagAfterNothing(t *testing.T) {
	r := run(t, home(t, "", "PREFECT__LOGGING__LEVEL=DEBUG"), "config", "view")
	if r.code != 0 || !strings.Contains(r.stdout, "[logging]") || !strings.Contains(r.stdout, "level = 'DEBUG'") {
		t.Fatalf("config view: code %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name     string
		toml     string
		env      []string
		args     []string
		wantCode int
		wantErr  []string
	}{
		{"invalid TOML names file:line:column", "[cloud]\napi = \n", nil,
			[]string{"config", "view"}, 1, []string{"config.toml:2:7: "}},
		{"invalid key", "[cloud]\nkeys = 1\n", nil,
			[]string{"config", "view"}, 1, []string{`Invalid config key: "keys"`}},
		{"stray argument", "", nil, []string{"config", "view", "extra"}, 2, []string{"no arguments"}},
		{"unknown flag", "", nil, []string{"config", "view", "--yaml"}, 1, []string{"yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, home(t, tc.toml, tc.env...), tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, tc.wantCode, r.stderr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not contain %q", r.stderr, w)
				}
			}
			if strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("stderr holds a stack trace: %q", r.stderr)
			}
		})
	}
}

func TestSecretGet(t *testing.T) {
	env := home(t, `
[context.secrets]
FROM_FILE = '{"x": 42}'
NUMBER = "42"
`, `PREFECT__CONTEXT__SECRETS__mixedCase=plain text value`,
		`PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=ghp_abcdefghijklmnop`)
	tests := []struct{ name, want string }{
		{"FROM_FILE", `{"x":42}`},
		{"NUMBER", `42`},
		{"mixedCase", `"plain text value"`},
		{"GITHUB_ACCESS_TOKEN", `"ghp_abcdefghijklmnop"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, env, "secret", "get", tc.name)
			if r.code != 0 || strings.TrimSpace(r.stdout) != tc.want {
				t.Errorf("secret get %s: code %d, stdout %q, want %q (stderr %q)", tc.name, r.code, r.stdout, tc.want, r.stderr)
			}
		})
	}
	r := run(t, env, "secret", "get", "MISSING")
	if r.code != 1 || strings.TrimSpace(r.stderr) != `Local Secret "MISSING" was not found.` || r.stdout != "" {
		t.Errorf("missing secret: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "secret", "get")
	if r.code != 2 || !strings.Contains(r.stderr, "exactly one NAME") {
		t.Errorf("no name: code %d, stderr %q", r.code, r.stderr)
	}
}
