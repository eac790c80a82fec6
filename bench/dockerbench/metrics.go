package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The agent's series the harness reads (agent/metrics.go).
const (
	metricPolls     = "outpost_agent_polls_total"
	metricRunning   = "outpost_agent_runs_running"
	metricSucceeded = "outpost_agent_runs_succeeded_total"
	metricFailed    = "outpost_agent_runs_failed_total"
	metricCancelled = "outpost_agent_runs_cancelled_total"
)

// agentMetrics reads the agent's /metrics, to know when it polls and when it is done
// with a run, instead of guessing with sleeps.
type agentMetrics struct {
	url    string
	client *http.Client
}

func newAgentMetrics(agentURL string) agentMetrics {
	return agentMetrics{url: agentURL + "/metrics", client: &http.Client{Timeout: 5 * time.Second}}
}

// sample is one scrape: each unlabelled series by name.
type sample map[string]float64

func (s sample) polls() int    { return int(s[metricPolls]) }
func (s sample) running() int  { return int(s[metricRunning]) }
func (s sample) finished() int { return int(s[metricSucceeded] + s[metricFailed] + s[metricCancelled]) }

// scrape reads the Prometheus text format, keeping the series without labels.
func (m agentMetrics) scrape(ctx context.Context) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the agent's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the agent's metrics: %s answered %s", m.url, resp.Status)
	}
	s := sample{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		if name, value, ok := strings.Cut(line, " "); ok {
			if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
				s[name] = v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the agent's metrics: %w", err)
	}
	if _, ok := s[metricPolls]; !ok {
		return nil, fmt.Errorf("the agent's metrics at %s have no %s: has the agent renamed it?", m.url, metricPolls)
	}
	return s, nil
}

// waitUntil scrapes every interval until cond holds. alive fails the wait when the
// agent has gone.
func (m agentMetrics) waitUntil(ctx context.Context, deadline, interval time.Duration, what string, alive func() error, cond func(sample) bool) error {
	return waitFor(ctx, deadline, interval, what, func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		s, err := m.scrape(ctx)
		if err != nil {
			return false, err
		}
		return cond(s), nil
	})
}
