package config

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pelletier/go-toml/v2"
)

func secretConfig(t *testing.T) *Config {
	t.Helper()
	user := `
[context.secrets]
GITHUB_ACCESS_TOKEN = "ghp_s3cr3tA"
NESTED = { inner = "s3cr3tB", list = ["s3cr3tC"] }
NUMBER = "424242"
[cloud]
api_key = "s3cr3tD"
`
	return mustLoad(t, user, "",
		"PREFECT__CONTEXT__SECRETS__FromEnv={'k': 's3cr3tE'}",
		"PREFECT__CLOUD__AGENT__AUTH_TOKEN=s3cr3tF",
		"PREFECT__CUSTOM__NOTHING=None",
	)
}

func TestRenderRedactsSecrets(t *testing.T) {
	c := secretConfig(t)
	for name, render := range map[string]func() ([]byte, error){"toml": c.RenderTOML, "json": c.RenderJSON} {
		t.Run(name, func(t *testing.T) {
			out, err := render()
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"s3cr3t", "424242"} {
				if bytes.Contains(out, []byte(secret)) {
					t.Errorf("output shows %q:\n%s", secret, out)
				}
			}
			if n := bytes.Count(out, []byte(redacted)); n != 6 {
				t.Errorf("output has %d redaction marks, want 6 (4 secrets, api key, token):\n%s", n, out)
			}
		})
	}
}

func TestRenderTOML(t *testing.T) {
	c := secretConfig(t)
	out, err := c.RenderTOML()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.RenderTOML()
	if !bytes.Equal(out, again) {
		t.Error("rendering is not stable")
	}
	var doc map[string]any
	if err := toml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not valid TOML: %v\n%s", err, out)
	}
	wantSecrets := map[string]any{
		"GITHUB_ACCESS_TOKEN": redacted, "NESTED": redacted, "NUMBER": redacted, "FromEnv": redacted,
	}
	if diff := cmp.Diff(wantSecrets, doc["context"].(map[string]any)["secrets"]); diff != "" {
		t.Errorf("context.secrets mismatch (-want +got):\n%s", diff)
	}
	checks := map[string]any{
		"custom.nothing":             "None", // TOML has no null
		"tasks.defaults.retry_delay": "None",
		"server.port":                int64(4200),
		"cloud.api_key":              redacted,
		"cloud.tenant_id":            "", // empty credentials are shown as empty
		"cloud.agent.auth_token":     redacted,
		"cloud.agent.labels":         []any{},
	}
	for key, want := range checks {
		got, _, _ := lookup(doc, strings.Split(key, "."))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", key, diff)
		}
	}
	// Keys come out sorted: backend before cloud before context.
	if b, cl, cx := bytes.Index(out, []byte("backend =")), bytes.Index(out, []byte("[cloud]")), bytes.Index(out, []byte("[context")); !(b < cl && cl < cx) {
		t.Errorf("keys are not sorted:\n%s", out)
	}
}

func TestRenderJSON(t *testing.T) {
	c := mustLoad(t, "", "", "PREFECT__CUSTOM__NOTHING=None", "PREFECT__CUSTOM__BIG=123456789012345678901234567890",
		"PREFECT__CUSTOM__INF=1e999", "PREFECT__CUSTOM__HTML=<a&b>")
	out, err := c.RenderJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"nothing": null`, `"big": 123456789012345678901234567890`, `"inf": "inf"`, `"html": "<a&b>"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("JSON does not contain %s:\n%s", want, out)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not valid JSON: %v", err)
	}
	if doc["backend"] != "cloud" {
		t.Errorf("backend = %v", doc["backend"])
	}
}
