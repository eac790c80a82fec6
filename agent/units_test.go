package agent

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/outposthq/outpost/api"
)

func TestListenAddress(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		addr, want string
		ok         bool
	}{
		{"http://127.0.0.1:8080", "127.0.0.1:8080", true},
		{"http://:8080", ":8080", true},
		{"http://localhost:0", "localhost:0", true},
		{"http://[::1]:9000", "[::1]:9000", true},
		{"127.0.0.1:8080", "", false},
		{"localhost:8080", "", false},
		{"http://127.0.0.1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := listenAddress(tt.addr)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("listenAddress(%q) = %q, %v; want %q, ok %v", tt.addr, got, err, tt.want, tt.ok)
		}
	}
}

func TestPySeconds(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{250 * time.Millisecond, "0.25"},
		{time.Second, "1.0"},
		{10 * time.Second, "10.0"},
		{1100 * time.Millisecond, "1.1"},
		{1234567 * time.Microsecond, "1.235"},
	}
	for _, tt := range tests {
		if got := pySeconds(tt.d); got != tt.want {
			t.Errorf("pySeconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestLineWriter(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name   string
		writes []string
		want   string // after Close
	}{
		{"whole lines", []string{"a\nb\n"}, "[r] a\n[r] b\n"},
		{"split line", []string{"hel", "lo\nwor", "ld\n"}, "[r] hello\n[r] world\n"},
		{"partial last line", []string{"done\nno newline"}, "[r] done\n[r] no newline\n"},
		{"empty lines", []string{"\n\n"}, "[r] \n[r] \n"},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := &lineWriter{out: &out, mu: &sync.Mutex{}, prefix: []byte("[r] ")}
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("output = %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// A slot is keyed by run id, bounded by the limit, and given back exactly once.
func TestRunSetSlots(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newRunSet(2)
	a, ok := s.acquire(api.FlowRunMeta{ID: "a"})
	if !ok {
		t.Fatal("first slot refused")
	}
	if _, ok := s.acquire(api.FlowRunMeta{ID: "a"}); ok {
		t.Error("a run in flight got a second slot")
	}
	if _, ok := s.acquire(api.FlowRunMeta{ID: "b"}); !ok {
		t.Error("second slot refused")
	}
	if _, ok := s.acquire(api.FlowRunMeta{ID: "c"}); ok {
		t.Error("a third run got a slot with a limit of 2")
	}
	if wanted := s.release(a); !wanted {
		t.Error("release did not report the run left waiting for a slot")
	}
	if wanted := s.release(a); wanted {
		t.Error("a second release of the same run did something")
	}
	if n, _ := s.count(); n != 1 {
		t.Errorf("runs in flight = %d, want 1", n)
	}
	again, ok := s.acquire(api.FlowRunMeta{ID: "a"})
	if !ok {
		t.Fatal("slot not given back")
	}
	s.release(a) // a stale release must not free the new holder's slot
	if n, _ := s.count(); n != 2 || !s.ids()["a"] {
		t.Errorf("a stale release freed the slot of run a's new attempt")
	}
	s.release(again)
}

func TestRetryDelay(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := &Agent{deps: Deps{Rand: func() float64 { return 0.5 }}}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := a.retryDelay(i+1, time.Second, 30*time.Second); got != w {
			t.Errorf("retryDelay(%d) = %v, want %v", i+1, got, w)
		}
	}
	for _, r := range []float64{0, 0.999} {
		a.deps.Rand = func() float64 { return r }
		if got := a.jitter(10 * time.Second); got < 8*time.Second || got > 12*time.Second {
			t.Errorf("jitter(10s) with rand %v = %v, want within ±20%%", r, got)
		}
	}
}

// sortByStart puts runs in start-time order; a run without a start time counts as now.
func TestSortByStart(t *testing.T) {
	defer goleak.VerifyNone(t)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	state := func(start time.Time) []byte {
		b, err := api.Scheduled(start).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	runs := []api.FlowRunMeta{
		{ID: "late", SerializedState: state(now.Add(time.Minute))},
		{ID: "none"},
		{ID: "early", SerializedState: state(now.Add(-time.Minute))},
	}
	sortByStart(runs, now)
	var got []string
	for _, r := range runs {
		got = append(got, r.ID)
	}
	if want := []string{"early", "none", "late"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestFlowRunGraceInsideTheAgents(t *testing.T) {
	for _, tc := range []struct{ agent, want time.Duration }{
		{10 * time.Second, 8 * time.Second},
		{2 * time.Second, time.Second},
		{time.Minute, 58 * time.Second},
		{0, 0},
	} {
		if got := flowRunGrace(tc.agent); got != tc.want {
			t.Errorf("flowRunGrace(%s) = %s, want %s", tc.agent, got, tc.want)
		}
	}
}
