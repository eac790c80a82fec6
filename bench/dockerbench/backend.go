package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
)

// prefectCoreVersion makes the flow a Prefect flow, so the agent runs `prefect execute
// flow-run` in the container: the stand-in, whose start is what the harness times.
const prefectCoreVersion = "1.4.1"

// stampsMount is where the stamps directory is mounted in every container.
const stampsMount = "/stamps"

// registerFlow registers the flow every measured run is a run of: a DockerRun of the
// bench image, told where the stand-in writes, in the "bench" project.
func registerFlow(ctx context.Context, c *api.Client, image string) (string, error) {
	project, err := benchProject(ctx, c)
	if err != nil {
		return "", err
	}
	id, err := c.RegisterFlow(ctx, api.FlowRegistration{
		Name:      "bench-docker",
		ProjectID: project,
		// Module storage needs nothing the agent would resolve (no token secret).
		Storage: map[string]any{"type": runconfig.StorageModule, "module": "bench.flow", "__version__": prefectCoreVersion},
		RunConfig: map[string]any{"type": runconfig.TypeDocker, "image": image,
			"env": map[string]string{"OUTPOST_BENCH_DIR": stampsMount}},
		CoreVersion: prefectCoreVersion,
	})
	if err != nil {
		return "", fmt.Errorf("register the flow: %w", err)
	}
	return id, nil
}

// benchProject returns the id of the "bench" project, creating it when missing.
func benchProject(ctx context.Context, c *api.Client) (string, error) {
	const name = "bench"
	id, err := c.ProjectID(ctx, name)
	if err == nil || !errors.Is(err, api.ErrNotFound) {
		return id, err
	}
	tenantID, err := c.DefaultTenantID(ctx)
	if err != nil {
		return "", err
	}
	if id, err = c.CreateProject(ctx, tenantID, name); err != nil {
		return "", fmt.Errorf("create the %s project: %w", name, err)
	}
	return id, nil
}
