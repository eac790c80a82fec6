package agent_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/launcher/docker"
)

// The Docker tests run flow runs in containers of an image built FROM scratch: the
// static outpost binary (the runs' `outpost execute flow-run`) and busybox, from
// Debian's busybox-static, as sh and a few commands. Runs share the host's network,
// so they reach the backend on 127.0.0.1, and a directory of the test's as /gate.
const (
	testImageLabel = "io.outpost.agent-test"
	hostBusybox    = "/bin/busybox"
	gateDir        = "/gate"
)

// busyboxApplets are the commands the runs' scripts use, linked to busybox.
var busyboxApplets = []string{"sh", "env", "cat", "sleep"}

// TestMain removes the Docker tests' image once every test is over.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := removeTestImages(); err != nil {
		fmt.Fprintln(os.Stderr, "agent tests:", err)
		code = 1
	}
	os.Exit(code)
}

// testRun tells this test binary's images from those of others running at once.
var testRun = fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())

// testImage builds the image once, on first use.
var testImage = sync.OnceValues(buildTestImage)

// dockerImage returns the tests' image, building it first if need be.
func dockerImage(t *testing.T) string {
	t.Helper()
	tag, err := testImage()
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func engineClient() (*client.Client, error) { return client.New(client.FromEnv) }

func buildTestImage() (string, error) {
	dir, err := os.MkdirTemp("", "outpost-agent-image")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	exe := filepath.Join(dir, "outpost")
	build := exec.Command("go", "build", "-o", exe, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the static outpost binary for the test image: %v\n%s", err, out)
	}
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	add := func(h *tar.Header, data []byte) error {
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	files := map[string]string{"rootfs/bin/outpost": exe, "rootfs/bin/busybox": hostBusybox}
	for name, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			return "", fmt.Errorf("reading %s for the test image (busybox comes from Debian's busybox-static): %w", src, err)
		}
		if err := add(&tar.Header{Name: name, Mode: 0o755}, data); err != nil {
			return "", err
		}
	}
	for _, applet := range busyboxApplets {
		if err := add(&tar.Header{Name: "rootfs/bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}, nil); err != nil {
			return "", err
		}
	}
	if err := add(&tar.Header{Name: "rootfs/tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, nil); err != nil {
		return "", err
	}
	if err := add(&tar.Header{Name: "Dockerfile", Mode: 0o644}, []byte("FROM scratch\nCOPY rootfs/ /\nENV HOME=/tmp\n")); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}

	api, err := engineClient()
	if err != nil {
		return "", err
	}
	defer api.Close()
	tag := "outpost-agent-test:" + testRun
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := api.ImageBuild(ctx, &ctxTar, client.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true, Labels: map[string]string{testImageLabel: testRun},
	})
	if err != nil {
		return "", fmt.Errorf("building image %s: %w", tag, err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var msg jsonstream.Message
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return tag, nil
		} else if err != nil {
			return "", fmt.Errorf("building image %s: %w", tag, err)
		}
		if msg.Error != nil {
			return "", fmt.Errorf("building image %s: %s", tag, msg.Error.Message)
		}
	}
}

// removeTestImages removes the images this binary built, if any.
func removeTestImages() error {
	api, err := engineClient()
	if err != nil {
		return err
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	images, err := api.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", testImageLabel+"="+testRun)})
	if err != nil {
		return err
	}
	var errs []error
	for _, img := range images.Items {
		_, err := api.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// inDocker makes the agent a Docker agent with the real Docker launcher: runs on the
// host's network, the test image as default image, dir shared with runs as /gate. The
// launcher labels containers with the agent's OwnerID, so a second agent of the same
// name and backend adopts them. What the agent leaves is removed when the test ends.
func inDocker(t *testing.T, dir string) agentOption {
	return func(c *agent.Config, d *agent.Deps) {
		owner := agent.OwnerID(c.Name, c.APIURL)
		c.Type = agent.TypeDocker
		c.DefaultImage = dockerImage(t)
		c.Networks = []string{"host"}
		d.Launcher = newDockerLauncher(t, owner, dir)
	}
}

// newDockerLauncher returns a Docker launcher for owner, closed when the test ends once
// the containers of owner are removed.
func newDockerLauncher(t *testing.T, owner, dir string) *docker.Launcher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	l, err := docker.New(ctx, docker.Options{
		AgentID:      owner,
		Networks:     []string{"host"},
		Volumes:      []string{dir + ":" + gateDir},
		DockerConfig: filepath.Join(t.TempDir(), "no-credentials.json"),
	})
	if err != nil {
		t.Fatalf("docker.New: %v", err)
	}
	t.Cleanup(func() {
		removeContainers(t, owner)
		l.Close()
	})
	return l
}

// containersOf lists the containers labelled with owner, running or not.
func containersOf(t *testing.T, owner string) []container.Summary {
	t.Helper()
	api, err := engineClient()
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	list, err := api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", docker.LabelAgentID+"="+owner)})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// removeContainers removes what a test left of owner's.
func removeContainers(t *testing.T, owner string) {
	api, err := engineClient()
	if err != nil {
		t.Error(err)
		return
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for _, c := range containersOf(t, owner) {
		if _, err := api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			t.Errorf("removing container %s: %v", c.ID, err)
		}
	}
}

// containerOf returns the id of the container of run id, or "" when it has none.
func containerOf(t *testing.T, owner, runID string) string {
	t.Helper()
	for _, c := range containersOf(t, owner) {
		if c.Labels[docker.LabelFlowRunID] == runID {
			return c.ID
		}
	}
	return ""
}

// dockerRun is a DockerRun run config with this env.
func dockerRun(env map[string]any) map[string]any {
	return map[string]any{"type": "DockerRun", "env": env}
}

// shellStorage is native storage whose command is script run by sh.
func shellStorage(script string, secretNames ...string) map[string]any {
	s := map[string]any{"type": "Script", "argv": []string{"sh", "-c", script}}
	if len(secretNames) > 0 {
		s["secrets"] = secretNames
	}
	return s
}
