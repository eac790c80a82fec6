package graph

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestSecretRoundTrip(t *testing.T) {
	tests := []struct{ name, value string }{
		{"GITHUB_ACCESS_TOKEN", `"ghp_s3cr3tValue"`},
		{"AWS_CREDENTIALS", `{"ACCESS_KEY": "AKIAs3cr3t", "SECRET_ACCESS_KEY": "s3cr3t/key"}`},
		{"RETRIES", `3`},
	}
	e := newEnv(t)
	for _, tt := range tests {
		var set struct {
			Set struct{ Success bool } `json:"set_secret"`
		}
		e.ok(docSetSecret, `{"input": {"name": "`+tt.name+`", "value": `+tt.value+`}}`, &set)
		if !set.Set.Success {
			t.Fatalf("set_secret %s: success false", tt.name)
		}
		var got struct {
			Value json.RawMessage `json:"secret_value"`
		}
		e.ok(docSecretValue, `{"name": "`+tt.name+`"}`, &got)
		if !jsonEqual(t, string(got.Value), tt.value) {
			t.Errorf("secret_value %s = %s, want %s (as a JSON value, not a string)", tt.name, got.Value, tt.value)
		}
		rec, err := e.store.GetSecret(e.ctx, e.tenant.ID, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rec.Ciphertext, []byte("s3cr3t")) || bytes.Contains(rec.Ciphertext, []byte(strings.Trim(tt.value, `"`))) {
			t.Errorf("secret %s is stored in the clear", tt.name)
		}
	}

	e.ok(docSetSecret, `{"input": {"name": "RETRIES", "value": 5}}`, nil)
	var got struct {
		Value json.RawMessage `json:"secret_value"`
	}
	e.ok(docSecretValue, `{"name": "RETRIES"}`, &got)
	if string(got.Value) != "5" {
		t.Errorf("after overwrite: %s", got.Value)
	}

	var names struct {
		Names []string `json:"secret_names"`
	}
	e.ok(docSecretNames, "", &names)
	if !slices.Equal(names.Names, []string{"AWS_CREDENTIALS", "GITHUB_ACCESS_TOKEN", "RETRIES"}) {
		t.Errorf("secret_names = %v", names.Names)
	}

	e.ok(docDeleteSecret, `{"input": {"name": "RETRIES"}}`, nil)
	e.fails(docSecretValue, `{"name": "RETRIES"}`, "No value found for the requested key")
	e.fails(docDeleteSecret, `{"input": {"name": "RETRIES"}}`, `No value found for the requested key ("RETRIES"): nothing to delete`)
}

func TestSecretErrorsNeverCarryTheValue(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"", "HAS SPACE", "A=B", strings.Repeat("N", maxSecretName+1)} {
		res := e.do(docSetSecret, `{"input": {"name": "`+name+`", "value": "hunter2-s3cr3t"}}`)
		if len(res.Errors) != 1 {
			t.Fatalf("name %q: want one error, got %v %+v", name, res.HTTPErr, res.Errors)
		}
		if strings.Contains(res.Errors[0].Message, "hunter2") {
			t.Errorf("error for name %q shows the value: %s", name, res.Errors[0].Message)
		}
	}
	if names, _ := e.store.SecretNames(e.ctx, e.tenant.ID); len(names) != 0 {
		t.Errorf("invalid names were stored: %v", names)
	}
}

func TestSecretsNeedACipher(t *testing.T) {
	e := newEnv(t)
	r := &Resolver{Store: e.store}
	got, err := mutationResolver{r}.SetSecret(asTenant(e), modelSetSecret("X", `"v"`))
	if err == nil || got != nil || !strings.Contains(err.Error(), "no secret key configured") {
		t.Errorf("set_secret without a cipher: %v, %v", got, err)
	}
}
