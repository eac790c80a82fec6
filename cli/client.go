package cli

import (
	"fmt"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/secrets"
)

// clientFlags are the connection flags every backend command takes; empty values fall back
// to the configuration and then to auth.toml, in Prefect's order.
type clientFlags struct {
	API, Key, TenantID string
}

// backendTarget is where a client connects and with which credentials.
type backendTarget struct {
	URL      string
	Key      secrets.Value
	HasKey   bool
	TenantID string
}

// resolveTarget applies Prefect's rules (spec §2.9): flag, else config (cloud.api,
// cloud.api_key, cloud.tenant_id), else the [<slug>] table of <home_dir>/auth.toml.
// With no flag and no backend configured, it is the embedded backend on 127.0.0.1:4200.
func resolveTarget(cfg *config.Config, f clientFlags) (backendTarget, error) {
	s, err := cfg.Settings()
	if err != nil {
		return backendTarget{}, fmt.Errorf("configuration: %w", err)
	}
	t := backendTarget{URL: first(f.API, s.CloudAPI), TenantID: first(f.TenantID, s.TenantID)}
	if f.API == "" && !backendConfigured(s) {
		// Nothing points elsewhere: talk to the embedded backend the agent runs.
		t.URL = embeddedURL
	}
	if t.URL == "" {
		return t, fmt.Errorf("no backend API URL: pass --api or set cloud.api in config.toml")
	}
	key := first(f.Key, s.APIKey)
	if key == "" || t.TenantID == "" {
		auth, err := config.ReadAuth(s.HomeDir, t.URL)
		if err != nil {
			return t, err
		}
		key = first(key, auth.APIKey)
		t.TenantID = first(t.TenantID, auth.TenantID)
	}
	if key != "" {
		t.Key, t.HasKey = secrets.NewValue(key), true
	}
	return t, nil
}

func newAPIClient(cfg *config.Config, _ env, f clientFlags) (*api.Client, error) {
	t, err := resolveTarget(cfg, f)
	if err != nil {
		return nil, err
	}
	s, err := cfg.Settings()
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return api.New(api.Options{URL: t.URL, Key: t.Key, TenantID: t.TenantID, Version: Version, Timeout: s.RequestTimeout})
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
