package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSettingsDefaults(t *testing.T) {
	home := t.TempDir()
	c, err := Load(LoadOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Backend:                   "cloud",
		HomeDir:                   home + "/.prefect",
		CloudAPI:                  "https://api.prefect.io",
		UseLocalSecrets:           true,
		RequestTimeout:            15 * time.Second,
		HeartbeatInterval:         30 * time.Second,
		CheckCancellationInterval: 15 * time.Second,
		SendFlowRunLogs:           true,
		Agent:                     AgentSettings{Name: "agent", Labels: []string{}, Level: "INFO"},
		LoggingLevel:              "INFO",
		ServerEndpoint:            "http://localhost:4200",
		ServerHost:                "http://localhost",
		ServerPort:                4200,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Settings mismatch (-want +got):\n%s", diff)
	}
}

func TestSettingsFromSources(t *testing.T) {
	user := `
[cloud]
api_key = "file-key"
tenant_id = "00000000-0000-0000-0000-000000000001"
heartbeat_interval = 2.5
[cloud.agent]
labels = "['a', 'b']"
agent_address = "http://127.0.0.1:8080"
`
	c := mustLoad(t, user, "backend = \"server\"\n",
		"PREFECT__CLOUD__AGENT__NAME=123", // typed to an int; str() gives it back
		"PREFECT__CLOUD__USE_LOCAL_SECRETS=false",
		"PREFECT__CLOUD__AGENT__AUTH_TOKEN=None",
	)
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"backend", s.Backend, "server"},
		{"api", s.CloudAPI, "http://localhost:4200"},
		{"api key", s.APIKey, "file-key"},
		{"tenant", s.TenantID, "00000000-0000-0000-0000-000000000001"},
		{"heartbeat", s.HeartbeatInterval, 2500 * time.Millisecond},
		{"labels", s.Agent.Labels, []string{"a", "b"}},
		{"address", s.Agent.AgentAddress, "http://127.0.0.1:8080"},
		{"name", s.Agent.Name, "123"},
		{"local secrets", s.UseLocalSecrets, false},
		{"None token", s.Agent.AuthToken, ""},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestSettingsTypeErrors(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		wantIn string
	}{
		{"labels that stay a string", []string{"PREFECT__CLOUD__AGENT__LABELS=abc"},
			"cloud.agent.labels: expected a list of strings"},
		{"label that is not a string", []string{"PREFECT__CLOUD__AGENT__LABELS=['a', 1]"},
			"cloud.agent.labels[1]: expected a string, got an integer"},
		{"port x", []string{"PREFECT__SERVER__PORT=x"}, "server.port: expected a port number, got a string"},
		{"port out of range", []string{"PREFECT__SERVER__PORT=70000"}, "server.port: expected a port number between 0 and 65535"},
		{"huge port", []string{"PREFECT__SERVER__PORT=99999999999999999999999"}, "server.port: expected a port number between"},
		{"bool", []string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=maybe"}, "cloud.use_local_secrets: expected true or false, got a string"},
		{"seconds", []string{"PREFECT__CLOUD__REQUEST_TIMEOUT=soon"}, "cloud.request_timeout: expected a number of seconds, got a string"},
		{"negative seconds", []string{"PREFECT__CLOUD__HEARTBEAT_INTERVAL=-1"}, "cloud.heartbeat_interval: expected a number of seconds between"},
		{"infinite seconds", []string{"PREFECT__CLOUD__HEARTBEAT_INTERVAL=1e999"}, "cloud.heartbeat_interval: expected a number of seconds between"},
		{"string that is a list", []string{"PREFECT__CLOUD__API_KEY=['s3cr3t']"}, "cloud.api_key: expected a string, got a list"},
		{"table that is a value", []string{"PREFECT__CLOUD__AGENT__NAME={'s3cr3t': 1}"}, "cloud.agent.name: expected a string, got a table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, "", "", tt.env...)
			_, err := c.Settings()
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantIn)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q shows the value", err)
			}
		})
	}
	c := mustLoad(t, "cloud = 5\n", "")
	if _, err := c.Settings(); err == nil || !strings.Contains(err.Error(), "cloud must be a table, got an integer") {
		t.Errorf("cloud = 5: error = %v", err)
	}
}

func TestSettingsPrintWithoutCredentials(t *testing.T) {
	s := Settings{Backend: "server", APIKey: "s3cr3t-key", Agent: AgentSettings{Name: "a", AuthToken: "s3cr3t-token"}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		for _, v := range []any{s, &s, s.Agent} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, "s3cr3t") || strings.Contains(out, "73336372337") {
				t.Errorf("Sprintf(%q) shows a credential: %s", format, out)
			}
		}
	}
	if out := fmt.Sprint(s); !strings.Contains(out, "server") || !strings.Contains(out, redacted) {
		t.Errorf("Sprint(settings) = %s, want the backend and a redaction mark", out)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	c := mustLoad(t, "", "", "PREFECT__CONTEXT__SECRETS__Token={'k': [1]}", "PREFECT__CONTEXT__SECRETS__N=42")
	tree := c.Tree()
	tree["backend"] = "changed"
	tree["cloud"].(map[string]any)["api"] = "changed"
	labels, _ := c.Get("cloud", "agent", "labels")
	_ = append(labels.([]any), "x")
	secrets := c.ContextSecrets()
	secrets["Token"].(map[string]any)["k"].([]any)[0] = "changed"
	secrets["new"] = 1

	if got := mustGet(t, c, "backend"); got != "cloud" {
		t.Errorf("Tree() shares the top level: backend = %v", got)
	}
	if got := mustGet(t, c, "cloud.api"); got != "https://api.prefect.io" {
		t.Errorf("Tree() shares nested tables: cloud.api = %v", got)
	}
	want := map[string]any{"Token": map[string]any{"k": []any{int64(1)}}, "N": int64(42)}
	if diff := cmp.Diff(want, c.ContextSecrets()); diff != "" {
		t.Errorf("ContextSecrets changed through a copy (-want +got):\n%s", diff)
	}
	if _, ok := c.Get("cloud", "api", "deeper"); ok {
		t.Error("Get through a value must fail")
	}
	if _, ok := c.Get("nope"); ok {
		t.Error("Get of a missing key must fail")
	}
	if got := mustLoad(t, "", "").ContextSecrets(); got == nil || len(got) != 0 {
		t.Errorf("ContextSecrets without secrets = %#v, want an empty map", got)
	}
}
