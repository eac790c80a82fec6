package main

import (
	"testing"
	"time"
)

func TestPollsAllowed(t *testing.T) {
	// Polls at 0, then after 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 8, 8, ... seconds (the table
	// at its shortest jitter): at 0, 0.2, 0.6, 1.4, 3.0, 6.2, 12.6, 20.6, 28.6.
	tests := []struct {
		window time.Duration
		want   int
	}{
		{0, 1},
		{199 * time.Millisecond, 1},
		{200 * time.Millisecond, 2},
		{time.Second, 3},
		{5 * time.Second, 5},
		{12600 * time.Millisecond, 7},
		{30 * time.Second, 9},
		{time.Minute, 12},
	}
	for _, tt := range tests {
		if got := pollsAllowed(tt.window); got != tt.want {
			t.Errorf("pollsAllowed(%s) = %d, want %d", tt.window, got, tt.want)
		}
	}
}

func TestPollBound(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name  string
		wakes []time.Time
		end   time.Time
		want  int
	}{
		{"no wake", nil, at(1000), 3},
		{"wakes close together", []time.Time{at(0), at(10), at(20)}, at(30), 1 + 2 + 2 + 2},
		{"wake after a second", []time.Time{at(1000)}, at(1000), 3 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pollBound(start, tt.wakes, tt.end); got != tt.want {
				t.Errorf("pollBound = %d, want %d", got, tt.want)
			}
		})
	}
}
