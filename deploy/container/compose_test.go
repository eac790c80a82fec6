package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerSocket is the engine's socket the compose file mounts into the agent.
const dockerSocket = "/var/run/docker.sock"

// TestComposeRunsNativeFlowInSiblingContainer brings up deploy/docker-compose.yml with
// the image built FROM scratch: the backend, and the agent in a container of its own
// launching runs through the mounted socket. A native flow registered from the host
// through the published port runs in a sibling container on the stack's network,
// reaches the backend by its service name, and ends in Success with its output in the
// run's logs.
func TestComposeRunsNativeFlowInSiblingContainer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	st := newStack(ctx, t)
	api := st.up(ctx, t)
	waitHealthy(ctx, t, api+"/health", st)
	started := time.Now()

	out := st.outpost(ctx, t, "flow", "register", "--api", api, "--name", "hello-container", "--image", env.runImg,
		"--script", `sh -c 'echo "hello from run $PREFECT__CONTEXT__FLOW_RUN_ID as uid $(id -u)"'`)
	if out.code != 0 {
		t.Fatalf("flow register: exit %d\n%s", out.code, out.stderr)
	}
	out = st.outpost(ctx, t, "flow-run", "create", "--api", api, "--flow", "hello-container", "--wait")
	runID, _, _ := strings.Cut(out.stdout, "\n")
	if out.code != 0 || runID == "" {
		t.Fatalf("flow-run create --wait: exit %d, want 0 (Success)\nstdout: %s\nstderr: %s\n%s", out.code, out.stdout, out.stderr, st.logs(t))
	}

	logs := st.outpost(ctx, t, "flow-run", "logs", "--api", api, runID)
	if want := "hello from run " + runID + " as uid 65532"; logs.code != 0 || !strings.Contains(logs.stdout, want) {
		t.Errorf("flow-run logs %s: exit %d, want the flow's output %q in\n%s%s", runID, logs.code, want, logs.stdout, logs.stderr)
	}

	// The container is gone once its run is over; the engine's events still tell what
	// it was: created from the run image, labelled with the run, on the stack's network.
	containers := events(ctx, t, started, "type=container", "label=io.prefect.flow-run-id="+runID)
	var containerID string
	for _, e := range containers {
		if e.Action == "start" {
			containerID = e.Actor.ID
			if img := e.Actor.Attributes["image"]; img != env.runImg {
				t.Errorf("the run's container was started from image %q, want %q", img, env.runImg)
			}
		}
	}
	if containerID == "" {
		t.Fatalf("no container labelled io.prefect.flow-run-id=%s was started; events: %+v", runID, containers)
	}
	connected := false
	for _, e := range events(ctx, t, started, "type=network", "network="+st.network, "event=connect") {
		connected = connected || e.Actor.Attributes["container"] == containerID
	}
	if !connected {
		t.Errorf("the run's container %s was not connected to the stack's network %s", containerID, st.network)
	}
}

// stack is one instance of deploy/docker-compose.yml, under a project name of its own.
type stack struct {
	compose []string // the compose command: docker compose, or docker-compose
	file    string
	project string
	network string
	env     []string // the environment compose interpolates the file with
	key     string   // the admin API key
	home    string   // HOME of the outpost CLI on this host
}

func newStack(ctx context.Context, t *testing.T) *stack {
	t.Helper()
	cmd, err := findCompose(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := randomHex(t, 6)
	st := &stack{
		compose: cmd,
		file:    filepath.Join(env.root, "deploy", "docker-compose.yml"),
		project: "outposttest" + id,
		network: "outposttest" + id + "-net",
		key:     randomHex(t, 32),
		home:    t.TempDir(),
	}
	gid, err := socketGroup()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		// The stack is configured by the variables below and nothing of the caller's.
		if !strings.HasPrefix(kv, "OUTPOST_") && !strings.HasPrefix(kv, "COMPOSE_") && !strings.HasPrefix(kv, "DOCKER_GID=") {
			st.env = append(st.env, kv)
		}
	}
	st.env = append(st.env,
		"OUTPOST_IMAGE="+env.image,
		"OUTPOST_ADMIN_KEY="+st.key,
		"DOCKER_GID="+strconv.Itoa(gid),
		"OUTPOST_PORT=0", // a free port, read back with `compose port`
		"OUTPOST_NETWORK="+st.network,
	)
	return st
}

// findCompose is the compose command of this machine: the v2 plugin, or v1's
// docker-compose.
func findCompose(ctx context.Context) ([]string, error) {
	for _, c := range [][]string{{"docker", "compose"}, {"docker-compose"}} {
		cmd := exec.CommandContext(ctx, c[0], append(c[1:], "version")...)
		if err := cmd.Run(); err == nil {
			return c, nil
		}
	}
	return nil, errors.New("neither `docker compose` nor `docker-compose` runs here: install docker-compose " +
		"(Debian: apt-get install docker-compose) or the Docker Compose v2 plugin (docker-compose-plugin)")
}

// socketGroup is the group of the engine's socket, which the agent's container joins.
func socketGroup() (int, error) {
	info, err := os.Stat(dockerSocket)
	if err != nil {
		return 0, fmt.Errorf("the compose file mounts %s: %w", dockerSocket, err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("cannot read the group of %s", dockerSocket)
	}
	return int(st.Gid), nil
}

// run runs compose on the stack.
func (st *stack) run(ctx context.Context, args ...string) (string, error) {
	args = append(append(st.compose[1:], "-f", st.file, "-p", st.project), args...)
	cmd := exec.CommandContext(ctx, st.compose[0], args...)
	cmd.Env = st.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", st.compose[0], strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// up starts the stack, arranges for its removal, and returns the backend's URL on the
// port published on 127.0.0.1.
func (st *stack) up(ctx context.Context, t *testing.T) string {
	t.Helper()
	t.Cleanup(func() { st.down(t) })
	if _, err := st.run(ctx, "up", "-d"); err != nil {
		t.Fatal(err)
	}
	addr, err := st.run(ctx, "port", "server", "4200")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("the backend is published on %q, want 127.0.0.1 only", addr)
	}
	return "http://" + addr
}

// down removes the stack with its volume and network. The agent stops first, so that
// it is not removing the containers of its runs at the same time as the test removes
// those a failed test left on the network, which would keep the network in use.
func (st *stack) down(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if t.Failed() {
		t.Log(st.logs(t))
	}
	if _, err := st.run(ctx, "stop", "--timeout", "60", "agent"); err != nil {
		t.Error(err)
	}
	if ids, err := docker(ctx, "ps", "-aq", "--filter", "network="+st.network, "--filter", "label=io.prefect.flow-run-id"); err != nil {
		t.Error(err)
	} else if ids != "" {
		if _, err := docker(ctx, append([]string{"rm", "-f", "-v"}, strings.Fields(ids)...)...); err != nil {
			t.Error(err)
		}
	}
	if _, err := st.run(ctx, "down", "-v", "--remove-orphans", "--timeout", "60"); err != nil {
		t.Error(err)
	}
}

// logs is the stack's output, for a failure's message.
func (st *stack) logs(t *testing.T) string {
	out, err := st.run(context.Background(), "logs", "--no-color")
	if err != nil {
		return err.Error()
	}
	return "--- the stack's logs ---\n" + out
}

// result is one finished run of the outpost CLI.
type result struct {
	stdout, stderr string
	code           int
}

// outpost runs the CLI on this host with a HOME of its own and the admin key in its
// environment (a key in argv is visible to every user of the machine).
func (st *stack) outpost(ctx context.Context, t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(ctx, env.binary, args...)
	cmd.Env = []string{"HOME=" + st.home, "PATH=" + os.Getenv("PATH"), "OUTPOST_KEY=" + st.key}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return result{stdout.String(), stderr.String(), exit.ExitCode()}
	case err != nil:
		t.Fatalf("outpost %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout.String(), stderr.String(), 0}
}

// waitHealthy waits until url answers 200.
func waitHealthy(ctx context.Context, t *testing.T, url string, st *stack) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the backend did not answer %s within 2 minutes\n%s", url, st.logs(t))
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", url, ctx.Err())
		}
	}
}

// event is one entry of `docker events`.
type event struct {
	Type   string
	Action string
	Actor  struct {
		ID         string
		Attributes map[string]string
	}
}

// events are the engine's events since since, up to now, that match the filters.
func events(ctx context.Context, t *testing.T, since time.Time, filters ...string) []event {
	t.Helper()
	args := []string{"events", "--format", "{{json .}}",
		"--since", unixNano(since), "--until", unixNano(time.Now())}
	for _, f := range filters {
		args = append(args, "--filter", f)
	}
	out, err := docker(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	var evs []event
	for line := range strings.Lines(out) {
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("docker events: %v in %q", err, line)
		}
		evs = append(evs, e)
	}
	return evs
}

// unixNano is t as docker events takes a time to the nanosecond.
func unixNano(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
