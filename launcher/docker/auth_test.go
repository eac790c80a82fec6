package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

// writeDockerConfig writes a docker CLI config.json and returns its path.
func writeDockerConfig(t *testing.T, cfg any) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeHelper puts a docker credential helper named name on the PATH, answering with
// script (a shell script reading the server from stdin).
func writeHelper(t *testing.T, name, script string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-"+name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestRegistryAuth(t *testing.T) {
	basic := func(userPass string) map[string]string {
		return map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(userPass))}
	}
	writeHelper(t, "outposttest", `read server; printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server"`+"\n")
	writeHelper(t, "outposttoken", `printf '{"Username":"<token>","Secret":"id-token"}'`+"\n")
	writeHelper(t, "outpostnone", "echo 'credentials not found in native keychain'; exit 1\n")
	writeHelper(t, "outpostbroken", "echo 'not json, maybe a secret'\n")
	tests := []struct {
		name  string
		cfg   any // nil: no config file
		image string
		want  registry.AuthConfig // zero: no credentials
		err   []string
	}{
		{"no config file", nil, "ghcr.io/o/i", registry.AuthConfig{}, nil},
		{"static credentials for the registry", map[string]any{"auths": map[string]any{"ghcr.io": basic("me:pw:with:colons")}},
			"ghcr.io/o/i:1", registry.AuthConfig{Username: "me", Password: "pw:with:colons", ServerAddress: "ghcr.io"}, nil},
		{"a key with a scheme", map[string]any{"auths": map[string]any{"https://127.0.0.1:5000": basic("u:p")}},
			"127.0.0.1:5000/x", registry.AuthConfig{Username: "u", Password: "p", ServerAddress: "127.0.0.1:5000"}, nil},
		{"Docker Hub's key", map[string]any{"auths": map[string]any{dockerHubServer: basic("hub:pw")}},
			"prefecthq/prefect:1.4.1", registry.AuthConfig{Username: "hub", Password: "pw", ServerAddress: dockerHubServer}, nil},
		{"another registry's credentials are not sent", map[string]any{"auths": map[string]any{"quay.io": basic("u:p")}},
			"ghcr.io/o/i", registry.AuthConfig{}, nil},
		{"credential helper for the registry", map[string]any{"credHelpers": map[string]string{"ghcr.io": "outposttest"}},
			"ghcr.io/o/i", registry.AuthConfig{Username: "helper-user", Password: "helper-secret", ServerAddress: "ghcr.io"}, nil},
		{"credential store for all", map[string]any{"credsStore": "outposttoken", "auths": map[string]any{"ghcr.io": basic("u:p")}},
			"ghcr.io/o/i", registry.AuthConfig{IdentityToken: "id-token", ServerAddress: "ghcr.io"}, nil},
		{"helper without credentials", map[string]any{"credsStore": "outpostnone"}, "ghcr.io/o/i", registry.AuthConfig{}, nil},
		{"helper that fails", map[string]any{"credsStore": "outpostbroken"}, "ghcr.io/o/i", registry.AuthConfig{},
			[]string{"docker-credential-outpostbroken", "not valid JSON"}},
		{"missing helper", map[string]any{"credsStore": "outpost-no-such-helper"}, "ghcr.io/o/i", registry.AuthConfig{},
			[]string{"docker-credential-outpost-no-such-helper"}},
		{"bad auth value", map[string]any{"auths": map[string]any{"ghcr.io": map[string]string{"auth": "%%%"}}}, "ghcr.io/o/i",
			registry.AuthConfig{}, []string{"ghcr.io", "docker login"}},
		{"not JSON", "{", "ghcr.io/o/i", registry.AuthConfig{}, []string{"config.json", "not a valid docker config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.json")
			switch cfg := tt.cfg.(type) {
			case nil:
			case string:
				path = filepath.Join(t.TempDir(), "config.json")
				if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
			default:
				path = writeDockerConfig(t, cfg)
			}
			l := &Launcher{opts: Options{DockerConfig: path, Timeout: time.Minute}}
			got, err := l.registryAuth(context.Background(), tt.image)
			if tt.err != nil {
				errorMentions(t, err, tt.err...)
				if err != nil && (strings.Contains(err.Error(), "maybe a secret") || strings.Contains(err.Error(), "%%%")) {
					t.Errorf("the error shows what the config or helper held: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == (registry.AuthConfig{}) {
				if got != "" {
					t.Errorf("registryAuth = %q, want no credentials", got)
				}
				return
			}
			ac, err := authconfig.Decode(got)
			if err != nil {
				t.Fatalf("decoding %q: %v", got, err)
			}
			if *ac != tt.want {
				t.Errorf("credentials = %+v, want %+v", *ac, tt.want)
			}
		})
	}
}
