package runconfig

import (
	"strings"
	"testing"
)

func TestFlowImage(t *testing.T) {
	docker := func(registry, name, tag string) Storage {
		return Storage{Type: StorageDocker, Registry: registry, ImageName: name, ImageTag: tag}
	}
	github := Storage{Type: StorageGitHub, Repo: "o/r", Path: "f.py"}
	tests := []struct {
		name         string
		storage      Storage
		rc           DockerRun
		agentDefault string
		core         string
		want         string
		wantErr      string
	}{
		{"docker storage first", docker("reg.example:5000", "flow", "v1"), DockerRun{Image: "rc/img:1"}, "agent/default:1", "1.4.1", "reg.example:5000/flow:v1", ""},
		{"docker storage without registry", docker("", "flow", "v1"), DockerRun{}, "", "", "flow:v1", ""},
		{"docker storage registry trailing slash", docker("reg.example/team/", "flow", "v1"), DockerRun{}, "", "", "reg.example/team/flow:v1", ""},
		{"docker storage absolute name replaces registry", docker("reg.example", "/flow", "v1"), DockerRun{}, "", "", "/flow:v1", ""},
		{"docker storage missing tag", docker("reg", "flow", ""), DockerRun{Image: "x"}, "", "", "", "Docker storage is missing required fields image_name and image_tag"},
		{"docker storage missing name", docker("reg", "", "v1"), DockerRun{}, "", "", "", "Docker storage is missing required fields image_name and image_tag"},
		{"run config image", github, DockerRun{Image: "rc/img:1"}, "agent/default:1", "1.4.1", "rc/img:1", ""},
		{"agent default", github, DockerRun{}, "agent/default:1", "1.4.1", "agent/default:1", ""},
		{"prefect image for core version", github, DockerRun{}, "", "1.4.1", "prefecthq/prefect:1.4.1", ""},
		{"dev version without local part", github, DockerRun{}, "", "0.15.13+12.g3a1b2c3", "prefecthq/prefect:0.15.13", ""},
		{"no core version", github, DockerRun{}, "", "", "prefecthq/prefect:latest", ""},
		{"native with run config image", Storage{Type: StorageScript, Argv: []string{"true"}}, DockerRun{Image: "outpost/runner:1"}, "", "outpost-0.3.0", "outpost/runner:1", ""},
		{"native with agent default", Storage{Type: StorageScript}, DockerRun{}, "mine:1", "outpost-0.3.0", "mine:1", ""},
		{"native without image", Storage{Type: StorageScript}, DockerRun{}, "", "outpost-0.3.0", "", `flow has core_version "outpost-0.3.0" (a native Outpost flow) and no image`},
	}
	for _, tt := range tests {
		got, err := FlowImage(tt.storage, tt.rc, tt.agentDefault, tt.core)
		if tt.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("%s: error = %v, want prefix %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: FlowImage = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestPurePosixJoin(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"", "img", "img"},
		{"reg", "img", "reg/img"},
		{"reg//team/./", "img", "reg/team/img"},
		{"reg", "/img", "/img"},
		{"//reg", "img", "//reg/img"},
		{"///reg", "img", "/reg/img"},
		{"reg", "../img", "reg/../img"},
		{"", "", "."},
	}
	for _, tt := range tests {
		if got := purePosixJoin(tt.a, tt.b); got != tt.want {
			t.Errorf("purePosixJoin(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}
