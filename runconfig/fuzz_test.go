package runconfig

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`null`,
		`{"type": "LocalRun", "env": {"A": 1, "B": {"x": [null, 1.5e300]}}, "labels": ["b", "a"], "working_dir": "w"}`,
		`{"type": "DockerRun", "image": "i", "ports": [80], "host_config": {"auto_remove": false}}`,
		`{"type": "KubernetesRun", "job_template": "kind: Job", "cpu_limit": 1}`,
		`{"type": "UniversalRun", "env": {"A=B": 1}}`,
		`{"type": "ECSRun"}`,
		`[1, 2]`,
		`{"type": 1}`,
		`{"type": "LocalRun", "working_dir": "\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rc, err := Decode(json.RawMessage(data))
		if err != nil {
			return
		}
		// Whatever decodes must also resolve and render without trouble.
		if rc != nil {
			for _, want := range []string{TypeLocal, TypeDocker, TypeKubernetes} {
				_, _ = Resolve("id", rc, want)
			}
		}
		if lr, err := ForLocal("id", rc); err == nil {
			env, err := LocalEnv(LocalEnvInput{RunEnvInput: RunEnvInput{RunConfigEnv: lr.Env}, WorkingDir: lr.WorkingDir, Cwd: "/"})
			if err != nil {
				t.Fatalf("LocalEnv refused a decoded run config: %v", err)
			}
			for _, kv := range env.Environ() {
				if strings.ContainsRune(kv, 0) {
					t.Fatalf("env entry holds NUL: %q", kv)
				}
			}
		}
		_, _ = DecodeStorage(json.RawMessage(data))
	})
}

func FuzzParseVolume(f *testing.F) {
	for _, seed := range []string{"/a:/b", "data:/d:ro", `C:\x:/y:ro`, "//var/run/docker.sock", "a:b:c:d", "", `\\srv\share:/m`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		for _, windows := range []bool{false, true} {
			v, err := parseVolume(spec, windows)
			if err != nil {
				continue
			}
			if v.Source == "" || v.Target == "" {
				t.Fatalf("parseVolume(%q, windows=%v) = %+v: empty source or target", spec, windows, v)
			}
			if v.Named && v.Mode != "rw" {
				t.Fatalf("parseVolume(%q, windows=%v) = %+v: named volume not rw", spec, windows, v)
			}
		}
	})
}
