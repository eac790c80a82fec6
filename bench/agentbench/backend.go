package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
)

// prefectCoreVersion makes the flows Prefect flows, so the agent launches
// `prefect execute flow-run`: the stand-in, whose start is all the agent controls.
const prefectCoreVersion = "1.4.1"

// benchFlows are the flows the harness runs: one whose process exits at once, one whose
// process sleeps until it is stopped.
type benchFlows struct{ exit, sleep string }

func registerFlows(ctx context.Context, c *api.Client, tenantID string) (benchFlows, error) {
	project, err := projectID(ctx, c, tenantID)
	if err != nil {
		return benchFlows{}, err
	}
	// Module storage needs nothing the agent would resolve (no token secret).
	storage := map[string]any{"type": runconfig.StorageModule, "module": "bench.flow", "__version__": prefectCoreVersion}
	register := func(name string, runConfig map[string]any) (string, error) {
		id, err := c.RegisterFlow(ctx, api.FlowRegistration{Name: name, ProjectID: project, Storage: storage,
			RunConfig: runConfig, CoreVersion: prefectCoreVersion})
		if err != nil {
			return "", fmt.Errorf("register flow %s: %w", name, err)
		}
		return id, nil
	}
	var f benchFlows
	if f.exit, err = register("bench-exit", map[string]any{"type": runconfig.TypeLocal}); err != nil {
		return f, err
	}
	f.sleep, err = register("bench-sleep", map[string]any{"type": runconfig.TypeLocal,
		"env": map[string]string{"OUTPOST_BENCH_MODE": "sleep"}})
	return f, err
}

// projectID finds the project to register in, creating it when missing.
func projectID(ctx context.Context, c *api.Client, tenantID string) (string, error) {
	const name = "bench"
	id, err := c.ProjectID(ctx, name)
	switch {
	case err == nil:
		return id, nil
	case !errors.Is(err, api.ErrNotFound):
		return "", fmt.Errorf("look up project %s: %w", name, err)
	}
	if tenantID == "" {
		if tenantID, err = c.DefaultTenantID(ctx); err != nil {
			return "", err
		}
	}
	return c.CreateProject(ctx, tenantID, name)
}
