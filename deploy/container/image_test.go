package container

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestImageRuns runs both images: Outpost's own FROM scratch, its entrypoint taking
// the arguments, and the run image, given the whole command as the Docker agent does.
func TestImageRuns(t *testing.T) {
	tests := []struct {
		name     string
		image    string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
	}{
		{name: "version", image: env.image, args: []string{"version"}, wantOut: "outpost "},
		{name: "help lists the agent", image: env.image, args: []string{"--help"}, wantOut: "agent"},
		{name: "docker agent is there", image: env.image, args: []string{"agent", "docker", "start", "--help"}, wantOut: "--network"},
		{name: "unknown command", image: env.image, args: []string{"no-such-command"}, wantCode: 3, wantErr: "No help topic for 'no-such-command'"},
		{name: "run image finds outpost on PATH", image: env.runImg, args: []string{"outpost", "version"}, wantOut: "outpost "},
		{name: "run image has a shell", image: env.runImg, args: []string{"sh", "-c", "echo $HOME; id -u"}, wantOut: "/home/outpost\n65532\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--rm", "--network", "none", tt.image}, tt.args...)
			cmd := exec.CommandContext(t.Context(), "docker", args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Fatalf("docker run %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, tt.wantCode, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("docker run %s:\nstdout %q, want it to hold %q\nstderr %q, want it to hold %q",
					strings.Join(tt.args, " "), stdout.String(), tt.wantOut, stderr.String(), tt.wantErr)
			}
		})
	}
}

// imageConfig is what TestImageConfig reads of an image's configuration.
type imageConfig struct {
	User         string
	Entrypoint   []string
	Cmd          []string
	Env          []string
	WorkingDir   string
	ExposedPorts map[string]struct{}
	Labels       map[string]string
}

// TestImageConfig checks what users of the images rely on: the entrypoint (none in the
// run image), the non-root user, the home the server writes to, and the OCI labels.
func TestImageConfig(t *testing.T) {
	tests := []struct {
		image      string
		entrypoint []string
		ports      []string
	}{
		{image: env.image, entrypoint: []string{"/usr/local/bin/outpost"}, ports: []string{"4200/tcp"}},
		{image: env.runImg, entrypoint: nil, ports: nil},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			out, err := docker(t.Context(), "image", "inspect", "--format", "{{json .Config}}", tt.image)
			if err != nil {
				t.Fatal(err)
			}
			var cfg imageConfig
			if err := json.Unmarshal([]byte(out), &cfg); err != nil {
				t.Fatalf("image config %s: %v", out, err)
			}
			checks := []struct {
				what      string
				got, want any
			}{
				{"entrypoint", cfg.Entrypoint, tt.entrypoint},
				{"cmd", cfg.Cmd, []string(nil)},
				{"user", cfg.User, "65532:65532"},
				{"HOME set", slices.Contains(cfg.Env, "HOME=/home/outpost"), true},
				{"working dir", cfg.WorkingDir, "/home/outpost"},
				{"exposed ports", slices.Sorted(maps.Keys(cfg.ExposedPorts)), tt.ports},
				{"title label", cfg.Labels["org.opencontainers.image.title"], "outpost"},
				{"source label", cfg.Labels["org.opencontainers.image.source"], "https://github.com/outposthq/outpost"},
				{"version label set", cfg.Labels["org.opencontainers.image.version"] != "", true},
			}
			for _, c := range checks {
				if !cmp.Equal(c.got, c.want) {
					t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestImageFiles lists the filesystem of the image FROM scratch: the binary and the
// user's home, nothing else of the build context (the .dockerignore), owned as the
// Dockerfile says.
func TestImageFiles(t *testing.T) {
	ctx := t.Context()
	id, err := docker(ctx, "create", env.image)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = docker(ctx, "rm", "-f", id) })
	cmd := exec.CommandContext(ctx, "docker", "export", id)
	stream, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// What the engine adds to every container's filesystem is not the image's.
	engine := []string{".dockerenv", "dev/", "etc/", "proc/", "sys/"}
	got := map[string]string{}
	tr := tar.NewReader(stream)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading docker export: %v", err)
		}
		if !slices.ContainsFunc(engine, func(p string) bool { return strings.HasPrefix(h.Name, p) }) {
			got[h.Name] = fmt.Sprintf("%d:%d %s", h.Uid, h.Gid, h.FileInfo().Mode())
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("docker export: %v", err)
	}
	want := map[string]string{
		"usr/":                   "0:0 drwxr-xr-x",
		"usr/local/":             "0:0 drwxr-xr-x",
		"usr/local/bin/":         "0:0 drwxr-xr-x",
		"usr/local/bin/outpost":  "0:0 -rwxr-xr-x",
		"home/":                  "0:0 drwxr-xr-x",
		"home/outpost/":          "65532:65532 drwxr-xr-x",
		"home/outpost/.prefect/": "65532:65532 drwxr-xr-x",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the image's files (-want +got), beyond what the engine adds:\n%s", diff)
	}
}
