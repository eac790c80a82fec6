package docker

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/moby/moby/client"
	"go.uber.org/zap"
)

// TestPing: a launcher whose engine answers pings fine; one whose engine went away
// says where it looked and what to check.
func TestPing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := newLauncher(t, Options{}).Ping(ctx); err != nil {
		t.Errorf("Ping of a running engine: %v", err)
	}

	// A socket nobody serves any more: the engine is gone.
	sock := filepath.Join(t.TempDir(), "gone.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	api, err := client.New(client.WithHost("unix://" + sock))
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	gone := &Launcher{api: api, opts: Options{Timeout: DefaultTimeout}, log: zap.NewNop()}
	errorMentions(t, gone.Ping(ctx), "cannot reach the Docker engine at unix://"+sock, "daemon is running")
}
