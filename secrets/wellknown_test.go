package secrets

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

// shapeCase is one value checked against a well-known secret's shape. problem is the part
// of the message between "is malformed: " and "; expected"; "" means the value is valid.
type shapeCase struct {
	secret  string
	value   any
	problem string
}

func TestValidateWellKnown(t *testing.T) {
	aws := map[string]any{"ACCESS_KEY": "AKIAS3CR3T", "SECRET_ACCESS_KEY": "aws-s3cr3t-key"}
	gcp := map[string]any{"type": "service_account", "project_id": "proj-s3cr3t", "private_key": "-----BEGIN s3cr3t",
		"client_email": "sa@proj-s3cr3t.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}
	with := func(m map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for key, val := range m {
			out[key] = val
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	tests := []shapeCase{
		{"AWS_CREDENTIALS", aws, ""},
		{"AWS_CREDENTIALS", with(aws, "SESSION_TOKEN", "sess-s3cr3t"), ""},
		{"AWS_CREDENTIALS", map[string]any{"ACCESS_KEY": "AKIAS3CR3T", "SECRET_ACCESS_KEY": "k-s3cr3t", "SESSION_TOKEN": nil}, ""},
		{"AWS_CREDENTIALS", `{"ACCESS_KEY": "AKIAS3CR3T", "SECRET_ACCESS_KEY": "k-s3cr3t"}`, ""},
		{"AWS_CREDENTIALS", with(aws, "SECRET_ACCESS_KEY", nil), "key SECRET_ACCESS_KEY is missing"},
		{"AWS_CREDENTIALS", with(aws, "ACCESS_KEY", ""), "key ACCESS_KEY is empty"},
		{"AWS_CREDENTIALS", with(aws, "ACCESS_KEY", int64(12345)), "key ACCESS_KEY holds a number, not a string"},
		{"AWS_CREDENTIALS", with(aws, "SESSION_TOKEN", []any{"s3cr3t"}), "key SESSION_TOKEN holds a list, not a string"},
		{"AWS_CREDENTIALS", "AKIAS3CR3T:aws-s3cr3t", "got a string that is not a JSON object"},
		{"AWS_CREDENTIALS", `["s3cr3t"]`, "got a string that is not a JSON object"},
		{"AWS_CREDENTIALS", nil, "got nothing (None)"},
		{"AWS_CREDENTIALS", []any{"s3cr3t"}, "got a list"},
		{"GCP_CREDENTIALS", gcp, ""},
		{"GCP_CREDENTIALS", `{"type": "service_account", "project_id": "p-s3cr3t", "private_key": "k-s3cr3t", "client_email": "e-s3cr3t"}`, ""},
		{"GCP_CREDENTIALS", with(gcp, "private_key", nil), "key private_key is missing"},
		{"GCP_CREDENTIALS", with(gcp, "client_email", true), "key client_email holds a boolean, not a string"},
		{"GCP_CREDENTIALS", `{"type": "service_account", "private_key": "k-s3cr3t"`, "got a string that is not a JSON object"},
		{"GCP_CREDENTIALS", int64(42), "got a number"},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_TOKEN": "hvs.s3cr3t"}, ""},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_ROLE_ID": "role-s3cr3t", "VAULT_SECRET_ID": "id-s3cr3t"}, ""},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_KUBE_AUTH_ROLE": "r-s3cr3t", "VAULT_KUBE_AUTH_PATH": "kubernetes"}, ""},
		{"VAULT_CREDENTIALS", `{"VAULT_TOKEN": "hvs.s3cr3t"}`, ""},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_TOKEN": "", "VAULT_ROLE_ID": "r-s3cr3t", "VAULT_SECRET_ID": "i-s3cr3t"}, "key VAULT_TOKEN is empty"},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_ROLE_ID": "role-s3cr3t"}, "key VAULT_SECRET_ID is missing (VAULT_ROLE_ID needs it)"},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_KUBE_AUTH_PATH": "p-s3cr3t"}, "key VAULT_KUBE_AUTH_ROLE is missing (VAULT_KUBE_AUTH_PATH needs it)"},
		{"VAULT_CREDENTIALS", map[string]any{"VAULT_ROLE_ID": "r-s3cr3t", "VAULT_SECRET_ID": int64(7)}, "key VAULT_SECRET_ID holds a number, not a string"},
		{"VAULT_CREDENTIALS", map[string]any{"OTHER": "s3cr3t"}, "none of its keys is present"},
		{"VAULT_CREDENTIALS", "hvs.s3cr3t", "got a string that is not a JSON object"},
	}
	for _, name := range []string{"GITHUB_ACCESS_TOKEN", "GITLAB_ACCESS_TOKEN", "BITBUCKET_ACCESS_TOKEN",
		"BITBUCKET_CLOUD_USERNAME", "BITBUCKET_CLOUD_APP_PASSWORD", "AZURE_STORAGE_CONNECTION_STRING", "KUBERNETES_API_KEY"} {
		tests = append(tests,
			shapeCase{name, "tok-s3cr3t", ""},
			shapeCase{name, `{"not": "decoded-s3cr3t"}`, ""},
			shapeCase{name, "", "it is empty"},
			shapeCase{name, big.NewInt(1234567), "got a number"},
			shapeCase{name, map[string]any{"token": "tok-s3cr3t"}, "got a mapping"},
			shapeCase{name, nil, "got nothing (None)"},
		)
	}
	for _, tc := range tests {
		v := NewValue(tc.value)
		err := Validate(tc.secret, v)
		if tc.problem == "" {
			if err != nil {
				t.Errorf("%s, want valid: %v", tc.secret, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s, want %q: valid", tc.secret, tc.problem)
			continue
		}
		var me *MalformedError
		if !errors.As(err, &me) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error is not a *MalformedError", tc.secret)
			continue
		}
		prefix := `secret "` + tc.secret + `" is malformed: ` + tc.problem + "; expected "
		if !strings.HasPrefix(err.Error(), prefix) || me.Expected == "" {
			t.Errorf("%s: error %q does not start with %q", tc.secret, err, prefix)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s, want %q: the error contains part of the value", tc.secret, tc.problem)
		}
		for _, s := range Strings(v) {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s, want %q: the error contains part of the value", tc.secret, tc.problem)
			}
		}
	}
}

func TestValidateExpectedShapes(t *testing.T) {
	tests := map[string]string{
		"AWS_CREDENTIALS":     "ACCESS_KEY and SECRET_ACCESS_KEY, and optionally SESSION_TOKEN",
		"GCP_CREDENTIALS":     "type, project_id, private_key and client_email",
		"VAULT_CREDENTIALS":   "VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID, or VAULT_KUBE_AUTH_ROLE and VAULT_KUBE_AUTH_PATH",
		"GITHUB_ACCESS_TOKEN": "expected a non-empty string",
	}
	for name, shape := range tests {
		err := Validate(name, NewValue(false))
		if err == nil || !strings.Contains(err.Error(), shape) {
			t.Errorf("%s: error %v does not describe the shape (%s)", name, err, shape)
		}
	}
}

func TestValidateUnknownNames(t *testing.T) {
	for _, v := range []any{nil, "", int64(1), map[string]any{}, []any{}} {
		if err := Validate("MY_OWN_SECRET", NewValue(v)); err != nil {
			t.Errorf("unknown name rejected: %v", err)
		}
	}
	// Names are case-sensitive, as context secret keys are.
	if err := Validate("github_access_token", NewValue("")); err != nil {
		t.Errorf("lower-case name treated as well known: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	text := `{"ACCESS_KEY": "a", "SECRET_ACCESS_KEY": "b"}`
	v, err := Normalize("AWS_CREDENTIALS", NewValue(text))
	if err != nil {
		t.Fatal(err)
	}
	if !sameValue(v.Reveal(), map[string]any{"ACCESS_KEY": "a", "SECRET_ACCESS_KEY": "b"}) {
		t.Error("a JSON string was not returned decoded")
	}
	for _, tc := range []struct{ name, value string }{{"GITHUB_ACCESS_TOKEN", `{"a": 1}`}, {"OTHER", text}} {
		v, err = Normalize(tc.name, NewValue(tc.value))
		if err != nil || v.Reveal() != tc.value {
			t.Errorf("%s: the string was altered", tc.name)
		}
	}
	if _, err := Normalize("AWS_CREDENTIALS", NewValue("x")); !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed value: err = %v", err)
	}
}

func TestWellKnown(t *testing.T) {
	for name, want := range map[string]bool{"AWS_CREDENTIALS": true, "KUBERNETES_API_KEY": true, "aws_credentials": false, "FOO": false} {
		if WellKnown(name) != want {
			t.Errorf("WellKnown(%q) = %v", name, !want)
		}
	}
}

func TestStorageTokenSecret(t *testing.T) {
	tests := map[string]string{
		"GitHub":    "GITHUB_ACCESS_TOKEN",
		"github":    "GITHUB_ACCESS_TOKEN",
		"GitLab":    "GITLAB_ACCESS_TOKEN",
		"Bitbucket": "BITBUCKET_ACCESS_TOKEN",
		"S3":        "",
		"Local":     "",
		"Docker":    "",
		"Git":       "",
		"":          "",
	}
	for storage, want := range tests {
		if got := StorageTokenSecret(storage); got != want {
			t.Errorf("StorageTokenSecret(%q) = %q, want %q", storage, got, want)
		}
	}
}
