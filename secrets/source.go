package secrets

import (
	"context"
	"errors"
	"fmt"
)

// Source is one place the agent looks for a secret.
type Source interface {
	// Lookup returns the value and true when the source has the secret, false when it
	// has not, and an error only when the source could not be read. Errors never
	// contain a value.
	Lookup(ctx context.Context, name string) (Value, bool, error)
	// String says where the source looks, for messages: "secret files in /run/secrets".
	String() string
}

// Sources are searched in order; the first that has the secret wins.
//
// Values are returned as each source holds them, without Prefect's JSON decoding: the
// agent passes them on as context secrets, and a flow run's Secret.get applies that
// decoding itself, so decoding here would apply it twice.
type Sources []Source

// Resolve returns the first value found. When no source has it the error is a
// *NotFoundError naming the secret and every place looked; when a source fails the
// error names the source and the secret.
func (ss Sources) Resolve(ctx context.Context, name string) (Value, error) {
	where := make([]string, 0, len(ss))
	for _, s := range ss {
		v, ok, err := s.Lookup(ctx, name)
		if err != nil {
			return Value{}, fmt.Errorf("looking up secret %q in %s: %w", name, s, err)
		}
		if ok {
			return v, nil
		}
		where = append(where, s.String())
	}
	return Value{}, &NotFoundError{Name: name, Where: where}
}

// ContextSource is the agent's own context secrets: [context.secrets] in config.toml and
// PREFECT__CONTEXT__SECRETS__* variables, as typed by the config package. A name present
// with a nil value is found.
type ContextSource struct {
	Secrets map[string]any
	// From says where the secrets were read, e.g.
	// "config.toml and PREFECT__CONTEXT__SECRETS__*"; optional.
	From string
}

// Lookup implements Source.
func (s ContextSource) Lookup(_ context.Context, name string) (Value, bool, error) {
	v, ok := s.Secrets[name]
	if !ok {
		return Value{}, false, nil
	}
	if sv, isValue := v.(Value); isValue {
		return sv, true, nil
	}
	return NewValue(v), true, nil
}

func (s ContextSource) String() string {
	if s.From == "" {
		return whereContext
	}
	return whereContext + " (" + s.From + ")"
}

// BackendSource is the backend's secret store.
type BackendSource struct {
	Backend Backend
	// Where overrides the description, e.g. to name the backend's address; optional.
	Where string
}

// Lookup implements Source. The backend's "no such secret" answer is "not found"; any
// other failure is an error.
func (s BackendSource) Lookup(ctx context.Context, name string) (Value, bool, error) {
	if s.Backend == nil {
		return Value{}, false, errors.New("no backend client is configured")
	}
	v, err := s.Backend.SecretValue(ctx, name)
	switch {
	case errors.Is(err, ErrBackendSecretNotFound):
		return Value{}, false, nil
	case err != nil:
		return Value{}, false, err
	}
	return v, true, nil
}

func (s BackendSource) String() string {
	if s.Where == "" {
		return whereBackend
	}
	return s.Where
}
