package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// prefectCoreVersion makes the flows Prefect flows, so the agent launches
// `prefect execute flow-run`: the stand-in, whose start is all the agent controls.
const prefectCoreVersion = "1.4.1"

// newClient is an API client with the admin key the server wrote to auth.toml. It does
// not retry: a request the backend fails should fail the measurement, not hide in it.
func newClient(home, url string) (*api.Client, string, error) {
	auth, err := config.ReadAuth(filepath.Join(home, ".prefect"), url)
	if err != nil {
		return nil, "", err
	}
	if auth.APIKey == "" {
		return nil, "", fmt.Errorf("the server wrote no API key for %s to %s/.prefect/auth.toml", url, home)
	}
	c, err := api.New(api.Options{URL: url, Key: secrets.NewValue(auth.APIKey), TenantID: auth.TenantID,
		Version: "bench", RetryMax: -1})
	return c, auth.TenantID, err
}

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

// projectID finds a project to register in. The embedded backend has no projects (it
// answers that the field cannot be queried) and files flows under any id; a Prefect
// Server gets a project made for the purpose.
func projectID(ctx context.Context, c *api.Client, tenantID string) (string, error) {
	const name = "bench"
	id, err := c.ProjectID(ctx, name)
	var gerr *api.GraphQLError
	switch {
	case err == nil:
		return id, nil
	case errors.As(err, &gerr) && strings.Contains(strings.Join(gerr.Messages, "\n"), "Cannot query field"):
		return uuid.NewString(), nil
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

// createdRun is a run the harness created, and when it was due: the client's clock
// just before create_flow_run, which is also the run's scheduled start.
type createdRun struct {
	id  string
	due time.Time
}

func createRun(ctx context.Context, c *api.Client, flowID string) (createdRun, error) {
	due := time.Now()
	id, err := c.CreateFlowRun(ctx, api.CreateFlowRunInput{FlowID: flowID, ScheduledStartTime: due})
	if err != nil {
		return createdRun{}, fmt.Errorf("create a flow run: %w", err)
	}
	return createdRun{id: id, due: due}, nil
}

// createRuns creates n runs of a flow as fast as the backend takes them, with workers
// requests in flight, and returns them in the order they were handed to the workers.
func createRuns(ctx context.Context, c *api.Client, flowID string, n, workers int) ([]createdRun, error) {
	runs := make([]createdRun, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				runs[i], errs[i] = createRun(ctx, c, flowID)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return runs, nil
}
