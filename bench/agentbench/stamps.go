package main

import (
	"os"
	"strings"

	"github.com/outposthq/outpost/bench/internal/harness"
)

// allStamps reads every stamp in dir, for the check that no stand-in outlived the run.
func allStamps(dir string) ([]harness.Stamp, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []harness.Stamp
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue // a stand-in stopped between writing and renaming; its pid is unknown
		}
		s, ok, err := harness.ReadStamp(dir, e.Name())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}
