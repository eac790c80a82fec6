package harness

import (
	"math"
	"slices"
	"time"
)

// Distribution is a summary of durations by nearest rank.
type Distribution struct {
	Min, Median, P90, P99, Max time.Duration
}

// Summarize is the distribution of ds; the zero Distribution when ds is empty.
func Summarize(ds []time.Duration) Distribution {
	if len(ds) == 0 {
		return Distribution{}
	}
	s := slices.Sorted(slices.Values(ds))
	return Distribution{Min: s[0], Median: percentile(s, 50), P90: percentile(s, 90), P99: percentile(s, 99), Max: s[len(s)-1]}
}

// percentile is the nearest-rank percentile of sorted: the smallest value with at
// least p percent of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Millis is d in milliseconds, to the microsecond, as the reports show durations.
func Millis(d time.Duration) float64 { return Round3(float64(d) / float64(time.Millisecond)) }

// Round3 rounds x to three decimals, so that reports do not show float noise.
func Round3(x float64) float64 { return math.Round(x*1000) / 1000 }
