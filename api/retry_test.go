package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitRecorder is a Backoff that records what the real policy would wait, and waits 0.
type waitRecorder struct {
	policy func(min, max time.Duration, attempt int, resp *http.Response) time.Duration
	mu     sync.Mutex
	waits  []time.Duration
}

func (w *waitRecorder) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := w.policy(min, max, attempt, resp)
	w.mu.Lock()
	w.waits = append(w.waits, wait)
	w.mu.Unlock()
	return 0
}

func (w *waitRecorder) recorded() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.waits...)
}

// statuses answers the n-th request with codes[n] (the last code repeats); 200s carry a
// hello answer.
func statuses(codes ...int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, n int) {
		code := codes[min(n, len(codes)-1)]
		w.WriteHeader(code)
		if code == http.StatusOK {
			_, _ = io.WriteString(w, `{"data":{"hello":"hi"}}`)
			return
		}
		_, _ = io.WriteString(w, http.StatusText(code))
	}
}

func TestClientContractRetries(t *testing.T) {
	tests := []struct {
		name     string
		codes    []int
		retryMax int
		attempts int
		ok       bool
		text     string
	}{
		{"500 then success", []int{500, 200}, 6, 2, true, ""},
		{"502, 503, 504 then success", []int{502, 503, 504, 200}, 6, 4, true, ""},
		{"429 then success", []int{429, 200}, 6, 2, true, ""},
		{"503 until the cap", []int{503}, 3, 4, false, "HTTP 503 Service Unavailable after 4 attempts"},
		{"500 until the cap", []int{500}, 2, 3, false, "HTTP 500 Internal Server Error after 3 attempts"},
		{"429 until the cap", []int{429}, 2, 3, false, "HTTP 429 Too Many Requests after 3 attempts"},
		{"retries disabled", []int{503, 200}, -1, 1, false, "HTTP 503"},
		{"400 is final", []int{400, 200}, 6, 1, false, "HTTP 400"},
		{"401 is final", []int{401, 200}, 6, 1, false, "HTTP 401"},
		{"403 is final", []int{403, 200}, 6, 1, false, "HTTP 403"},
		{"404 is final", []int{404, 200}, 6, 1, false, "HTTP 404"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, statuses(tc.codes...))
			c := newTestClient(t, b.URL, func(o *Options) { o.RetryMax = tc.retryMax })
			_, err := c.Hello(context.Background())
			if n := len(b.requests()); n != tc.attempts {
				t.Errorf("server saw %d attempts, want %d", n, tc.attempts)
			}
			if tc.ok {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			var terr *TransportError
			if !errors.As(err, &terr) {
				t.Fatalf("want a TransportError, got %v", err)
			}
			if terr.URL != b.URL || terr.Op != "hello" {
				t.Errorf("TransportError names %q / %q", terr.URL, terr.Op)
			}
			if !strings.Contains(err.Error(), b.URL) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q should name %s and say %q", err, b.URL, tc.text)
			}
		})
	}
}

func TestRetriesOnConnectionClosedMidRequest(t *testing.T) {
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			conn.Close() // the request was read; no answer comes
			return
		}
		reply(`{"data":{"hello":"hi"}}`)(w, r, n)
	})
	got, err := newTestClient(t, b.URL).Hello(context.Background())
	if err != nil || got != "hi" {
		t.Fatalf("Hello = %q, %v", got, err)
	}
	if n := len(b.requests()); n != 3 {
		t.Errorf("server saw %d attempts, want 3", n)
	}
}

func TestRetriesOnRefusedConnectionThenGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more

	rec := &waitRecorder{policy: DefaultBackoff(time.Now, time.Minute)}
	c := newTestClient(t, url, func(o *Options) { o.RetryMax = 3; o.Backoff = rec.backoff })
	_, err = c.Hello(context.Background())
	var terr *TransportError
	if !errors.As(err, &terr) || terr.URL != url {
		t.Fatalf("want a TransportError for %s, got %v", url, err)
	}
	if !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("error %q should name the URL and the attempts", err)
	}
	if n := len(rec.recorded()); n != 3 {
		t.Errorf("waited %d times, want 3 retries", n)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		limit      time.Duration
		want       time.Duration
	}{
		{"429 with seconds", 429, "2", time.Hour, 2 * time.Second},
		{"429 with an HTTP date", 429, now.Add(7 * time.Second).Format(http.TimeFormat), time.Hour, 7 * time.Second},
		{"503 with seconds", 503, "1", time.Hour, time.Second},
		{"429 asking too much is capped", 429, "3600", time.Minute, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(tc.status)
					return
				}
				reply(`{"data":{"hello":"hi"}}`)(w, r, n)
			})
			rec := &waitRecorder{policy: DefaultBackoff(func() time.Time { return now }, tc.limit)}
			c := newTestClient(t, b.URL, func(o *Options) { o.Backoff = rec.backoff })
			if _, err := c.Hello(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := rec.recorded(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", got, tc.want)
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	backoff := DefaultBackoff(func() time.Time { return now }, 3*time.Minute)
	answer := func(code int, retryAfter string) *http.Response {
		resp := &http.Response{StatusCode: code, Header: http.Header{}}
		if retryAfter != "" {
			resp.Header.Set("Retry-After", retryAfter)
		}
		return resp
	}
	tests := []struct {
		name     string
		attempt  int
		resp     *http.Response
		min, max time.Duration // the wait must fall within
	}{
		{"first retry", 0, nil, 500 * time.Millisecond, time.Second},
		{"grows exponentially", 3, answer(500, ""), 4 * time.Second, 8 * time.Second},
		{"capped", 20, answer(502, ""), 15 * time.Second, 30 * time.Second},
		{"Retry-After seconds", 0, answer(429, "12"), 12 * time.Second, 12 * time.Second},
		{"Retry-After date", 0, answer(503, now.Add(90*time.Second).Format(http.TimeFormat)), 90 * time.Second, 90 * time.Second},
		{"Retry-After in the past", 2, answer(429, now.Add(-time.Hour).Format(http.TimeFormat)), 0, 0},
		{"Retry-After capped", 0, answer(429, "86400"), 3 * time.Minute, 3 * time.Minute},
		{"Retry-After unreadable", 1, answer(429, "soon"), time.Second, 2 * time.Second},
		{"Retry-After negative", 1, answer(429, "-5"), time.Second, 2 * time.Second},
		{"Retry-After ignored on 500", 1, answer(500, "60"), time.Second, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 50 { // jitter: every draw must stay in range
				got := backoff(time.Second, 30*time.Second, tc.attempt, tc.resp)
				if got < tc.min || got > tc.max {
					t.Fatalf("wait %v, want within [%v, %v]", got, tc.min, tc.max)
				}
			}
		})
	}
}

// Cancelling the context ends a retry loop at once, even mid-wait.
func TestContextCancellationStopsRetryWait(t *testing.T) {
	b := newBackend(t, statuses(503))
	waiting := make(chan struct{}, 1)
	c := newTestClient(t, b.URL, func(o *Options) {
		o.Backoff = func(time.Duration, time.Duration, int, *http.Response) time.Duration {
			select {
			case waiting <- struct{}{}:
			default:
			}
			return time.Hour
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Hello(ctx); done <- err }()

	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("the client never started waiting to retry")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("want context.Canceled, got %v", err)
		}
		var terr *TransportError
		if !errors.As(err, &terr) || terr.URL != b.URL {
			t.Errorf("want a TransportError naming %s, got %v", b.URL, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call kept waiting after its context was cancelled")
	}
	if n := len(b.requests()); n != 1 {
		t.Errorf("server saw %d attempts, want 1", n)
	}
}

// Cancelling the context ends a request the backend is still working on.
func TestContextCancellationStopsRequestInFlight(t *testing.T) {
	arrived := make(chan struct{})
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := newTestClient(t, b.URL).Hello(ctx); done <- err }()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never arrived")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("want context.Canceled, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return after its context was cancelled")
	}
}

func TestRequestTimeoutFromOptions(t *testing.T) {
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() })
	c := newTestClient(t, b.URL, func(o *Options) { o.Timeout = 50 * time.Millisecond; o.RetryMax = -1 })
	_, err := c.Hello(context.Background())
	var nerr net.Error
	if !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Fatalf("want a timeout, got %v", err)
	}
	if !strings.Contains(err.Error(), b.URL) {
		t.Errorf("error %q does not name %s", err, b.URL)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 30 ", 30 * time.Second, true},
		{strconv.Itoa(1 << 40), 24 * time.Hour, true},
		{"Wed, 01 May 2024 12:00:05 GMT", 5 * time.Second, true},
		{"Wednesday, 01-May-24 12:00:05 GMT", 5 * time.Second, true},
		{"tomorrow", 0, false},
	}
	for _, tc := range tests {
		got, ok := retryAfter(tc.header, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}
