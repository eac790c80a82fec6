package main

import (
	"math"
	"slices"
	"time"
)

// distribution summarises durations by nearest rank.
type distribution struct {
	min, median, p90, p99, max time.Duration
}

func summarize(ds []time.Duration) distribution {
	if len(ds) == 0 {
		return distribution{}
	}
	s := slices.Sorted(slices.Values(ds))
	return distribution{min: s[0], median: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[len(s)-1]}
}

// percentile is the nearest-rank percentile of sorted: the smallest value with at
// least p percent of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

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
	d := summarize(ds)
	return latencies{Runs: len(ds), MedianMS: millis(d.median), P90MS: millis(d.p90), P99MS: millis(d.p99),
		MinMS: millis(d.min), MaxMS: millis(d.max)}
}

func millis(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

// perMinute is n events over d as a rate per minute.
func perMinute(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return round3(float64(n) / d.Minutes())
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
