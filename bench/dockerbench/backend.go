package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// prefectCoreVersion makes the flow a Prefect flow, so the agent runs `prefect execute
// flow-run` in the container: the stand-in, whose start is what the harness times.
const prefectCoreVersion = "1.4.1"

// stampsMount is where the stamps directory is mounted in every container.
const stampsMount = "/stamps"

// newClient is an API client with the admin key the server wrote to auth.toml. It does
// not retry: a request the backend fails should fail the measurement, not hide in it.
func newClient(home, url string) (*api.Client, error) {
	auth, err := config.ReadAuth(filepath.Join(home, ".prefect"), url)
	if err != nil {
		return nil, err
	}
	if auth.APIKey == "" {
		return nil, fmt.Errorf("the server wrote no API key for %s to %s/.prefect/auth.toml", url, home)
	}
	return api.New(api.Options{URL: url, Key: secrets.NewValue(auth.APIKey), TenantID: auth.TenantID,
		Version: "bench", RetryMax: -1})
}

// registerFlow registers the flow every measured run is a run of: a DockerRun of the
// bench image, told where the stand-in writes. The embedded backend has no projects
// and files flows under any project id.
func registerFlow(ctx context.Context, c *api.Client, image string) (string, error) {
	id, err := c.RegisterFlow(ctx, api.FlowRegistration{
		Name:      "bench-docker",
		ProjectID: uuid.NewString(),
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

// createRuns creates n runs as fast as the backend takes them, with workers requests
// in flight.
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
