package harness

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

// Metrics reads the agent's /metrics.
type Metrics struct {
	url    string
	client *http.Client
}

func NewMetrics(agentURL string) Metrics {
	return Metrics{url: agentURL + "/metrics", client: &http.Client{Timeout: 5 * time.Second}}
}

// Sample is one scrape: each unlabelled series by name.
type Sample map[string]float64

func (s Sample) Polls() int    { return int(s[metricPolls]) }
func (s Sample) Running() int  { return int(s[metricRunning]) }
func (s Sample) Finished() int { return int(s[metricSucceeded] + s[metricFailed] + s[metricCancelled]) }

// Scrape reads the Prometheus text format, keeping the series without labels, which
// are all the harness needs.
func (m Metrics) Scrape(ctx context.Context) (Sample, error) {
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
	s := Sample{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			s[name] = v
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

// WaitUntil scrapes every interval until cond holds for a Sample, and returns that
// Sample. alive fails the wait when the agent has gone.
func (m Metrics) WaitUntil(ctx context.Context, deadline, interval time.Duration, what string, alive func() error, cond func(Sample) bool) (Sample, error) {
	var last Sample
	err := WaitFor(ctx, deadline, interval, what, func() (bool, error) {
		if err := alive(); err != nil {
			return false, err
		}
		s, err := m.Scrape(ctx)
		if err != nil {
			return false, err
		}
		last = s
		return cond(s), nil
	})
	return last, err
}
