package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	"go.uber.org/goleak"

	"github.com/outposthq/outpost/launcher/launchertest"
)

// testLabel marks everything the tests create, with the test binary's own value, so
// that TestMain removes it all at the end, whatever a test left behind.
const testLabel = "io.outpost.test"

// Paths inside the test image.
const (
	imageProgram = "/outpost/testprog" // the conformance suite's program, alone in its dir
	imageBusybox = "/bin/busybox"      // for tests that need a shell; no applet links
	imageWorkDir = "/work"
	hostBusybox  = "/bin/busybox" // from Debian's busybox-static package
)

// testEnv is what TestMain prepares for every test of the binary; it does not change
// once the tests run.
type testEnv struct {
	run     string // this binary's value of testLabel
	image   string // the test image: FROM scratch, the test program and busybox
	program string // the test program on this host
	api     *client.Client
}

var env testEnv

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docker launcher tests:", err)
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "docker launcher tests: leaked goroutines:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func runTests(m *testing.M) (code int, err error) {
	ctx := context.Background()
	api, err := client.New(client.FromEnv)
	if err != nil {
		return 1, err
	}
	defer api.Close()
	env = testEnv{run: fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()), api: api}
	env.image = "outpost-launcher-test:" + env.run
	dir, err := os.MkdirTemp("", "outpost-docker-test")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	prog, err := launchertest.BuildProgramIn(dir)
	if err != nil {
		return 1, err
	}
	env.program = prog
	err = buildImage(ctx, env.image, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY testprog " + imageProgram + "\nCOPY busybox " + imageBusybox + "\nWORKDIR " + imageWorkDir + "\nWORKDIR /\n",
		"testprog":   "@" + prog,
		"busybox":    "@" + hostBusybox,
	})
	defer func() { err = errors.Join(err, sweep(context.Background())) }()
	if err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// buildImage builds an image tagged tag from files (name to content, or "@path" to copy
// a file of this host) through the engine, labelled with testLabel.
func buildImage(ctx context.Context, tag string, files map[string]string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range files {
		data := []byte(content)
		if len(content) > 0 && content[0] == '@' {
			b, err := os.ReadFile(content[1:])
			if err != nil {
				return fmt.Errorf("reading %s for the test image (install busybox-static for %s): %w", content[1:], hostBusybox, err)
			}
			data = b
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data))}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := env.api.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags:        []string{tag},
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{testLabel: env.run},
	})
	if err != nil {
		return fmt.Errorf("building image %s: %w", tag, err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	var log bytes.Buffer
	for {
		var msg jsonstream.Message
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("building image %s: %w", tag, err)
		}
		log.WriteString(msg.Stream)
		if msg.Error != nil {
			return fmt.Errorf("building image %s: %s\n%s", tag, msg.Error.Message, log.String())
		}
	}
}

// sweep removes every container, volume, network and image labelled by this binary or
// by its launchers' agent id.
func sweep(ctx context.Context) error {
	var errs []error
	for _, label := range []string{testLabel + "=" + env.run, LabelAgentID + "=" + testAgentID()} {
		errs = append(errs, sweepLabel(ctx, client.Filters{}.Add("label", label)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing what the tests created: %w", err)
	}
	return nil
}

func sweepLabel(ctx context.Context, f client.Filters) error {
	var errs []error
	containers, err := env.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	errs = append(errs, err)
	for _, c := range containers.Items {
		_, err := env.api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		errs = append(errs, err)
	}
	volumes, err := env.api.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	errs = append(errs, err)
	for _, v := range volumes.Items {
		_, err := env.api.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true})
		errs = append(errs, err)
	}
	networks, err := env.api.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	errs = append(errs, err)
	for _, n := range networks.Items {
		_, err := env.api.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		errs = append(errs, err)
	}
	images, err := env.api.ImageList(ctx, client.ImageListOptions{Filters: f})
	errs = append(errs, err)
	for _, img := range images.Items {
		_, err := env.api.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
