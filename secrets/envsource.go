package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrNameRequired is EnvVarSecret's answer to an empty name, in Prefect's words.
var ErrNameRequired = errors.New("A secret name must be provided.")

// EnvSource looks a secret up as a plain environment variable named Prefix+name, the
// fallback Prefect's storage classes use for GITHUB_ACCESS_TOKEN and friends. The value
// is the variable's text, untyped (Prefect's EnvVarSecret does no parsing either).
type EnvSource struct {
	// LookupEnv reads a variable; nil means os.LookupEnv.
	LookupEnv func(key string) (string, bool)
	// Prefix is put before the secret's name; optional.
	Prefix string
}

// EnvList returns a lookup function over a KEY=value list such as os.Environ() or an
// exec.Cmd's Env. A key listed twice keeps its last value, as the process would see it.
func EnvList(env []string) func(string) (string, bool) {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// Lookup implements Source.
func (s EnvSource) Lookup(_ context.Context, name string) (Value, bool, error) {
	v, ok := s.lookupFunc()(s.Prefix + name)
	if !ok {
		return Value{}, false, nil
	}
	return NewValue(v), true, nil
}

func (s EnvSource) String() string {
	if s.Prefix == "" {
		return "environment variables"
	}
	return "environment variables " + s.Prefix + "*"
}

func (s EnvSource) lookupFunc() func(string) (string, bool) {
	if s.LookupEnv == nil {
		return os.LookupEnv
	}
	return s.LookupEnv
}

// EnvVarSecret is Prefect's EnvVarSecret task: the variable's text, passed through cast
// when it is set and cast is not nil. A missing variable gives a nil value, or a
// *NotFoundError "Environment variable not set: NAME" when raiseIfMissing is set.
func EnvVarSecret(lookup func(string) (string, bool), name string, cast func(string) (any, error), raiseIfMissing bool) (Value, error) {
	if name == "" {
		return Value{}, ErrNameRequired
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	text, ok := lookup(name)
	if !ok {
		if raiseIfMissing {
			return Value{}, &NotFoundError{
				Name:  name,
				Where: []string{"environment variables"},
				msg:   "Environment variable not set: " + name,
			}
		}
		return NewValue(nil), nil
	}
	if cast == nil {
		return NewValue(text), nil
	}
	v, err := cast(text)
	if err != nil {
		return Value{}, castError(name, err)
	}
	return NewValue(v), nil
}

// castError describes a failed cast without the cast's own message, which commonly
// quotes its input (strconv does): only strconv's reason, which never does, is kept.
func castError(name string, err error) error {
	var numErr *strconv.NumError
	if errors.As(err, &numErr) {
		return fmt.Errorf("environment variable %s could not be cast by %s: %w", name, numErr.Func, numErr.Err)
	}
	return fmt.Errorf("environment variable %s could not be cast: the cast rejected its value "+
		"(its message is withheld because it may quote the value)", name)
}
