package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEnvOptionPath(t *testing.T) {
	tests := []struct {
		option string
		want   []string
	}{
		{"BACKEND", []string{"backend"}},
		{"CLOUD__AGENT__LABELS", []string{"cloud", "agent", "labels"}},
		{"Cloud__Api", []string{"cloud", "api"}},
		{"CONTEXT__FLOW_RUN_ID", []string{"context", "flow_run_id"}},
		{"CONTEXT__SECRETS__mY_KeY", []string{"context", "secrets", "mY_KeY"}},
		{"CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN", []string{"context", "secrets", "GITHUB_ACCESS_TOKEN"}},
		{"CONTEXT__SECRETS__A__b", []string{"context", "secrets", "A", "b"}},
		// Mixed-case prefix: passes the upper-cased check, but only the literal
		// CONTEXT__SECRETS is replaced, so nothing is lower-cased.
		{"Context__Secrets__X", []string{"Context", "Secrets", "X"}},
		{"context__secrets__Y", []string{"context", "secrets", "Y"}},
		{"CONTEXT__SECRETSX__Ab", []string{"context", "secretsX", "Ab"}},
		{"CONTEXT__SECRET__Ab", []string{"context", "secret", "ab"}},
		{"A____B", []string{"a", "", "b"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, envOptionPath(tt.option)); diff != "" {
			t.Errorf("envOptionPath(%q) mismatch (-want +got):\n%s", tt.option, diff)
		}
	}
}

func TestLoadEnvMapping(t *testing.T) {
	c := mustLoad(t, "[SeCtIoN]\nKeY = 1\n", "",
		"PREFECT__SECTION__KEY=2",
		"PREFECT__BACKEND=server",
		"PREFECT__Cloud__Agent__Name=Mixed",
		"PREFECT__CONTEXT__FLOW_RUN_ID=abc-123",
		"PREFECT__CONTEXT__SECRETS__mY_KeY=v1",
		"PREFECT__Context__Secrets__X=v2",
		"PREFECT__NEW__NESTED__KEY=3",
		"prefect__cloud__api=ignored", // the prefix is case-sensitive
		"PREFECT_CLOUD__API=ignored",  // one underscore is not the prefix
		"Prefect__CLOUD__API=ignored", // neither is another spelling
		"PREFECT__BACKEND=first-wins", // getenv semantics for duplicates
		"PREFECT__CLOUD__USE_LOCAL_SECRETS=false",
	)
	want := map[string]any{
		"SeCtIoN.KeY":             int64(1), // TOML keys keep their case...
		"section.key":             int64(2), // ...so the env var makes a second key
		"backend":                 "server",
		"cloud.agent.name":        "Mixed",
		"cloud.api":               "http://localhost:4200",
		"context.flow_run_id":     "abc-123",
		"context.secrets.mY_KeY":  "v1",
		"Context.Secrets.X":       "v2",
		"new.nested.key":          int64(3),
		"cloud.use_local_secrets": false,
	}
	for key, w := range want {
		if diff := cmp.Diff(w, mustGet(t, c, key)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", key, diff)
		}
	}
	if diff := cmp.Diff(map[string]any{"mY_KeY": "v1"}, c.ContextSecrets()); diff != "" {
		t.Errorf("ContextSecrets mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadEnvConflicts(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		wantIn []string
	}{
		{"leaf over a table", []string{"PREFECT__CLOUD=x"},
			[]string{"PREFECT__CLOUD", `"cloud"`, "is a table"}},
		{"key below a value", []string{"PREFECT__SERVER__PORT__X=1"},
			[]string{"PREFECT__SERVER__PORT__X", `"server.port"`, "not a table"}},
		{"two variables", []string{"PREFECT__A=1", "PREFECT__A__B=2"},
			[]string{"PREFECT__A__B", "environment variable PREFECT__A"}},
		{"secrets must be a table", []string{"PREFECT__CONTEXT__SECRETS=s3cr3t"},
			[]string{"context.secrets must be a table"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadHome(t, "", "", tt.env...)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q shows a value", err)
			}
		})
	}
}

func TestNewEnviron(t *testing.T) {
	e := newEnviron([]string{"A=1", "B=x=y", "NOEQUALS", "=C", "A=2", "EMPTY="})
	if diff := cmp.Diff([]string{"A", "B", "EMPTY"}, e.names); diff != "" {
		t.Errorf("names mismatch:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"A": "1", "B": "x=y", "EMPTY": ""}, e.values); diff != "" {
		t.Errorf("values mismatch:\n%s", diff)
	}
}
