package harness

import (
	"context"
	"path/filepath"
	"time"
)

// Launch starts the outpost server and agent as users run them, on loopback ports.
type Launch struct {
	Bin      string   // the outpost binary
	Env      []string // exactly the environment of both processes
	LogDir   string   // where server.log and agent.log go
	Deadline time.Duration
	Say      func(string, ...any)
}

// Server runs `outpost server start` on a free port and waits until it answers. The
// process is returned also with an error, for the caller to stop it.
func (l Launch) Server(ctx context.Context) (p *Proc, apiURL string, err error) {
	port, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	apiURL = "http://127.0.0.1:" + port
	l.Say("starting outpost server start on %s", apiURL)
	p, err = StartProc("server", l.Bin, []string{"server", "start", "--host", "127.0.0.1", "--port", port},
		l.Env, filepath.Join(l.LogDir, "server.log"))
	if err != nil {
		return nil, "", err
	}
	return p, apiURL, WaitHTTP(ctx, p, apiURL+"/health", l.Deadline)
}

// Agent runs `outpost agent <kind> start` against apiURL with no limit on runs at
// once, its metrics on a free port, and waits for its first poll: then it is
// registered and polling. The process is returned also with an error, for the caller
// to stop it.
func (l Launch) Agent(ctx context.Context, kind, apiURL string, flags ...string) (*Proc, Metrics, error) {
	port, err := FreePort()
	if err != nil {
		return nil, Metrics{}, err
	}
	agentURL := "http://127.0.0.1:" + port
	l.Say("starting outpost agent %s start (metrics on %s)", kind, agentURL)
	args := append([]string{"agent", kind, "start",
		"--api", apiURL, "--no-hostname-label", "--concurrency", "0", "--agent-address", agentURL}, flags...)
	p, err := StartProc("agent", l.Bin, args, l.Env, filepath.Join(l.LogDir, "agent.log"))
	if err != nil {
		return nil, Metrics{}, err
	}
	m := NewMetrics(agentURL)
	if err := WaitHTTP(ctx, p, agentURL+"/api/health", l.Deadline); err != nil {
		return p, m, err
	}
	_, err = m.WaitUntil(ctx, l.Deadline, 20*time.Millisecond, "the agent's first poll", p.Alive,
		func(s Sample) bool { return s.Polls() >= 1 })
	return p, m, err
}
