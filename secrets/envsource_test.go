package secrets

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestEnvVarSecret(t *testing.T) {
	lookup := EnvList([]string{"PORT=8080", "WORD=not-a-number-s3cr3t", "EMPTY="})
	atoi := func(s string) (any, error) { return strconv.Atoi(s) }
	leaky := func(s string) (any, error) { return nil, errors.New("cannot use " + s) }
	tests := []struct {
		name    string
		env     string
		cast    func(string) (any, error)
		raise   bool
		want    any
		wantErr string // exact text
		errHas  []string
	}{
		{name: "set", env: "PORT", want: "8080"},
		{name: "set and empty", env: "EMPTY", want: ""},
		{name: "cast", env: "PORT", cast: atoi, want: 8080},
		{name: "missing gives nil", env: "NOPE", want: nil},
		{name: "missing gives nil without casting", env: "NOPE", cast: leaky, want: nil},
		{name: "missing raises", env: "NOPE", raise: true, wantErr: "Environment variable not set: NOPE"},
		{name: "no name", env: "", wantErr: "A secret name must be provided."},
		{name: "strconv cast fails", env: "WORD", cast: atoi, errHas: []string{"WORD", "Atoi", "invalid syntax"}},
		{name: "other cast fails", env: "WORD", cast: leaky, errHas: []string{"WORD", "could not be cast"}},
	}
	for _, tc := range tests {
		v, err := EnvVarSecret(lookup, tc.env, tc.cast, tc.raise)
		if tc.wantErr == "" && tc.errHas == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if v.Reveal() != tc.want {
				t.Errorf("%s: value differs from the expected one", tc.name)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.wantErr != "" && err.Error() != tc.wantErr {
			t.Errorf("%s: error = %q, want %q", tc.name, err, tc.wantErr)
		}
		for _, part := range tc.errHas {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, part)
			}
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: the error contains the variable's value", tc.name)
		}
	}
	_, err := EnvVarSecret(lookup, "NOPE", nil, true)
	if !errors.Is(err, ErrNotFound) {
		t.Error("a missing variable is not ErrNotFound")
	}
	_, err = EnvVarSecret(lookup, "", nil, false)
	if !errors.Is(err, ErrNameRequired) {
		t.Error("an empty name is not ErrNameRequired")
	}
	t.Setenv("OUTPOST_TEST_ENV_VAR_SECRET", "process")
	if v, err := EnvVarSecret(nil, "OUTPOST_TEST_ENV_VAR_SECRET", nil, true); err != nil || v.Reveal() != "process" {
		t.Error("a nil lookup does not read the process environment")
	}
}
