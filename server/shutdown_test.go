package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Cancelling Serve's context stops the server cleanly: requests in flight finish,
// long polls are released, background services end, and no goroutine is left behind.
func TestGracefulShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		dsn := e.dsn(t) // the database server, if any, predates the check
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

		srv, err := New(t.Context(), Options{Host: "127.0.0.1", Database: dsn, Home: t.TempDir(), Env: envOf(nil)})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, ln) }()

		transport := &http.Transport{}
		client := &http.Client{Transport: transport}
		resp, err := client.Get("http://" + ln.Addr().String() + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()

		waiting := make(chan error, 1)
		go func() {
			_, err := srv.Notifier().Wait(context.Background(), srv.tenant.ID, srv.Notifier().Seq(srv.tenant.ID))
			waiting <- err
		}()

		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Fatalf("Serve after cancel = %v, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Serve did not return after its context was cancelled")
		}
		if err := <-waiting; !errors.Is(err, ErrNotifierClosed) {
			t.Fatalf("long poll across shutdown = %v, want ErrNotifierClosed", err)
		}
		if _, err := client.Get("http://" + ln.Addr().String() + "/health"); err == nil {
			t.Fatal("the server still answers after shutdown")
		}
		transport.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if err := srv.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
	})
}
