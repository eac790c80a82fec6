package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/secrets"
	"github.com/outposthq/outpost/server"
)

// testBackend is a real embedded backend on loopback, with SQLite under a temp home.
type testBackend struct {
	url    string
	env    []string    // the environment for Main: HOME, the backend's URL and key
	client *api.Client // for setting up and checking what the commands did
}

const testAdminKey = "cli-test-admin-key-0123456789abcdef"

func startBackend(t *testing.T) testBackend {
	t.Helper()
	home := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Options{
		Home:     filepath.Join(home, ".prefect"),
		AdminKey: testAdminKey,
		Env:      func(string) string { return "" },
	})
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("server.New: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	url := "http://" + ln.Addr().String()
	client, err := api.New(api.Options{URL: url, Key: secrets.NewValue(testAdminKey), RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	return testBackend{
		url:    url,
		env:    []string{"HOME=" + home, "PREFECT__CLOUD__API=" + url, "PREFECT__CLOUD__API_KEY=" + testAdminKey},
		client: client,
	}
}

// mainResult is one in-process run of the CLI.
type mainResult struct {
	code           int
	stdout, stderr string
}

// runMain runs the CLI in-process with env and stdin.
func runMain(env []string, stdin io.Reader, args ...string) mainResult {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb bytes.Buffer
	code := Main(append([]string{"outpost"}, args...), IO{In: stdin, Out: &out, Err: &errb}, env)
	return mainResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustRun runs the CLI and fails the test unless it exits 0; it returns trimmed stdout.
func (b testBackend) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := runMain(b.env, nil, args...)
	if r.code != 0 {
		t.Fatalf("outpost %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}
