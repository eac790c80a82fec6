package agent_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A backend outage in the middle of a run never stops the agent: polls fail and are
// counted, health turns 503, the run's Failed state waits in the outbox, and it is
// delivered once the backend is back.
func TestBackendOutageMidRun(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	p := startProxy(t, b)
	ta := startAgent(t, b, p.url)
	release := newGate(t, ta.out, "release")
	id := b.run(t, b.flow(t, scriptStorage()), localRun(`read code < "$TEST_GATE"; exit $code`, map[string]any{"TEST_GATE": release.path}), nil)
	ta.poke()
	ta.waitLog("Completed deployment of flow run " + id)
	if status, body := ta.get(http.MethodGet, "/api/health"); status != http.StatusOK || body != "{}" {
		t.Fatalf("health before the outage = %d %s, want 200 {}", status, body)
	}

	p.down.Store(true)
	for i := 1; i <= 3; i++ {
		ta.poke()
		ta.waitLogs("Failed to query for ready flow runs", i)
	}
	status, body := ta.get(http.MethodGet, "/api/health")
	var health struct{ Status, Reason string }
	if err := json.Unmarshal([]byte(body), &health); err != nil || status != http.StatusServiceUnavailable ||
		!strings.Contains(health.Reason, "the last 3 polls failed") {
		t.Errorf("health during the outage = %d %s, want 503 with the reason", status, body)
	}

	release.send(t, "3")
	ta.waitLog("Could not deliver to the backend")
	if ta.returned() {
		t.Fatal("the agent stopped during the outage")
	}

	p.down.Store(false)
	ta.poke() // the first poll that succeeds sends the outbox at once
	ta.waitLog("Flow run " + id + " set Failed")
	if state, msg := b.state(t, id); state != "Failed" || msg != "Flow run process exited with code 3" {
		t.Errorf("state after the outage = %s %q, want Failed with the exit code", state, msg)
	}
	if status, body := ta.get(http.MethodGet, "/api/health"); status != http.StatusOK || body != "{}" {
		t.Errorf("health after the outage = %d %s, want 200 {}", status, body)
	}
	if got := ta.metric("outpost_agent_poll_errors_total"); got != 3 {
		t.Errorf("poll_errors = %v, want 3", got)
	}
	if err := ta.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

// An agent started before its backend retries registration, reporting 503 meanwhile,
// and works once the backend answers.
func TestRegistrationRetries(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	p := startProxy(t, b)
	p.down.Store(true)
	ta := startAgent(t, b, p.url)
	ta.until("a second registration attempt", func() bool { return ta.countLogs("Error registering agent") >= 2 }, time.Second)
	status, body := ta.get(http.MethodGet, "/api/health")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "not registered with the backend yet") {
		t.Errorf("health before registration = %d %s, want 503 not registered", status, body)
	}

	p.down.Store(false)
	ta.until("registration", func() bool { return ta.countLogs("Waiting for flow runs...") > 0 }, time.Minute)
	id := b.run(t, b.flow(t, scriptStorage()), localRun("exit 0", nil), nil)
	ta.poke()
	ta.waitLog("Flow run " + id + " set Failed")
	if status, _ := ta.get(http.MethodGet, "/api/health"); status != http.StatusOK {
		t.Errorf("health after registration = %d, want 200", status)
	}
}

// When the backend stays away past the drain grace, Run says what it could not deliver.
func TestUndeliveredStateReportedAtShutdown(t *testing.T) {
	leakCheck(t)
	b := startBackend(t)
	p := startProxy(t, b)
	ta := startAgent(t, b, p.url)
	release := newGate(t, ta.out, "release")
	id := b.run(t, b.flow(t, scriptStorage()), localRun(`read code < "$TEST_GATE"; exit $code`, map[string]any{"TEST_GATE": release.path}), nil)
	ta.poke()
	ta.waitLog("Completed deployment of flow run " + id)
	p.down.Store(true)
	release.send(t, "4")
	ta.waitLog("Could not deliver to the backend")

	ta.Stop()
	ta.until("Run to return after the drain grace", ta.returned, time.Minute)
	err := ta.wait()
	if err == nil || !strings.Contains(err.Error(), "could not be delivered") {
		t.Errorf("Run = %v, want an error about undelivered states", err)
	}
	if ta.countLogs("Could not deliver to the backend before shutting down: state Failed") != 1 {
		t.Error("the agent did not log the state it could not deliver")
	}
}
