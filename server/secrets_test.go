package server

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// Secrets round-trip over HTTP, and their values are never stored in plain text.
func TestSecretsOverHTTP(t *testing.T) {
	const value = "ghp_PlainTextMustNeverBeStored_0123456789abcdef"
	forEachEngine(t, func(t *testing.T, e engine) {
		ts := startServer(t, serverConfig{dsn: e.dsn(t)})

		set := "mutation($input: set_secret_input!) { set_secret(input: $input) { success } }"
		var setOut struct {
			SetSecret struct{ Success bool } `json:"set_secret"`
		}
		ts.mustGQL(t, set, map[string]any{"input": map[string]any{"name": "GITHUB_ACCESS_TOKEN", "value": value}}, &setOut)
		ts.mustGQL(t, set, map[string]any{"input": map[string]any{"name": "AWS_CREDENTIALS",
			"value": map[string]string{"ACCESS_KEY": "AKIAEXAMPLE", "SECRET_ACCESS_KEY": value + "-aws"}}}, nil)
		if !setOut.SetSecret.Success {
			t.Fatal("set_secret did not report success")
		}

		var got struct {
			SecretValue json.RawMessage `json:"secret_value"`
		}
		ts.mustGQL(t, `query { secret_value(name: "GITHUB_ACCESS_TOKEN") }`, nil, &got)
		var s string
		if err := json.Unmarshal(got.SecretValue, &s); err != nil || s != value {
			t.Fatalf("secret_value = %s", got.SecretValue)
		}
		ts.mustGQL(t, `query { secret_value(name: "AWS_CREDENTIALS") }`, nil, &got)
		if !strings.Contains(string(got.SecretValue), `"ACCESS_KEY":"AKIAEXAMPLE"`) {
			t.Fatalf("JSON secret_value = %s, want the object back", got.SecretValue)
		}

		var names struct {
			SecretNames []string `json:"secret_names"`
		}
		ts.mustGQL(t, "query { secret_names }", nil, &names)
		slices.Sort(names.SecretNames)
		if !slices.Equal(names.SecretNames, []string{"AWS_CREDENTIALS", "GITHUB_ACCESS_TOKEN"}) {
			t.Fatalf("secret_names = %q", names.SecretNames)
		}

		// At rest: the store holds ciphertext only, and (SQLite) no file holds the value.
		rec, err := ts.store.GetSecret(t.Context(), ts.tenant.ID, "GITHUB_ACCESS_TOKEN")
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rec.Ciphertext, []byte(value)) || bytes.Contains(rec.Ciphertext, []byte("ghp_")) {
			t.Fatal("stored ciphertext contains the plain value")
		}
		if e.name == "sqlite" {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				data, err := os.ReadFile(ts.dsn + suffix)
				if os.IsNotExist(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(data, []byte(value)) || bytes.Contains(data, []byte("PlainTextMustNever")) {
					t.Fatalf("database file %s contains the secret's plain value", ts.dsn+suffix)
				}
			}
		}

		del := "mutation($input: delete_secret_input!) { delete_secret(input: $input) { success } }"
		ts.mustGQL(t, del, map[string]any{"input": map[string]any{"name": "GITHUB_ACCESS_TOKEN"}}, nil)
		ts.mustGQL(t, "query { secret_names }", nil, &names)
		if !slices.Equal(names.SecretNames, []string{"AWS_CREDENTIALS"}) {
			t.Fatalf("secret_names after delete = %q", names.SecretNames)
		}
		r := ts.gql(t, ts.key, `query { secret_value(name: "GITHUB_ACCESS_TOKEN") }`, nil)
		if len(r.Errors) == 0 && string(r.Data["secret_value"]) != "null" {
			t.Fatalf("deleted secret still readable: %s", r.Raw)
		}

		// Without a key nothing about secrets is revealed.
		r = ts.gql(t, "", `query { secret_value(name: "AWS_CREDENTIALS") }`, nil)
		if !strings.Contains(r.errorText(), "UNAUTHENTICATED") || strings.Contains(string(r.Raw), value) {
			t.Fatalf("secret_value without a key = %s", r.Raw)
		}
		for _, entry := range ts.logs.All() {
			if strings.Contains(entry.Message, value) || strings.Contains(strings.Join(fieldStrings(entry.ContextMap()), " "), value) {
				t.Fatalf("a log line contains the secret value: %s", entry.Message)
			}
		}
	})
}

func fieldStrings(m map[string]any) []string {
	var out []string
	for k, v := range m {
		b, _ := json.Marshal(v)
		out = append(out, k+"="+string(b))
	}
	return out
}
