package agent_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/launcher/docker"
	"github.com/outposthq/outpost/launcher/local"
)

// closedSocket returns the address of a unix socket nobody serves any more.
func closedSocket(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "unix://" + path
}

// switchedEngine is the real Docker launcher whose pings go, while down is set, to an
// engine address where nothing answers: the agent's view of a Docker daemon that went
// away, while the containers already started go on.
type switchedEngine struct {
	*docker.Launcher
	down atomic.Bool
	dead *client.Client
}

func (s *switchedEngine) Ping(ctx context.Context) error {
	if !s.down.Load() {
		return s.Launcher.Ping(ctx)
	}
	if _, err := s.dead.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("cannot reach the Docker engine at %s: %w", s.dead.DaemonHost(), err)
	}
	return nil
}

// While the engine does not answer, /api/health says so with 503 and no run is claimed;
// a run already started is still followed to its end. Once the engine answers again,
// health is back and the waiting run starts.
func TestDockerHealthFollowsEngine(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	dir := t.TempDir()
	addr := closedSocket(t)
	dead, err := client.New(client.WithHost(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	engine := &switchedEngine{dead: dead}
	ta := startAgent(t, b, b.url, inDocker(t, dir), func(_ *agent.Config, d *agent.Deps) {
		engine.Launcher = d.Launcher.(*docker.Launcher)
		d.Launcher = engine
	})
	ready, release := newGate(t, dir, "ready"), newGate(t, dir, "release")
	started := b.run(t, b.flow(t, shellStorage("echo up > "+gateDir+"/ready.fifo; read x < "+gateDir+"/release.fifo")), nil, nil)
	ta.poke()
	if got := ready.recv(t); got != "up" {
		t.Fatalf("the run said %q", got)
	}
	if status, body := ta.get(http.MethodGet, "/api/health"); status != http.StatusOK || body != "{}" {
		t.Fatalf("health with the engine answering = %d %s, want 200 {}", status, body)
	}

	engine.down.Store(true)
	status, body := ta.get(http.MethodGet, "/api/health")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, addr) || !strings.Contains(body, "unhealthy") {
		t.Errorf("health with the engine gone = %d %s, want 503 naming %s", status, body, addr)
	}
	waiting := b.run(t, b.flow(t, shellStorage("echo late")), nil, nil)
	ta.poke()
	ta.waitLog("Flow run " + waiting + " waits for the launcher's engine")
	if state, _ := b.state(t, waiting); state != "Scheduled" {
		t.Errorf("a run was claimed while the engine did not answer: %s", state)
	}
	release.send(t, "go")
	ta.waitLog("Flow run " + started + " ended Success by itself")

	engine.down.Store(false)
	ta.until("the waiting run to end", func() bool { return ta.countLogs("Flow run "+waiting+" ended Success by itself") > 0 }, time.Second)
	if status, body := ta.get(http.MethodGet, "/api/health"); status != http.StatusOK {
		t.Errorf("health once the engine answers again = %d %s, want 200", status, body)
	}
	if n := ta.countLogs("The launcher's engine does not answer"); n != 1 {
		t.Errorf("the engine going away was logged %d times, want once", n)
	}
	if ta.countLogs("The launcher's engine answers again") != 1 {
		t.Errorf("the engine coming back was not logged")
	}
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

// An engine that does not answer fails the launcher's creation with its address and
// what to check; the agent type and the launcher must match.
func TestDockerAgentSetupErrors(t *testing.T) {
	addr := closedSocket(t)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	_, err := docker.New(ctx, docker.Options{Host: addr})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Docker engine at "+addr) || !strings.Contains(err.Error(), "daemon is running") {
		t.Errorf("docker.New with no engine = %v, want an error naming %s and what to check", err, addr)
	}

	b := startBackend(t)
	containers := newDockerLauncher(t, agent.OwnerID("setup", b.url), t.TempDir())
	tests := []struct {
		name     string
		typ      string
		launcher agent.Launcher
		want     string
	}{
		{"docker type, local launcher", agent.TypeDocker, local.New(), "needs the Docker launcher"},
		{"local type, docker launcher", agent.TypeLocal, containers, "agent type must be DockerAgent"},
		{"unknown type", "KubernetesAgent", local.New(), "use LocalAgent or DockerAgent"},
	}
	for _, tt := range tests {
		_, err := agent.New(agent.Config{Type: tt.typ, APIURL: b.url}, agent.Deps{Backend: b.client, Launcher: tt.launcher})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := agent.New(agent.Config{Type: agent.TypeDocker, APIURL: b.url}, agent.Deps{Backend: b.client, Launcher: containers}); err != nil {
		t.Errorf("a Docker agent with the Docker launcher: %v", err)
	}
}
