package secrets

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

func TestSecretLooking(t *testing.T) {
	tests := map[string]bool{
		"GITHUB_ACCESS_TOKEN":                   true,
		"github_access_token":                   true,
		"DB_PASSWORD":                           true,
		"db_Password":                           true,
		"CLIENT_SECRET":                         true,
		"AWS_SECRET_ACCESS_KEY":                 true,
		"PREFECT__CLOUD__API_KEY":               true,
		"PREFECT__CLOUD__AGENT__AUTH_TOKEN":     true,
		"AWS_CREDENTIALS":                       true,
		"GOOGLE_APPLICATION_CREDENTIALS":        true,
		"TOKEN":                                 true,
		"password":                              true,
		"Secret":                                true,
		"KEY":                                   true,
		"CREDENTIALS":                           true,
		"AZURE_STORAGE_CONNECTION_STRING":       true,
		"BITBUCKET_CLOUD_USERNAME":              true,
		"PREFECT__CONTEXT__SECRETS__MY_DB":      true,
		"PREFECT__CONTEXT__SECRETS__anything":   true,
		"PATH":                                  false,
		"HOME":                                  false,
		"MONKEY":                                false,
		"TOKENS":                                false,
		"TOKEN_FILE":                            false,
		"KEYBOARD":                              false,
		"PASSWORD_HINT_URL":                     false,
		"PREFECT__CLOUD__API":                   false,
		"PREFECT__CONTEXT__FLOW_RUN_ID":         false,
		"PREFECT__CLOUD__USE_LOCAL_SECRETS":     false,
		"PREFECT__CLOUD__SEND_FLOW_RUN_LOGS":    false,
		"PREFECT__ENGINE__FLOW_RUNNER__DEFAULT": false,
		"":                                      false,
		"_KEY":                                  true,
	}
	for name, want := range tests {
		if got := SecretLooking(name); got != want {
			t.Errorf("SecretLooking(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string
	}{
		{"string", "ghp_abc", []string{"ghp_abc"}},
		{"empty string", "", nil},
		{"int", int64(123456), []string{"123456"}},
		{"big int", new(big.Int).Lsh(big.NewInt(1), 70), []string{"1180591620717411303424"}},
		{"float as Python prints it", 100.0, []string{"100.0"}},
		{"NaN has no text", math.NaN(), nil},
		{"bool", true, nil},
		{"nil", nil, nil},
		{"list", []any{"a-secret", int64(42), true, nil, "a-secret"},
			[]string{"a-secret", "42", `["a-secret",42,true,null,"a-secret"]`}},
		{"map: leaves by key, then JSON", map[string]any{"SECRET_ACCESS_KEY": "k<&>", "ACCESS_KEY": "AKIA", "EMPTY": ""},
			[]string{"AKIA", "k<&>", `{"ACCESS_KEY":"AKIA","EMPTY":"","SECRET_ACCESS_KEY":"k<&>"}`}},
		{"nested", map[string]any{"a": []any{map[string]any{"b": "deep"}}},
			[]string{"deep", `{"a":[{"b":"deep"}]}`}},
		{"empty map", map[string]any{}, nil},
		{"nothing secret inside", []any{true, nil, ""}, nil},
		{"list with NaN has no JSON", []any{"x1", math.NaN()}, []string{"x1"}},
	}
	for _, tc := range tests {
		if got := Strings(NewValue(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Strings returned %d texts, not the %d expected", tc.name, len(got), len(tc.want))
		}
	}
}
