package flowrun

import (
	"strings"
	"testing"
)

// Secrets printed by the command reach neither the run's logs nor stdout, however they
// are printed.
func TestSecretsNeverReachOutput(t *testing.T) {
	b := startBackend(t)
	const (
		token    = "tok-plain-123456"
		quoted   = `pa"ss\word-42`   // a context secret with characters JSON escapes
		escaped  = `pa\"ss\\word-42` // how it reads inside JSON
		password = "hunter2-long"    // a plain variable whose name says it is secret
		nested   = "aws-secret-key-987"
	)
	tests := []struct {
		name   string
		sh     string
		argv   []string // instead of sh
		hidden []string
	}{
		{name: "plain", sh: `echo "token: $PREFECT__CONTEXT__SECRETS__API_TOKEN"`, hidden: []string{token}},
		{name: "stderr", sh: `echo "token: $PREFECT__CONTEXT__SECRETS__API_TOKEN" >&2`, hidden: []string{token}},
		{name: "split across writes", sh: `printf 'split: tok-plain'; printf -- '-123456 end\n'`, hidden: []string{token}},
		// Two lines that only together spell the secret are two harmless texts.
		{name: "split across lines", sh: `printf 'tok-plain-12\n'; printf '3456\n'`},
		{name: "JSON-escaped", sh: `printf '%s\n' '{"pass": "pa\"ss\\word-42"}'`, hidden: []string{quoted, escaped}},
		{name: "as is", sh: `printf '%s\n' "$PREFECT__CONTEXT__SECRETS__DB"`, hidden: []string{quoted}},
		{name: "secret-looking variable", sh: `echo "pw=$DB_PASSWORD"`, hidden: []string{password}},
		{name: "inside a dict secret", sh: `echo "key: aws-secret-key-987"`, hidden: []string{nested}},
		{name: "API key", sh: `echo "$PREFECT__CLOUD__API_KEY"`, hidden: []string{adminKey}},
		{name: "in the failure message", argv: []string{"/no/such/" + token}, hidden: []string{token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storage := script(tt.sh)
			if tt.argv != nil {
				storage = map[string]any{"type": "Script", "argv": tt.argv}
			}
			runID := b.newRun(t, storage)
			env := flowEnv(t, b, runID,
				"PREFECT__CONTEXT__SECRETS__API_TOKEN="+token,
				"PREFECT__CONTEXT__SECRETS__DB="+quoted,
				`PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS={"ACCESS_KEY": "ak-id-0001", "SECRET_ACCESS_KEY": "`+nested+`"}`,
				"DB_PASSWORD="+password,
			)
			r, _, out := newRunner(t, b, env)
			if err := wait(t, start(t.Context(), r, runID)); err != nil {
				t.Fatal(err)
			}
			var logs strings.Builder
			for _, l := range b.logs(t, runID) {
				logs.WriteString(l.Message + "\n")
			}
			_, msg := b.final(t, runID)
			for _, where := range []struct{ name, text string }{{"stdout", out.String()}, {"logs", logs.String()}, {"state", msg}} {
				for _, s := range tt.hidden {
					if strings.Contains(where.text, s) {
						t.Errorf("%s shows the secret %q:\n%s", where.name, s, where.text)
					}
				}
			}
			if len(tt.hidden) > 0 && !strings.Contains(out.String()+msg, "[REDACTED]") {
				t.Errorf("neither stdout nor the state has [REDACTED] where the secret was: %q, %q", out.String(), msg)
			}
			if len(tt.hidden) == 0 && !strings.Contains(out.String(), "tok-plain-12\n3456") {
				t.Errorf("stdout = %q, want the two harmless lines unchanged", out.String())
			}
		})
	}
}
