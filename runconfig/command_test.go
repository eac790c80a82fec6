package runconfig

import (
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	flowRun := "prefect execute flow-run"
	cloudFlow := "prefect execute cloud-flow"
	native := "outpost execute flow-run"
	tests := []struct {
		core string
		want string
	}{
		{"1.4.1", flowRun},
		{"0.15.13", flowRun},
		{"0.13.0", flowRun},
		{"0.13", flowRun},
		{"0.13.0+local", flowRun},
		{"0.13.0.post1", flowRun},
		{"0.13.0.post1.dev0", flowRun},
		{"0.13.0-1", flowRun},
		{"0.13.0.1", flowRun},
		{"v0.14.0", flowRun},
		{"1!0.1", flowRun},
		{"1.0rc1", flowRun},
		{"0.15.0+12.g3a1b2c3", flowRun},
		{"0.12.6", cloudFlow},
		{"0.12.99+abc", cloudFlow},
		{"0.13.0rc1", cloudFlow},
		{"0.13.0.dev0", cloudFlow},
		{"", cloudFlow},
		{"not a version", cloudFlow},
		{"outpost-0.3.0", native},
		{"outpost-", native},
	}
	for _, tt := range tests {
		if got := strings.Join(Command(tt.core), " "); got != tt.want {
			t.Errorf("Command(%q) = %q, want %q", tt.core, got, tt.want)
		}
	}
}

func TestLocalCommand(t *testing.T) {
	tests := []struct {
		core string
		want string
	}{
		{"", "prefect execute flow-run"},
		{"0.12.0", "prefect execute flow-run"},
		{"1.4.1", "prefect execute flow-run"},
		{"outpost-0.3.0", "outpost execute flow-run"},
	}
	for _, tt := range tests {
		if got := strings.Join(LocalCommand(tt.core), " "); got != tt.want {
			t.Errorf("LocalCommand(%q) = %q, want %q", tt.core, got, tt.want)
		}
	}
}

func TestIsNative(t *testing.T) {
	tests := []struct {
		core string
		want bool
	}{
		{"outpost-0.3.0", true},
		{"1.4.1", false},
		{"0.1.0+outpost", false},
		{"", false},
		{"Outpost-1", false},
	}
	for _, tt := range tests {
		if got := IsNative(tt.core); got != tt.want {
			t.Errorf("IsNative(%q) = %v, want %v", tt.core, got, tt.want)
		}
	}
}
