package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/outposthq/outpost/secrets"
)

func TestClientContractSecretOperations(t *testing.T) {
	runContract(t, []contractCase{
		{
			name: "secret value: a JSON string stays a string",
			call: func(ctx context.Context, c *Client) (any, error) {
				v, err := c.SecretValue(ctx, "GITHUB_ACCESS_TOKEN")
				return v.Reveal(), err
			},
			query:    cloudQuerySecretValue,
			vars:     `{"name": "GITHUB_ACCESS_TOKEN"}`,
			response: `{"data":{"secret_value":"ghp_abc123"}}`,
			want:     "ghp_abc123",
		},
		{
			name: "secret value: objects and numbers",
			call: func(ctx context.Context, c *Client) (any, error) {
				v, err := c.SecretValue(ctx, "AWS_CREDENTIALS")
				return v.Reveal(), err
			},
			query:    cloudQuerySecretValue,
			vars:     `{"name": "AWS_CREDENTIALS"}`,
			response: `{"data":{"secret_value":{"ACCESS_KEY":"AKIA","n":42,"f":1.5,"l":[1,true,null]}}}`,
			want:     map[string]any{"ACCESS_KEY": "AKIA", "n": int64(42), "f": 1.5, "l": []any{int64(1), true, nil}},
		},
		{
			name: "secret value: null is a value, not a missing secret",
			call: func(ctx context.Context, c *Client) (any, error) {
				v, err := c.SecretValue(ctx, "EMPTY")
				return v.Reveal(), err
			},
			query:    cloudQuerySecretValue,
			vars:     `{"name": "EMPTY"}`,
			response: `{"data":{"secret_value":null}}`,
			want:     nil,
		},
		{
			name:     "secret names",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.SecretNames(ctx) },
			query:    cloudQuerySecretNames,
			vars:     "null",
			response: `{"data":{"secret_names":["A","B"]}}`,
			want:     []string{"A", "B"},
		},
		{
			name: "set secret sends the real value",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetSecret(ctx, "TOKEN", secrets.NewValue(map[string]any{"user": "u", "password": "p4ss"}))
			},
			query:    cloudMutationSetSecret,
			vars:     `{"input": {"name": "TOKEN", "value": {"user": "u", "password": "p4ss"}}}`,
			response: `{"data":{"set_secret":{"success":true}}}`,
		},
		{
			name:     "delete secret",
			call:     func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteSecret(ctx, "TOKEN") },
			query:    cloudMutationDeleteSecret,
			vars:     `{"input": {"name": "TOKEN"}}`,
			response: `{"data":{"delete_secret":{"success":true}}}`,
		},
	})
}

func TestSecretErrors(t *testing.T) {
	const notFound = `{"errors":[{"message":"No value found for the requested key","path":["secret_value"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}],"data":{"secret_value":null}}`
	tests := []struct {
		name   string
		status int
		body   string
		call   func(context.Context, *Client) error
		want   error
		text   string
	}{
		{"missing secret", 200, notFound,
			func(ctx context.Context, c *Client) error { _, err := c.SecretValue(ctx, "NOPE"); return err },
			secrets.ErrBackendSecretNotFound, `"NOPE"`},
		{"delete a missing secret", 200, strings.ReplaceAll(notFound, "secret_value", "delete_secret"),
			func(ctx context.Context, c *Client) error { return c.DeleteSecret(ctx, "NOPE") },
			secrets.ErrBackendSecretNotFound, `"NOPE"`},
		{"Prefect Server has no secret API", 400,
			`{"errors":[{"message":"Cannot query field \"secret_value\" on type \"Query\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`,
			func(ctx context.Context, c *Client) error { _, err := c.SecretValue(ctx, "X"); return err },
			ErrNoSecretAPI, "has no secret API"},
		{"unauthenticated is not a missing secret", 200,
			`{"errors":[{"message":"Unauthenticated","extensions":{"code":"UNAUTHENTICATED"}}],"data":{"secret_value":null}}`,
			func(ctx context.Context, c *Client) error { _, err := c.SecretValue(ctx, "X"); return err },
			ErrUnauthenticated, "API key"},
		{"set refused", 200, `{"data":{"set_secret":{"success":false}}}`,
			func(ctx context.Context, c *Client) error { return c.SetSecret(ctx, "X", secrets.NewValue("v")) },
			nil, "did not report success"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			err := tc.call(context.Background(), newTestClient(t, b.URL))
			if err == nil {
				t.Fatal("want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v is not %v", err, tc.want)
			}
			if tc.want != secrets.ErrBackendSecretNotFound && errors.Is(err, secrets.ErrBackendSecretNotFound) {
				t.Errorf("error %v must not read as a missing secret", err)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not say %q", err, tc.text)
			}
		})
	}
}

// A backend that echoes what it was sent (as validation errors do) must not put the
// secret's value into the error, and a secret read must not put its answer there either.
func TestSecretValuesStayOutOfErrors(t *testing.T) {
	const value = `s3cr"et-pass`
	tests := []struct {
		name   string
		status int
		body   string
		call   func(context.Context, *Client) error
	}{
		{"set: validation error quoting the variables", 400,
			`{"errors":[{"message":"Variable \"$input\" got invalid value { name: \"X\", value: \"s3cr\\\"et-pass\" }.","extensions":{"code":"BAD_USER_INPUT"}}]}`,
			func(ctx context.Context, c *Client) error { return c.SetSecret(ctx, "X", secrets.NewValue(value)) }},
		{"set: raw echo in a 500", 500, `upstream failed on value s3cr"et-pass`,
			func(ctx context.Context, c *Client) error { return c.SetSecret(ctx, "X", secrets.NewValue(value)) }},
		{"set: object value echoed", 200,
			`{"errors":[{"message":"bad value {\"password\":\"s3cr\\\"et-pass\"}"}],"data":null}`,
			func(ctx context.Context, c *Client) error {
				return c.SetSecret(ctx, "X", secrets.NewValue(map[string]any{"password": value}))
			}},
		{"read: error body holding the value", 502, `proxy error, cached body: s3cr"et-pass`,
			func(ctx context.Context, c *Client) error { _, err := c.SecretValue(ctx, "X"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			err := tc.call(context.Background(), newTestClient(t, b.URL, func(o *Options) { o.RetryMax = -1 }))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, form := range []string{value, `s3cr\"et-pass`, "et-pass"} {
				if strings.Contains(err.Error(), form) {
					t.Errorf("error holds the secret (%q): %v", form, err)
				}
			}
		})
	}
}

func TestSecretStrings(t *testing.T) {
	got := secretStrings(map[string]any{"a": "x\"y", "n": int64(1)})
	want := []string{`{"a":"x\"y","n":1}`, `x\"y`, `x"y`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
