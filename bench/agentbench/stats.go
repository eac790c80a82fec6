package main

import (
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// backoffTable is the agent's idle poll intervals (agent/clock.go, Prefect's table) and
// minJitter the shortest the agent's ±20% jitter makes each. They are copied here, not
// imported, so the harness checks the agent against the documented table rather than
// against itself.
var backoffTable = [...]time.Duration{
	250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second,
}

const minJitter = 0.8

// pollsAllowed is the most polls the backoff table allows in a window: a poll at its
// start (one that found work, resetting the table), then one after each interval,
// each as short as the jitter can make it.
func pollsAllowed(window time.Duration) int {
	n := 1
	var at time.Duration
	for i := 0; ; i = min(i+1, len(backoffTable)-1) {
		at += time.Duration(minJitter * float64(backoffTable[i]))
		if at > window {
			return n
		}
		n++
	}
}

// pollBound is the most polls the table allows from start to end when the agent was
// woken at each of wakes (sorted): the table's worth in each stretch between wakes, plus
// one per wake for a poll already under way when it came, which the wake repeats.
func pollBound(start time.Time, wakes []time.Time, end time.Time) int {
	n := 0
	from := start
	for _, w := range wakes {
		n += pollsAllowed(w.Sub(from)) + 1
		from = w
	}
	return n + pollsAllowed(end.Sub(from))
}

func seconds(d time.Duration) float64 { return harness.Round3(d.Seconds()) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return harness.Round3(float64(n) / d.Seconds())
}
