package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/outposthq/outpost/secrets"
)

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Sync() error { return nil }

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// debugLogger writes every entry, at debug and above, through both a JSON and a console
// encoder, and into an observer.
func debugLogger(sink *lockedBuffer) (*zap.Logger, *observer.ObservedLogs) {
	enc := zap.NewDevelopmentEncoderConfig()
	obsCore, logs := observer.New(zapcore.DebugLevel)
	core := zapcore.NewTee(
		zapcore.NewCore(zapcore.NewJSONEncoder(enc), sink, zapcore.DebugLevel),
		zapcore.NewCore(zapcore.NewConsoleEncoder(enc), sink, zapcore.DebugLevel),
		obsCore,
	)
	return zap.New(core), logs
}

// The API key is sent, yet appears in no log line and no error: not while retrying,
// not when the backend echoes it back, not when the network fails. Nor does a secret
// value being stored.
func TestKeyNeverInLogsOrErrors(t *testing.T) {
	const setValue = "hunter2-very-secret"
	script := []func(w http.ResponseWriter, auth, body string){
		func(w http.ResponseWriter, auth, body string) { // set_secret: a 502 echoing everything
			w.WriteHeader(http.StatusBadGateway)
			_, _ = fmt.Fprintf(w, "bad gateway for %s: %s", auth, body)
		},
		func(w http.ResponseWriter, _, _ string) { // retried: a 429, the last try
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		},
		func(w http.ResponseWriter, auth, _ string) { // hello: a GraphQL error quoting the key
			_, _ = fmt.Fprintf(w, `{"errors":[{"message":"bad key %s","extensions":{"code":"UNAUTHENTICATED"}}]}`, strings.TrimPrefix(auth, "Bearer "))
		},
		func(w http.ResponseWriter, auth, _ string) { // hello without retries: a 502 echoing the header
			w.WriteHeader(http.StatusBadGateway)
			_, _ = fmt.Fprintf(w, "bad gateway for %s", auth)
		},
		func(w http.ResponseWriter, _, _ string) { w.WriteHeader(http.StatusInternalServerError) }, // hello: retried
		func(w http.ResponseWriter, _, _ string) { _, _ = io.WriteString(w, `{"data":{"hello":"hi"}}`) },
	}
	var mu sync.Mutex
	var auths []string
	srv := newBackend(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		script[min(n, len(script)-1)](w, r.Header.Get("Authorization"), "")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String()
	ln.Close()

	sink := &lockedBuffer{}
	logger, observed := debugLogger(sink)
	withKey := func(o *Options) { o.Key = secrets.NewValue(exKey); o.TenantID = exTenantID; o.Logger = logger }
	live := newTestClient(t, srv.URL, withKey, func(o *Options) { o.RetryMax = 1 })
	once := newTestClient(t, srv.URL, withKey, func(o *Options) { o.RetryMax = -1 })
	dead := newTestClient(t, deadURL, withKey, func(o *Options) { o.RetryMax = 2 })

	ctx := context.Background()
	hello := func(c *Client) error { _, err := c.Hello(ctx); return err }
	errs := []error{
		live.SetSecret(ctx, "X", secrets.NewValue(setValue)),
		hello(live),
		hello(once),
	}
	if err := hello(live); err != nil {
		t.Fatalf("retried hello: %v", err)
	}
	errs = append(errs, hello(dead))

	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d should have failed", i)
		}
		all := fmt.Sprintf("%v %+v %#v", err, err, err)
		if strings.Contains(all, exKey) || strings.Contains(all, setValue) {
			t.Errorf("error holds a secret: %v", err)
		}
	}
	if !strings.Contains(errs[2].Error(), "bad gateway for Bearer "+secrets.Redacted) {
		t.Errorf("the echoed body should stay in the error, redacted: %v", errs[2])
	}
	mu.Lock()
	if len(auths) != len(script) || auths[0] != "Bearer "+exKey {
		t.Fatalf("the key was not sent as expected (%d requests), so this test proves nothing", len(auths))
	}
	mu.Unlock()

	text := sink.String()
	if !strings.Contains(text, "retrying request") || !strings.Contains(text, "graphql request") || observed.Len() == 0 {
		t.Fatalf("debug logs were not captured, so this test proves nothing:\n%s", text)
	}
	for _, secret := range []string{exKey, setValue} {
		if strings.Contains(text, secret) {
			t.Errorf("a log line holds %q:\n%s", secret, text)
		}
	}
	for _, entry := range observed.All() {
		if line := fmt.Sprintf("%s %v", entry.Message, entry.ContextMap()); strings.Contains(line, exKey) {
			t.Errorf("log entry holds the key: %s", line)
		}
	}
	// Printing the client, as a debugging user might, must not show the key either.
	if s := fmt.Sprintf("%v %+v %#v", *live, live, *live); strings.Contains(s, exKey) {
		t.Errorf("printing the client shows the key: %s", s)
	}
}
