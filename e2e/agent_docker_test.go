package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outposthq/outpost/agent"
)

// The Docker agent's tests run flow runs in an image built here FROM scratch: the
// static outpost binary the tests run, and Debian's busybox-static as sh and a few
// commands. Runs share the host's network, so they reach the server on 127.0.0.1, and
// a directory of the test's as /gate.

// dockerRunImage builds the run image and removes it, with the containers of owner,
// when the test ends.
func dockerRunImage(t *testing.T, owner string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "rootfs", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"outpost": binary, "busybox": "/bin/busybox"} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatalf("reading %s for the run image (busybox comes from Debian's busybox-static): %v", src, err)
		}
		if err := os.WriteFile(filepath.Join(bin, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, applet := range []string{"sh", "sleep", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(bin, applet)); err != nil {
			t.Fatal(err)
		}
	}
	dockerfile := "FROM scratch\nCOPY rootfs/ /\nENV HOME=/\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := "outpost-e2e-run:" + strings.ToLower(strings.ReplaceAll(owner, "_", "-"))
	t.Cleanup(func() {
		if left := dockerContainers(t, owner, true); len(left) > 0 {
			dockerCLI(t, append([]string{"rm", "--force", "--volumes"}, left...)...)
		}
		dockerCLI(t, "rmi", "--force", tag)
	})
	if out, err := exec.Command("docker", "build", "--quiet", "--label", "io.outpost.e2e=1", "--tag", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	return tag
}

// dockerCLI runs the docker command.
func dockerCLI(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// dockerContainers lists the ids of owner's containers: running ones, or all.
func dockerContainers(t *testing.T, owner string, all bool) []string {
	t.Helper()
	args := []string{"ps", "--quiet", "--no-trunc", "--filter", "label=io.outpost.agent-id=" + owner}
	if all {
		args = append(args, "--all")
	}
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.Fields(string(out))
}

// startDockerAgent runs `outpost agent docker start` against s, as agent name, its
// runs on the host's network with dir as /gate. It returns once /api/health answers.
func startDockerAgent(t *testing.T, s *serverProc, name, dir string, args ...string) *agentProc {
	t.Helper()
	a := &agentProc{addr: "http://127.0.0.1:" + freePort(t)}
	args = append([]string{"agent", "docker", "start", "--api", s.url, "--name", name, "--agent-address", a.addr,
		"--network", "host", "--volume", dir + ":/gate"}, args...)
	a.daemon = startDaemon(t, "the docker agent", s.env, args...)
	a.waitReady(t, a.addr+"/api/health")
	return a
}

// fifo is a named pipe a run and the test talk through; the test holds it open both
// ways, so neither side blocks opening it.
type fifo struct {
	f *os.File
	r *bufio.Reader
}

func newFifo(t *testing.T, dir, name string) *fifo {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := syscall.Mkfifo(path, 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &fifo{f: f, r: bufio.NewReader(f)}
}

func (p *fifo) recv(t *testing.T) string {
	t.Helper()
	if err := p.f.SetReadDeadline(time.Now().Add(runDeadline)); err != nil {
		t.Fatal(err)
	}
	line, err := p.r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading from the run: %v", err)
	}
	return strings.TrimSuffix(line, "\n")
}

func (p *fifo) send(t *testing.T, line string) {
	t.Helper()
	if _, err := p.f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// TestAgentDockerRunsAndAdopts: `outpost agent docker start` runs a native flow in a
// container to Success; killed outright while a run's container runs, the agent
// started again with the same name adopts the container, follows the run to its end
// and removes the container.
func TestAgentDockerRunsAndAdopts(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	name := fmt.Sprintf("e2e-docker-%d", time.Now().UnixNano())
	owner := agent.OwnerID(name, s.url)
	image := dockerRunImage(t, owner)
	dir := t.TempDir()
	ready, release := newFifo(t, dir, "ready"), newFifo(t, dir, "release")

	first := startDockerAgent(t, s, name, dir)
	s.outpost(t, "flow", "register", "--name", "hello", "--image", image, "--script", `sh -c 'echo hello from a container'`)
	r := run(t, s.env, "flow-run", "create", "--api", s.url, "--flow", "hello", "--wait")
	runID, _, _ := strings.Cut(r.stdout, "\n")
	if r.code != 0 {
		t.Fatalf("flow-run create --wait: exit %d, want 0 (Success)\nstderr: %s\nagent:\n%s", r.code, r.stderr, first.stderr)
	}
	logs := run(t, s.env, "flow-run", "logs", "--api", s.url, runID)
	if !slices.Contains(logMessages(logs.stdout, "outpost.flow"), "hello from a container") {
		t.Errorf("the run's logs lack its output:\n%s%s", logs.stdout, logs.stderr)
	}

	s.outpost(t, "flow", "register", "--name", "held", "--image", image,
		"--script", `sh -c 'echo up > /gate/ready; read x < /gate/release; echo released'`)
	held := s.outpost(t, "flow-run", "create", "--flow", "held")
	if got := ready.recv(t); got != "up" {
		t.Fatalf("the held run said %q", got)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	first.gone = true
	if running := dockerContainers(t, owner, false); len(running) != 1 {
		t.Fatalf("%d container(s) of the agent run after it was killed, want the held run's", len(running))
	}

	second := startDockerAgent(t, s, name, dir)
	waitLogged(t, second.daemon, "Adopted flow run "+held)
	release.send(t, "go")
	if info := waitFinished(t, s, held); info.State != "Success" {
		t.Errorf("the adopted run ended %s (%q), want Success", info.State, info.StateMessage)
	}
	logs = run(t, s.env, "flow-run", "logs", "--api", s.url, held)
	if !slices.Contains(logMessages(logs.stdout, "outpost.flow"), "released") {
		t.Errorf("the adopted run's logs lack its output:\n%s", logs.stdout)
	}
	second.stop(t)
	if left := dockerContainers(t, owner, true); len(left) > 0 {
		t.Errorf("containers left after the adopted run ended and the agent stopped: %q", left)
	}
}

// waitLogged waits until the daemon's stderr holds text.
func waitLogged(t *testing.T, d *daemon, text string) {
	t.Helper()
	deadline := time.After(runDeadline)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !strings.Contains(d.stderr.String(), text) {
		select {
		case <-deadline:
			t.Fatalf("%s did not log %q within %s:\n%s", d.name, text, runDeadline, d.stderr)
		case <-tick.C:
		}
	}
}

// TestAgentDockerAllowList: an image from a registry outside --reg-allow-list fails its
// run with a message saying so, before any pull.
func TestAgentDockerAllowList(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	name := fmt.Sprintf("e2e-docker-allow-%d", time.Now().UnixNano())
	a := startDockerAgent(t, s, name, t.TempDir(), "--reg-allow-list", "registry.example.com")
	s.outpost(t, "flow", "register", "--name", "elsewhere", "--image", "quay.io/outpost/nowhere:1", "--script", "true")
	id := s.outpost(t, "flow-run", "create", "--flow", "elsewhere")
	info := waitFinished(t, s, id)
	if info.State != "Failed" || !strings.Contains(info.StateMessage, "not in the registry allow-list") || !strings.Contains(info.StateMessage, "quay.io") {
		t.Errorf("run of an image outside the allow-list: %s %q, want Failed naming the registry", info.State, info.StateMessage)
	}
	a.stop(t)
}

// TestAgentDockerStartErrors: flags the agent cannot work with fail the start with
// what to fix: exit 2 for malformed input, 1 for an engine or network that is not there.
func TestAgentDockerStartErrors(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"malformed volume", []string{"--volume", "a:b:c:d"}, 2, []string{"--volume", "a:b:c:d", "external:internal[:mode]"}},
		{"named volume not rw", []string{"--volume", "data:/data:ro"}, 2, []string{"Named volumes can only have 'rw' mode"}},
		{"unknown pull policy", []string{"--pull-policy", "sometimes"}, 2, []string{"always, if-not-present or never"}},
		{"unknown network", []string{"--network", "outpost-e2e-no-such-network"}, 1, []string{`network "outpost-e2e-no-such-network" does not exist`, "docker network create"}},
		{"unreachable engine", []string{"--base-url", "unix://" + sock}, 1, []string{"cannot reach the Docker engine at unix://" + sock, "daemon is running"}},
	}
	for _, tt := range tests {
		r := run(t, home(t, ""), append([]string{"agent", "docker", "start", "--api", "http://127.0.0.1:1"}, tt.args...)...)
		if r.code != tt.code {
			t.Errorf("%s: exit %d, want %d\nstderr: %s", tt.name, r.code, tt.code, r.stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tt.name, w, r.stderr)
			}
		}
	}
}

// TestAgentDockerInstall: install prints a docker run command, or a compose service,
// that runs the agent with the flags given, quoted, the engine's socket mounted, and
// the API key taken from the environment, never written out.
func TestAgentDockerInstall(t *testing.T) {
	t.Parallel()
	const key = "e2e-install-key-0123456789"
	env := home(t, "")
	args := []string{"agent", "docker", "install", "-l", "dev", "--env", "GREETING=hello world", "--api", "http://127.0.0.1:4200",
		"--network", "host", "--key", key, "--drain-grace", "1m"}
	r := run(t, env, args...)
	if r.code != 0 {
		t.Fatalf("agent docker install: exit %d\nstderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"docker run --detach",
		"--volume /var/run/docker.sock:/var/run/docker.sock",
		"--env OUTPOST_KEY \\\n",
		"--stop-timeout 100", // the drain, the cancel grace, the delivery of the states owed
		"--entrypoint outpost",
		"outpost:latest agent docker start --label dev --env 'GREETING=hello world' --api http://127.0.0.1:4200 --drain-grace 1m0s --network host\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("docker run lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, env, append(args, "--compose", "--env", "HOME_DIR=$HOME")...)
	if r.code != 0 {
		t.Fatalf("agent docker install --compose: exit %d\nstderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"services:\n  outpost-agent:\n",
		`command: ["agent", "docker", "start", "--label", "dev", "--env", "GREETING=hello world", "--env", "HOME_DIR=$$HOME",`,
		"environment: [OUTPOST_KEY]",
		`volumes: ["/var/run/docker.sock:/var/run/docker.sock"]`,
		"stop_grace_period: 100s",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the compose service lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, key) {
			t.Errorf("install wrote the API key out:\n%s", out)
		}
	}
}
