package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/launcher"
)

// TestContainer: the container carries the Spec's command, environment and labels
// plus the launcher's, and secrets only in its environment; it is gone after Wait.
func TestContainer(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-is-not-a-password"
	l := newLauncher(t, Options{})
	s, out := testSpec(imageProgram, "sleep")
	s.RunID = "5d8e0c2a-0b7f-4a3e-9c2d-5e8f1a2b3c4d"
	s.RunName = "Nightly ETL's run " + env.run
	s.Labels[LabelFlowName] = "etl"
	s.Labels[LabelFlowID] = "a1b2c3"
	s.Env = []string{"PREFECT__CONTEXT__SECRETS__TOKEN=" + secret, "PATH=/outpost"}
	s.Redact = []string{secret}
	h := launch(t, l, s)
	out.waitFor(t, "ready")

	c, ok := inspect(t, h.id)
	if !ok {
		t.Fatal("the container is gone while it runs")
	}
	if want := "Container ID: " + c.ID; h.ID() != want {
		t.Errorf("ID() = %q, want %q", h.ID(), want)
	}
	if want := "/Nightly-ETL-s-run-" + env.run; c.Name != want {
		t.Errorf("name = %q, want %q", c.Name, want)
	}
	wantLabels := map[string]string{
		LabelFlowRunID: s.RunID, LabelAgentID: testAgentID(), LabelManaged: "true",
		LabelFlowName: "etl", LabelFlowID: "a1b2c3", testLabel: env.run,
	}
	for k, v := range wantLabels {
		if c.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Config.Labels[k], v)
		}
	}
	if !slices.Equal(c.Config.Cmd, s.Argv) {
		t.Errorf("command = %q, want %q", c.Config.Cmd, s.Argv)
	}
	if !slices.Equal(c.Config.Env, s.Env) {
		t.Errorf("env = %q, want exactly %q (the image's PATH is overridden)", c.Config.Env, s.Env)
	}
	if want := []string{"host.docker.internal:host-gateway"}; !slices.Equal(c.HostConfig.ExtraHosts, want) {
		t.Errorf("extra hosts = %q, want %q", c.HostConfig.ExtraHosts, want)
	}
	if c.HostConfig.Init == nil || !*c.HostConfig.Init {
		t.Errorf("init = %v, want true: the program is PID 2 under the engine's init", c.HostConfig.Init)
	}
	labels, _ := json.Marshal(c.Config.Labels)
	for what, text := range map[string]string{"labels": string(labels), "name": c.Name, "command": strings.Join(append([]string{c.Path}, c.Args...), " ")} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret is in the container's %s: %s", what, text)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := h.Stop(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	assertGone(t, h.id)
	if res := wait(t, h); res.ExitCode != 143 || res.Signal != "SIGTERM" || res.Err != nil {
		t.Errorf("result = %v (%v), want killed by SIGTERM", res, res.Err)
	}
}

// TestSecretsStayInTheEnvironment: a run that would show a secret in what anyone
// with access to the engine can read is refused, without the secret in the error.
func TestSecretsStayInTheEnvironment(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-0xDEAD"
	tests := []struct {
		field  string
		modify func(s *launcher.Spec)
	}{
		{"command", func(s *launcher.Spec) { s.Argv = []string{imageProgram, "print", "--token=" + secret} }},
		{"labels", func(s *launcher.Spec) { s.Labels["token"] = secret }},
		{"labels", func(s *launcher.Spec) { s.Labels["token-"+secret] = "x" }},
		{"name", func(s *launcher.Spec) { s.RunName = "run " + secret }},
		{"image", func(s *launcher.Spec) { s.Image = "registry.example/" + secret }},
	}
	l := newLauncher(t, Options{})
	for _, tt := range tests {
		s, _ := testSpec(imageProgram, "exit", "0")
		s.Redact = []string{secret}
		tt.modify(&s)
		h, err := l.Launch(context.Background(), s)
		if err == nil {
			stopAndWait(t, h)
		}
		errorMentions(t, err, "run's "+tt.field, "environment")
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}

	// A value too short to redact is no secret to guard.
	s, out := testSpec(imageProgram, "print", "abc")
	s.Redact = []string{"abc"}
	if res := wait(t, launch(t, l, s)); res.ExitCode != 0 || out.String() != "abc\n" {
		t.Errorf("run with a short value: %v, output %q", res, out.String())
	}
}

// TestVolumes: the agent's volumes are mounted as given; a missing named volume is
// created, labelled, and outlives the run.
func TestVolumes(t *testing.T) {
	t.Parallel()
	rw, ro := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(rw, "in.txt"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vol := "outpost-test-" + env.run + "-data"
	t.Cleanup(func() {
		if _, err := env.api.VolumeRemove(context.Background(), vol, client.VolumeRemoveOptions{Force: true}); err != nil {
			t.Errorf("removing volume %s: %v", vol, err)
		}
	})
	l := newLauncher(t, Options{Volumes: []string{rw + ":/mnt/host", vol + ":/data", ro + ":/mnt/ro:ro"}})

	s, out := shell(`b=` + imageBusybox + `; $b cat /mnt/host/in.txt && echo written > /mnt/host/out.txt && echo kept > /data/f &&
		if $b touch /mnt/ro/x 2>/dev/null; then echo ro-writable; else echo ro-refused; fi`)
	if res := wait(t, launch(t, l, s)); res.ExitCode != 0 || out.String() != "from the host\nro-refused\n" {
		t.Errorf("first run: %v, output %q; want exit code 0 and %q", res, out.String(), "from the host\nro-refused\n")
	}
	if b, err := os.ReadFile(filepath.Join(rw, "out.txt")); err != nil || string(b) != "written\n" {
		t.Errorf("the host dir holds %q (%v), want what the run wrote", b, err)
	}
	v, err := env.api.VolumeInspect(context.Background(), vol, client.VolumeInspectOptions{})
	if err != nil {
		t.Fatalf("the named volume was not created: %v", err)
	}
	if v.Volume.Labels[LabelManaged] != "true" || v.Volume.Labels[LabelAgentID] != testAgentID() {
		t.Errorf("volume labels = %v, want %s=true and %s=%s", v.Volume.Labels, LabelManaged, LabelAgentID, testAgentID())
	}

	s, out = shell(imageBusybox + " cat /data/f")
	if res := wait(t, launch(t, l, s)); res.ExitCode != 0 || out.String() != "kept\n" {
		t.Errorf("second run: %v, output %q; want what the first run left in the volume", res, out.String())
	}
}

// TestNetworks: the container is on every network of the agent, the first set at
// create time; a network that does not exist is named.
func TestNetworks(t *testing.T) {
	t.Parallel()
	var nets []string
	for _, suffix := range []string{"a", "b", "c"} {
		name := "outpost-test-" + env.run + "-" + suffix
		if _, err := env.api.NetworkCreate(context.Background(), name, client.NetworkCreateOptions{Labels: map[string]string{testLabel: env.run}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { env.api.NetworkRemove(context.Background(), name, client.NetworkRemoveOptions{}) })
		nets = append(nets, name)
	}
	l := newLauncher(t, Options{Networks: nets})
	s, out := testSpec(imageProgram, "sleep")
	h := launch(t, l, s)
	out.waitFor(t, "ready")
	c, _ := inspect(t, h.id)
	if got := string(c.HostConfig.NetworkMode); got != nets[0] {
		t.Errorf("network mode = %q, want the first network %q", got, nets[0])
	}
	var got []string
	for name := range c.NetworkSettings.Networks {
		got = append(got, name)
	}
	if slices.Sort(got); !slices.Equal(got, nets) {
		t.Errorf("the container is on %q, want %q", got, nets)
	}

	missing := "outpost-test-" + env.run + "-missing"
	_, err := New(context.Background(), Options{Networks: []string{nets[0], missing}})
	errorMentions(t, err, `"`+missing+`"`, "does not exist", "docker network create")
}

// TestHostConfig: the run config's host_config reaches the container; auto_remove:
// false leaves it in place.
func TestHostConfig(t *testing.T) {
	t.Parallel()
	l := newLauncher(t, Options{})
	s, _ := testSpec(imageProgram, "exit", "0")
	s.HostConfig = decodeHostConfig(t, `{"mem_limit": "64m", "cpu_shares": 512, "extra_hosts": {"db.internal": "10.0.0.5"}, "auto_remove": false}`)
	h := launch(t, l, s)
	t.Cleanup(func() {
		env.api.ContainerRemove(context.Background(), h.id, client.ContainerRemoveOptions{Force: true})
	})
	if res := wait(t, h); res.ExitCode != 0 || res.Err != nil {
		t.Fatalf("result = %v (%v)", res, res.Err)
	}
	c, ok := inspect(t, h.id)
	if !ok {
		t.Fatal("the container was removed despite auto_remove: false")
	}
	if c.HostConfig.Memory != 64<<20 || c.HostConfig.CPUShares != 512 || !slices.Equal(c.HostConfig.ExtraHosts, []string{"db.internal:10.0.0.5"}) {
		t.Errorf("host config: memory %d, cpu shares %d, extra hosts %q; want 64m, 512 and db.internal",
			c.HostConfig.Memory, c.HostConfig.CPUShares, c.HostConfig.ExtraHosts)
	}
	if c.Config.Labels[LabelKeep] != "true" {
		t.Errorf("a kept container has labels %v, want %s=true", c.Config.Labels, LabelKeep)
	}

	// A bad host_config fails the launch before anything is created.
	s, _ = testSpec(imageProgram, "exit", "0")
	s.Labels["io.outpost.test.case"] = "bad-host-config-" + env.run
	s.HostConfig = decodeHostConfig(t, `{"mem_limit": "lots", "restart_policy": {"Name": "always"}}`)
	_, err := l.Launch(context.Background(), s)
	errorMentions(t, err, `"mem_limit"`, `"restart_policy"`)
	list, err := env.api.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", "io.outpost.test.case=bad-host-config-"+env.run)})
	if err != nil || len(list.Items) > 0 {
		t.Errorf("a refused launch left containers %v (%v)", list.Items, err)
	}
}

// TestPorts: the run config's ports are published on random host ports.
func TestPorts(t *testing.T) {
	t.Parallel()
	l := newLauncher(t, Options{})
	s, out := shell("echo ready; echo hello | " + imageBusybox + " nc -l -p 8080")
	s.Ports = []int{8080}
	h := launch(t, l, s)
	out.waitFor(t, "ready")
	c, _ := inspect(t, h.id)
	bindings := c.NetworkSettings.Ports[network.MustParsePort("8080/tcp")]
	if len(bindings) == 0 || bindings[0].HostPort == "" {
		t.Fatalf("port 8080 is published as %v, want a host port", c.NetworkSettings.Ports)
	}
	// The listener may not be up yet: until it is, the engine's proxy closes the
	// connection without a word.
	addr := net.JoinHostPort("127.0.0.1", bindings[0].HostPort)
	deadline := time.Now().Add(patience)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for got := ""; got != "hello\n"; <-tick.C {
		if time.Now().After(deadline) {
			t.Fatalf("never read %q from %s; last read %q", "hello\n", addr, got)
		}
		got = readAll(addr)
	}
	if res := wait(t, h); res.ExitCode != 0 {
		t.Errorf("result = %v, want exit code 0 once the listener served", res)
	}
}

func readAll(addr string) string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(conn)
	return string(b)
}

// TestNameConflict: a taken name gets -1, -2, ... as in Prefect.
func TestNameConflict(t *testing.T) {
	t.Parallel()
	l := newLauncher(t, Options{})
	name := "conflict-" + env.run
	var got []string
	for range 3 {
		s, out := testSpec(imageProgram, "sleep")
		s.RunName = name
		h := launch(t, l, s)
		out.waitFor(t, "ready")
		got = append(got, h.Name())
	}
	if want := []string{name, name + "-1", name + "-2"}; !slices.Equal(got, want) {
		t.Errorf("names = %q, want %q", got, want)
	}
}

// TestEntrypoint: an image's entrypoint takes the command as its arguments, and one
// that is an init process gets no second one.
func TestEntrypoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, entrypoint string
		init             bool
	}{
		{"program", "/usr/bin/flow", true},
		{"init", "/sbin/tini", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			image := "outpost-launcher-test-entrypoint-" + tt.name + ":" + env.run
			err := buildImage(context.Background(), image, map[string]string{
				"Dockerfile": fmt.Sprintf("FROM %s\nCOPY prog %s\nENTRYPOINT [%q]\n", env.image, tt.entrypoint, tt.entrypoint),
				"prog":       "@" + env.program,
			})
			if err != nil {
				t.Fatal(err)
			}
			l := newLauncher(t, Options{})
			s, out := testSpec("sleep") // "sleep" is no program: the entrypoint's argument
			s.Image = image
			h := launch(t, l, s)
			out.waitFor(t, "ready")
			c, _ := inspect(t, h.id)
			if c.HostConfig.Init == nil || *c.HostConfig.Init != tt.init {
				t.Errorf("init = %v, want %v", c.HostConfig.Init, tt.init)
			}
		})
	}
}

// TestWorkDirIsAFile: a working directory that is a file in the image fails the launch.
func TestWorkDirIsAFile(t *testing.T) {
	t.Parallel()
	s, _ := testSpec(imageProgram, "pwd")
	s.Dir = imageProgram
	_, err := newLauncher(t, Options{}).Launch(context.Background(), s)
	if !errors.Is(err, launcher.ErrWorkDirNotFound) {
		t.Errorf("Launch error %v is not ErrWorkDirNotFound", err)
	}
	errorMentions(t, err, `"`+imageProgram+`"`, "not a directory")
}

// TestUnreachable: an engine that does not answer fails New with its address and
// what to check.
func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	const sock = "/nonexistent/outpost/docker.sock"
	tests := []struct {
		name, host, dockerHost string
		want                   []string
	}{
		{"closed port", "tcp://" + closed, "", []string{closed, "daemon is running", "DOCKER_HOST"}},
		{"missing socket", "unix://" + sock, "", []string{sock, "docker group"}},
		{"DOCKER_HOST", "", "tcp://" + closed, []string{closed, "daemon is running"}},
		{"host option wins over DOCKER_HOST", "unix://" + sock, "tcp://" + closed, []string{sock}},
		{"not an address", "ftp://engine", "", []string{`"ftp://engine"`, "not valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", tt.dockerHost)
			ctx, cancel := context.WithTimeout(context.Background(), patience)
			defer cancel()
			l, err := New(ctx, Options{Host: tt.host, Timeout: 10 * time.Second})
			if err == nil {
				l.Close()
			}
			errorMentions(t, err, tt.want...)
		})
	}
}
