package docker

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/launcher/launchertest"
)

// patience bounds every wait of a test; reaching it means the launcher hangs.
const patience = 2 * time.Minute

func testAgentID() string { return "test-" + env.run }

// newLauncher returns a Launcher for a test, with this binary's agent id unless opts
// say otherwise, closed when the test ends. The test image has no "/" in its name, so
// the default pull policy finds it on this host.
func newLauncher(t testing.TB, opts Options) *Launcher {
	t.Helper()
	if opts.AgentID == "" {
		opts.AgentID = testAgentID()
	}
	if opts.DockerConfig == "" {
		opts.DockerConfig = filepath.Join(t.TempDir(), "no-docker-config.json") // no credentials
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := New(ctx, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// testSpec runs the test image with argv, labelled for the sweep.
func testSpec(argv ...string) (launcher.Spec, *capture) {
	out := newCapture()
	return launcher.Spec{
		RunID:   "00000000-0000-0000-0000-000000000001",
		RunName: "docker-test",
		Argv:    argv,
		Env:     []string{},
		Image:   env.image,
		Labels:  map[string]string{testLabel: env.run},
		Output:  out,
	}, out
}

// shell runs script with busybox's sh in the test image.
func shell(script string) (launcher.Spec, *capture) {
	return testSpec(imageBusybox, "sh", "-c", script)
}

// launch starts s; the run is stopped and waited for when the test ends.
func launch(t *testing.T, l *Launcher, s launcher.Spec) *handle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	h, err := l.Launch(ctx, s)
	if err != nil {
		t.Fatalf("Launch(%q): %v", s.Argv, err)
	}
	t.Cleanup(func() { stopAndWait(t, h) })
	return h.(*handle)
}

func stopAndWait(t *testing.T, h launcher.Handle) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := h.Stop(ctx, 0); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := h.Wait(ctx); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func wait(t *testing.T, h launcher.Handle) launcher.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	res, err := h.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return res
}

// inspect returns the container's state; ok is false once it is gone.
func inspect(t *testing.T, id string) (c container.InspectResponse, ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := env.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return container.InspectResponse{}, false
	}
	if err != nil {
		t.Fatalf("inspecting container %s: %v", id, err)
	}
	return res.Container, true
}

// leftovers lists the run's container while it exists, running or not.
func leftovers(h launcher.Handle) ([]string, error) {
	hd, ok := h.(*handle)
	if !ok {
		return nil, fmt.Errorf("handle %T is not the Docker launcher's", h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := env.api.ContainerInspect(ctx, hd.id, client.ContainerInspectOptions{})
	switch {
	case cerrdefs.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return []string{fmt.Sprintf("container %s (%s)", hd.id, res.Container.State.Status)}, nil
}

func assertGone(t *testing.T, id string) {
	t.Helper()
	if c, ok := inspect(t, id); ok {
		t.Errorf("container %s is still there (%s), want it removed", id, c.State.Status)
	}
}

// capture is the conformance suite's output recorder.
type capture struct{ *launchertest.Capture }

func newCapture() *capture { return &capture{launchertest.NewCapture()} }

// waitFor waits until the output holds text.
func (c *capture) waitFor(t *testing.T, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	if err := c.WaitForText(ctx, text); err != nil {
		t.Fatal(err)
	}
}

// countingClock fires every wait at once and counts them.
type countingClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *countingClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func (c *countingClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func errorMentions(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
