package docker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

// dockerHubServer is the key Docker Hub's credentials go by in the docker CLI's config.
const dockerHubServer = "https://index.docker.io/v1/"

// dockerConfig is the part of the docker CLI's config.json that holds registry
// credentials, as `docker login` writes it.
type dockerConfig struct {
	Auths map[string]struct {
		Auth          string `json:"auth"` // base64 of user:password
		IdentityToken string `json:"identitytoken"`
	} `json:"auths"`
	CredsStore  string            `json:"credsStore"`
	CredHelpers map[string]string `json:"credHelpers"`
}

// configPath is where the docker CLI keeps its config for this user.
func (l *Launcher) configPath() string {
	if l.opts.DockerConfig != "" {
		return l.opts.DockerConfig
	}
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker", "config.json")
}

// registryAuth returns the credentials `docker login` stored on this host for the
// registry of image, encoded for the engine, or "" when there are none. The config is
// read for each pull, so a login while the agent runs takes effect.
func (l *Launcher) registryAuth(ctx context.Context, image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", nil // the pull names the bad reference
	}
	host := normalizeRegistry(reference.Domain(named))
	server := host
	if host == "docker.io" {
		server = dockerHubServer
	}
	path := l.configPath()
	b, err := os.ReadFile(path)
	if path == "" || errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("docker launcher: reading registry credentials from %s: %w", path, err)
	}
	var cfg dockerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("docker launcher: %s is not a valid docker config: %w; fix it or log in again (docker login)", path, err)
	}
	var ac registry.AuthConfig
	helper := cfg.CredsStore
	if h, ok := cfg.CredHelpers[host]; ok {
		helper = h
	}
	switch {
	case helper != "":
		ac, err = l.helperAuth(ctx, helper, server)
	default:
		ac, err = staticAuth(cfg, host, path)
	}
	if err != nil || ac == (registry.AuthConfig{}) {
		return "", err
	}
	ac.ServerAddress = server
	return authconfig.Encode(ac)
}

// staticAuth reads the credentials config.json holds itself for host.
func staticAuth(cfg dockerConfig, host, path string) (registry.AuthConfig, error) {
	for key, entry := range cfg.Auths {
		if normalizeRegistry(key) != host {
			continue
		}
		ac := registry.AuthConfig{IdentityToken: entry.IdentityToken}
		if entry.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(entry.Auth)
			user, password, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok {
				return registry.AuthConfig{}, fmt.Errorf("docker launcher: the credentials for %s in %s are not valid; log in again (docker login %s)", key, path, host)
			}
			ac.Username, ac.Password = user, password
		}
		return ac, nil
	}
	return registry.AuthConfig{}, nil
}

// helperAuth asks a docker credential helper (docker-credential-<name> get) for the
// server's credentials. A helper that has none gives none.
func (l *Launcher) helperAuth(ctx context.Context, name, server string) (registry.AuthConfig, error) {
	ctx, cancel := l.callCtx(ctx)
	defer cancel()
	prog := "docker-credential-" + name
	cmd := exec.CommandContext(ctx, prog, "get")
	cmd.Stdin = strings.NewReader(server)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// What the helper printed may hold a credential; only its known "none" is read.
		if strings.Contains(stdout.String()+stderr.String(), "credentials not found") {
			return registry.AuthConfig{}, nil
		}
		return registry.AuthConfig{}, fmt.Errorf("docker launcher: the credential helper %s failed for %s: %w; check it, or log in again (docker login)", prog, server, err)
	}
	var creds struct{ Username, Secret string }
	if err := json.Unmarshal(stdout.Bytes(), &creds); err != nil {
		return registry.AuthConfig{}, fmt.Errorf("docker launcher: the credential helper %s gave an answer that is not valid JSON for %s", prog, server)
	}
	if creds.Username == "<token>" {
		return registry.AuthConfig{IdentityToken: creds.Secret}, nil
	}
	return registry.AuthConfig{Username: creds.Username, Password: creds.Secret}, nil
}
