package secrets

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrMalformed matches (with errors.Is) every *MalformedError.
var ErrMalformed = errors.New("secret is malformed")

// MalformedError says a well-known secret does not have the shape its consumers need.
// It names the secret, the problem and the expected shape, never the value.
type MalformedError struct {
	Name     string
	Problem  string
	Expected string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("secret %q is malformed: %s; expected %s", e.Name, e.Problem, e.Expected)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// shape is what one well-known secret must look like for the code that reads it
// (spec §10). check returns "" when the value fits, else the problem, naming keys and
// types but never values.
type shape struct {
	expected string
	check    func(v any) string
	// object: a string holding a JSON object is decoded first. Files and plain
	// environment variables can only carry text, and a GCP key file is JSON.
	object bool
}

const (
	nonEmptyString = "a non-empty string"
	vaultExpected  = "a mapping with VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID, " +
		"or VAULT_KUBE_AUTH_ROLE and VAULT_KUBE_AUTH_PATH (all non-empty strings)"
)

var (
	awsKeys   = []string{"ACCESS_KEY", "SECRET_ACCESS_KEY"}
	gcpKeys   = []string{"type", "project_id", "private_key", "client_email"}
	vaultSets = [][]string{
		{"VAULT_TOKEN"},
		{"VAULT_ROLE_ID", "VAULT_SECRET_ID"},
		{"VAULT_KUBE_AUTH_ROLE", "VAULT_KUBE_AUTH_PATH"},
	}
)

// wellKnown is keyed by secret name; names are case-sensitive, as context secrets are.
var wellKnown = map[string]shape{
	"AWS_CREDENTIALS": {
		expected: "a mapping with non-empty string keys ACCESS_KEY and SECRET_ACCESS_KEY, " +
			"and optionally SESSION_TOKEN",
		check:  mapping(awsKeys, "SESSION_TOKEN"),
		object: true,
	},
	"GCP_CREDENTIALS": {
		expected: "a mapping of service-account info (the JSON key file) with non-empty " +
			"string keys type, project_id, private_key and client_email",
		check:  mapping(gcpKeys),
		object: true,
	},
	"VAULT_CREDENTIALS": {expected: vaultExpected, check: vault, object: true},

	"GITHUB_ACCESS_TOKEN":             {expected: nonEmptyString, check: str},
	"GITLAB_ACCESS_TOKEN":             {expected: nonEmptyString, check: str},
	"BITBUCKET_ACCESS_TOKEN":          {expected: nonEmptyString, check: str},
	"BITBUCKET_CLOUD_USERNAME":        {expected: nonEmptyString, check: str},
	"BITBUCKET_CLOUD_APP_PASSWORD":    {expected: nonEmptyString, check: str},
	"AZURE_STORAGE_CONNECTION_STRING": {expected: nonEmptyString, check: str},
	"KUBERNETES_API_KEY":              {expected: nonEmptyString, check: str},
}

// WellKnown reports whether name is one of Prefect's default secret names.
func WellKnown(name string) bool {
	_, ok := wellKnown[name]
	return ok
}

// Validate checks a well-known secret's shape; other names always pass. Use Normalize
// when the value is to be passed on, so a JSON string is passed on decoded.
func Validate(name string, v Value) error {
	_, err := Normalize(name, v)
	return err
}

// Normalize validates a well-known secret and returns it in the form its consumers
// read: a mapping-shaped secret given as a JSON string (a file, a plain environment
// variable) is returned decoded, because Prefect's AWS, GCP and Vault helpers read it
// straight from the context, where a string would not work. Other values are returned
// unchanged; unknown names always pass.
func Normalize(name string, v Value) (Value, error) {
	sh, ok := wellKnown[name]
	if !ok {
		return v, nil
	}
	raw := v.Reveal()
	if text, isString := raw.(string); isString && sh.object {
		decoded, isMap := decodePrefectJSON(text).(map[string]any)
		if !isMap {
			return Value{}, &MalformedError{Name: name, Problem: "got a string that is not a JSON object", Expected: sh.expected}
		}
		raw, v = decoded, NewValue(decoded)
	}
	if problem := sh.check(raw); problem != "" {
		return Value{}, &MalformedError{Name: name, Problem: problem, Expected: sh.expected}
	}
	return v, nil
}

// StorageTokenSecret is the default access-token secret of a flow storage type
// (GitHub, GitLab, Bitbucket), or "" for storage that takes none.
func StorageTokenSecret(storageType string) string {
	switch strings.ToLower(storageType) {
	case "github":
		return "GITHUB_ACCESS_TOKEN"
	case "gitlab":
		return "GITLAB_ACCESS_TOKEN"
	case "bitbucket":
		return "BITBUCKET_ACCESS_TOKEN"
	}
	return ""
}

func str(v any) string {
	s, ok := v.(string)
	switch {
	case !ok:
		return "got " + kindOf(v)
	case s == "":
		return "it is empty"
	}
	return ""
}

// mapping checks for a map with the required keys holding non-empty strings, and the
// optional keys, when present, holding strings or nothing.
func mapping(required []string, optional ...string) func(any) string {
	return func(v any) string {
		m, ok := v.(map[string]any)
		if !ok {
			return "got " + kindOf(v)
		}
		for _, k := range required {
			if p := requiredKey(m, k); p != "" {
				return p
			}
		}
		for _, k := range optional {
			if x, present := m[k]; present && x != nil {
				if _, isString := x.(string); !isString {
					return fmt.Sprintf("key %s holds %s, not a string", k, kindOf(x))
				}
			}
		}
		return ""
	}
}

func requiredKey(m map[string]any, k string) string {
	x, ok := m[k]
	if !ok {
		return fmt.Sprintf("key %s is missing", k)
	}
	s, isString := x.(string)
	switch {
	case !isString:
		return fmt.Sprintf("key %s holds %s, not a string", k, kindOf(x))
	case s == "":
		return fmt.Sprintf("key %s is empty", k)
	}
	return ""
}

// vault follows VaultSecret's precedence: the first complete key set is the one used.
func vault(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return "got " + kindOf(v)
	}
	for _, set := range vaultSets {
		if hasAll(m, set) {
			return mapping(set)(m)
		}
	}
	for _, set := range vaultSets {
		for _, k := range set {
			if _, ok := m[k]; ok {
				return fmt.Sprintf("key %s is missing (%s needs it)", missing(m, set), k)
			}
		}
	}
	return "none of its keys is present"
}

func hasAll(m map[string]any, keys []string) bool {
	return missing(m, keys) == ""
}

func missing(m map[string]any, keys []string) string {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return k
		}
	}
	return ""
}

// kindOf names a value's kind for messages; it never shows the value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "nothing (None)"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, float64, *big.Int:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("a value of type %T", v)
}
