package runconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSecretNames(t *testing.T) {
	tests := []struct {
		name    string
		storage Storage
		agent   []string
		want    []string
	}{
		{"github default token first", Storage{Type: StorageGitHub, Secrets: []string{"DB", "API"}}, []string{"SLACK"},
			[]string{"GITHUB_ACCESS_TOKEN", "DB", "API", "SLACK"}},
		{"github explicit token", Storage{Type: StorageGitHub, AccessTokenSecret: "ORG_TOKEN"}, nil,
			[]string{"ORG_TOKEN"}},
		{"gitlab default", Storage{Type: StorageGitLab}, []string{"X"}, []string{"GITLAB_ACCESS_TOKEN", "X"}},
		{"bitbucket with cloud secrets", Storage{Type: StorageBitbucket, CloudUsernameSecret: "U", CloudAppPasswordSecret: "P"}, nil,
			[]string{"BITBUCKET_ACCESS_TOKEN", "U", "P"}},
		{"git token", Storage{Type: StorageGit, GitTokenSecretName: "GT"}, nil, []string{"GT"}},
		{"duplicates keep first place", Storage{Type: StorageGitHub, Secrets: []string{"B", "GITHUB_ACCESS_TOKEN", "B"}}, []string{"A", "B", "A"},
			[]string{"GITHUB_ACCESS_TOKEN", "B", "A"}},
		{"empty names skipped", Storage{Type: StorageLocal, Secrets: []string{""}}, []string{"", "Z"}, []string{"Z"}},
		{"none", Storage{Type: StorageScript}, nil, []string{}},
	}
	for _, tt := range tests {
		got := SecretNames(tt.storage, tt.agent)
		if !cmp.Equal(got, tt.want) {
			t.Errorf("%s: SecretNames = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSecretRefsOptional(t *testing.T) {
	tests := []struct {
		name    string
		storage Storage
		agent   []string
		want    []SecretRef
	}{
		{"default token optional", Storage{Type: StorageGitHub, Secrets: []string{"DB"}}, nil,
			[]SecretRef{{"GITHUB_ACCESS_TOKEN", true}, {"DB", false}}},
		{"explicit token required", Storage{Type: StorageGitHub, AccessTokenSecret: "T"}, nil,
			[]SecretRef{{"T", false}}},
		{"default token asked for by the agent is required", Storage{Type: StorageGitHub}, []string{"GITHUB_ACCESS_TOKEN"},
			[]SecretRef{{"GITHUB_ACCESS_TOKEN", false}}},
		{"default token in storage.secrets is required", Storage{Type: StorageGitLab, Secrets: []string{"GITLAB_ACCESS_TOKEN"}}, nil,
			[]SecretRef{{"GITLAB_ACCESS_TOKEN", false}}},
	}
	for _, tt := range tests {
		if got := SecretRefs(tt.storage, tt.agent); !cmp.Equal(got, tt.want) {
			t.Errorf("%s: SecretRefs = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestInjectSecrets(t *testing.T) {
	env := []string{"B=2", "PREFECT__CONTEXT__SECRETS__TOKEN=from-run-config", "A=1", "UNSET"}
	got, err := InjectSecrets(env, map[string]string{"TOKEN": "resolved", "mixed_Case": "v=1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A=1", "B=2", "PREFECT__CONTEXT__SECRETS__TOKEN=resolved", "PREFECT__CONTEXT__SECRETS__mixed_Case=v=1", "UNSET"}
	if !cmp.Equal(got, want) {
		t.Errorf("InjectSecrets = %q, want %q", got, want)
	}
}

func TestInjectSecretsRejects(t *testing.T) {
	tests := []struct {
		name    string
		secrets map[string]string
		want    string
	}{
		{"empty name", map[string]string{"": "x"}, "a secret has an empty name"},
		{"equals", map[string]string{"A=B": "x"}, `secret name "A=B" cannot be passed to a flow run: it contains '='`},
		{"double underscore", map[string]string{"AWS__KEY": "x"}, `secret name "AWS__KEY" cannot be passed to a flow run: Prefect splits`},
		{"NUL in value", map[string]string{"K": "sup3r\x00secret"}, "secret K contains a NUL byte"},
	}
	for _, tt := range tests {
		_, err := InjectSecrets(nil, tt.secrets)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want prefix %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "sup3r") {
			t.Errorf("%s: error %q shows the secret's value", tt.name, err)
		}
	}
}
