package agent

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const metricsNamespace = "outpost_agent"

// metrics are the agent's Prometheus collectors.
type metrics struct {
	polls          prometheus.Counter
	pollErrors     prometheus.Counter
	runsSubmitted  prometheus.Counter
	claimConflicts prometheus.Counter
	runsSucceeded  prometheus.Counter
	runsFailed     prometheus.Counter
	runsCancelled  prometheus.Counter
	runsRunning    prometheus.Gauge
	launchLatency  prometheus.Histogram

	handler http.Handler // serves /metrics
}

// newMetrics registers the collectors with reg (a private registry when nil).
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: metricsNamespace, Name: name, Help: help})
	}
	m := &metrics{
		polls:          counter("polls_total", "Polls for flow runs that are due."),
		pollErrors:     counter("poll_errors_total", "Polls that failed because the backend did not answer or refused."),
		runsSubmitted:  counter("runs_submitted_total", "Flow runs this agent claimed (set Submitted)."),
		claimConflicts: counter("claim_conflicts_total", "Claims lost to another agent; normal when several agents share a queue."),
		runsSucceeded:  counter("runs_succeeded_total", "Flow runs this agent ran that finished in a successful state."),
		runsFailed:     counter("runs_failed_total", "Flow runs this agent ran or tried to run that finished Failed."),
		runsCancelled:  counter("runs_cancelled_total", "Flow runs this agent ran that finished Cancelled."),
		runsRunning: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: metricsNamespace, Name: "runs_running",
			Help: "Flow-run processes running now."}),
		launchLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: metricsNamespace, Name: "launch_latency_seconds",
			Help:    "Time from a flow run's scheduled start to its process running.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
	}
	private := prometheus.NewRegistry()
	if reg == nil {
		reg = private
	}
	collectors := []prometheus.Collector{m.polls, m.pollErrors, m.runsSubmitted, m.claimConflicts,
		m.runsSucceeded, m.runsFailed, m.runsCancelled, m.runsRunning, m.launchLatency}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("agent: register metrics (is another agent using the same registry?): %w", err)
		}
	}
	gatherer, ok := reg.(prometheus.Gatherer)
	if !ok {
		// Serve at least the agent's own metrics.
		private.MustRegister(collectors...)
		gatherer = private
	}
	m.handler = promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})
	return m, nil
}

// countFinal counts a run that reached a finished state.
func (m *metrics) countFinal(state string) {
	switch state {
	case "Cancelled":
		m.runsCancelled.Inc()
	case "Failed", "TimedOut", "TriggerFailed", "ValidationFailed":
		m.runsFailed.Inc()
	default:
		m.runsSucceeded.Inc()
	}
}
