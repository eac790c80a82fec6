package main

import (
	"time"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// latencies is a distribution as the report shows it, in milliseconds.
type latencies struct {
	Runs     int     `json:"runs"`
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	P99MS    float64 `json:"p99_ms"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
}

func toLatencies(ds []time.Duration) latencies {
	d := harness.Summarize(ds)
	return latencies{Runs: len(ds), MedianMS: harness.Millis(d.Median), P90MS: harness.Millis(d.P90), P99MS: harness.Millis(d.P99),
		MinMS: harness.Millis(d.Min), MaxMS: harness.Millis(d.Max)}
}

// perMinute is n events over d as a rate per minute.
func perMinute(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return harness.Round3(float64(n) / d.Minutes())
}
