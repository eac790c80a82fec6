package harness

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/secrets"
)

// NewClient is an API client with the admin key the server wrote to auth.toml, and the
// tenant it names. It does not retry: a request the backend fails should fail the
// measurement, not hide in it.
func NewClient(home, url string) (*api.Client, string, error) {
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

// CreatedRun is a run the harness created, and when it was due: the client's clock
// just before create_flow_run, which is also the run's scheduled start.
type CreatedRun struct {
	ID  string
	Due time.Time
}

// CreateRun creates one run of flowID, due now.
func CreateRun(ctx context.Context, c *api.Client, flowID string) (CreatedRun, error) {
	due := time.Now()
	id, err := c.CreateFlowRun(ctx, api.CreateFlowRunInput{FlowID: flowID, ScheduledStartTime: due})
	if err != nil {
		return CreatedRun{}, fmt.Errorf("create a flow run: %w", err)
	}
	return CreatedRun{ID: id, Due: due}, nil
}

// CreateRuns creates n runs of a flow as fast as the backend takes them, with workers
// requests in flight, and returns them in the order they were handed to the workers.
func CreateRuns(ctx context.Context, c *api.Client, flowID string, n, workers int) ([]CreatedRun, error) {
	runs := make([]CreatedRun, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				runs[i], errs[i] = CreateRun(ctx, c, flowID)
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
