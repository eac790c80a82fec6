package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/outposthq/outpost/secrets"
)

// The client is the secrets chain's backend provider.
var _ secrets.Backend = (*Client)(nil)

// SecretValue reads a secret from the backend's secret store (Prefect Cloud's API, or
// the embedded backend's). The value is returned as stored; the secrets chain applies
// Prefect's JSON decoding. A missing secret is an error wrapping
// secrets.ErrBackendSecretNotFound. Neither logs nor errors ever hold the value.
func (c *Client) SecretValue(ctx context.Context, name string) (secrets.Value, error) {
	if name == "" {
		return secrets.Value{}, errors.New("secret_value: a secret name is required")
	}
	var data struct {
		SecretValue json.RawMessage `json:"secret_value"`
	}
	r := request{op: "secret_value", query: cloudQuerySecretValue, vars: map[string]string{"name": name}, quiet: true}
	if err := c.do(ctx, r, &data); err != nil {
		return secrets.Value{}, c.secretError(name, err)
	}
	v, err := decodeJSONValue(data.SecretValue)
	if err != nil {
		return secrets.Value{}, fmt.Errorf("secret_value: the backend at %s sent secret %q in a form that is not JSON", c.logURL, name)
	}
	return secrets.NewValue(v), nil
}

// SecretNames lists the names of the backend's secrets.
func (c *Client) SecretNames(ctx context.Context) ([]string, error) {
	var data struct {
		SecretNames []string `json:"secret_names"`
	}
	if err := c.do(ctx, request{op: "secret_names", query: cloudQuerySecretNames, quiet: true}, &data); err != nil {
		return nil, c.secretError("", err)
	}
	if data.SecretNames == nil {
		return []string{}, nil
	}
	return data.SecretNames, nil
}

// SetSecret stores a secret, replacing any value it had.
func (c *Client) SetSecret(ctx context.Context, name string, value secrets.Value) error {
	if name == "" {
		return errors.New("set_secret: a secret name is required")
	}
	plain := value.Reveal()
	r := request{
		op:      "set_secret",
		query:   cloudMutationSetSecret,
		vars:    inputVars(map[string]any{"name": name, "value": plain}),
		secrets: secretStrings(plain),
		quiet:   true,
	}
	if err := c.doSuccess(ctx, r, "set_secret"); err != nil {
		return c.secretError(name, err)
	}
	return nil
}

// DeleteSecret removes a secret; a missing one is an error wrapping
// secrets.ErrBackendSecretNotFound.
func (c *Client) DeleteSecret(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("delete_secret: a secret name is required")
	}
	r := request{op: "delete_secret", query: cloudMutationDeleteSecret, vars: inputVars(map[string]string{"name": name}), quiet: true}
	if err := c.doSuccess(ctx, r, "delete_secret"); err != nil {
		return c.secretError(name, err)
	}
	return nil
}

// secretError explains the two answers a secret operation commonly gets.
func (c *Client) secretError(name string, err error) error {
	var gerr *GraphQLError
	if !errors.As(err, &gerr) {
		return err
	}
	if gerr.contains(textSecretNotFound) {
		return fmt.Errorf("secret %q is not stored in the backend at %s: %w", name, c.logURL, secrets.ErrBackendSecretNotFound)
	}
	if gerr.StatusCode == http.StatusBadRequest && (gerr.contains("Cannot query field") || gerr.contains("Unknown type")) {
		return fmt.Errorf("the backend at %s has no secret API (Prefect Server 1.x has none): "+
			"give secrets to runs through the agent's environment instead: %w: %w", c.logURL, ErrNoSecretAPI, err)
	}
	return err
}

// decodeJSONValue decodes any JSON value, with numbers as int64 when they are whole
// and float64 otherwise, as secrets.Value expects.
func decodeJSONValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return plainNumbers(v), nil
}

func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = plainNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plainNumbers(x[k])
		}
	}
	return v
}

// secretStrings lists the forms in which a secret's value could be echoed back in an
// answer (its strings, raw and JSON-escaped, and its JSON encoding), so errors can
// leave them out.
func secretStrings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
			if b, err := json.Marshal(x); err == nil {
				out = append(out, strings.Trim(string(b), `"`))
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	if _, isString := v.(string); !isString {
		if b, err := json.Marshal(v); err == nil {
			out = append(out, string(b))
		}
	}
	// Longest first, so a value that contains another is removed whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
