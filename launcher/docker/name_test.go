package docker

import (
	"strings"
	"testing"
)

func TestContainerName(t *testing.T) {
	const id = "8d6e2c9a-1b7f-4a3e-9c2d-5e8f1a2b3c4d"
	tests := []struct {
		name, runName, runID, want string
	}{
		{"generated run name", "crimson-pigeon", id, "crimson-pigeon"},
		{"case kept, apostrophe and spaces", "My Flow's Run", id, "My-Flow-s-Run"},
		{"accents dropped", "héllo wörld", id, "hello-world"},
		{"commas between digits", "run 1,000, again", id, "run-1000-again"},
		{"quotes removed", `say "hi"`, id, "say-hi"},
		{"dashes collapsed and trimmed", "--a -- b--", id, "a-b"},
		{"leading dots and underscores stripped", "__init__.run", id, "init__.run"},
		{"dots and underscores kept", "etl_v1.2", id, "etl_v1.2"},
		{"nothing left takes the id", "日本", id, id},
		{"one character takes the id", "a", id, id},
		{"nothing at all lets the engine name it", "", "", ""},
		{"long names truncated", strings.Repeat("ab", 200), id, strings.Repeat("ab", 125)},
		{"truncation does not end on a dash", strings.Repeat("a", 249) + "-b", id, strings.Repeat("a", 249)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containerName(tt.runName, tt.runID); got != tt.want {
				t.Errorf("containerName(%q, %q) = %q, want %q", tt.runName, tt.runID, got, tt.want)
			}
		})
	}
}

func TestSignalFromStatus(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{0, ""}, {1, ""}, {128, ""}, {129, "SIGHUP"}, {137, "SIGKILL"}, {143, "SIGTERM"}, {192, ""}, {255, ""}, {-1, ""},
	}
	for _, tt := range tests {
		if got := signalFromStatus(tt.code); got != tt.want {
			t.Errorf("signalFromStatus(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"20.10.24+dfsg1", true}, {"20.10.0", true}, {"20.03.1", false}, {"19.03.15", false},
		{"28.2.2", true}, {"v20.10", true}, {"", true}, {"dev", true},
	}
	for _, tt := range tests {
		if got := versionAtLeast(tt.v, 20, 10); got != tt.want {
			t.Errorf("versionAtLeast(%q, 20, 10) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
