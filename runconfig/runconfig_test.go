package runconfig

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeGood(t *testing.T) {
	tests := []struct {
		name string
		json string
		want RunConfig
	}{
		{"null", `null`, nil},
		{"empty", ``, nil},
		{"local", `{"type": "LocalRun", "env": {"A": "1"}, "labels": ["b", "a", "b"], "working_dir": "/srv/flows", "__version__": "1.4.1"}`,
			LocalRun{Env: map[string]any{"A": "1"}, Labels: []string{"a", "b"}, WorkingDir: "/srv/flows"}},
		{"local nulls", `{"type": "LocalRun", "env": null, "labels": null, "working_dir": null}`, LocalRun{}},
		{"unknown fields ignored", `{"type": "LocalRun", "cpu": 3, "extra": {"x": 1}}`, LocalRun{}},
		{"docker", `{"type": "DockerRun", "image": "repo/img:1", "ports": [8080, 443], "host_config": {"auto_remove": false, "mem_limit": 1024}, "env": null, "labels": []}`,
			DockerRun{Image: "repo/img:1", Ports: []int{8080, 443}, HostConfig: map[string]any{"auto_remove": false, "mem_limit": json.Number("1024")}}},
		{"universal", `{"type": "UniversalRun", "env": {"N": 5, "X": null}, "labels": ["l"]}`,
			UniversalRun{Env: map[string]any{"N": json.Number("5"), "X": nil}, Labels: []string{"l"}}},
		{"env nested keeps order", `{"type": "UniversalRun", "env": {"J": {"z": 1, "a": [true]}}}`,
			UniversalRun{Env: map[string]any{"J": Object{{"z", json.Number("1")}, {"a", []any{true}}}}}},
		{"kubernetes", `{"type": "KubernetesRun", "image": "i", "cpu_limit": 0.5, "cpu_request": "250m", "memory_limit": "1Gi", "service_account_name": "sa", "image_pull_secrets": ["s1"], "image_pull_policy": "IfNotPresent", "job_template": {"kind": "Job"}}`,
			KubernetesRun{Image: "i", CPULimit: "0.5", CPURequest: "250m", MemoryLimit: "1Gi", ServiceAccountName: "sa", ImagePullSecrets: []string{"s1"}, ImagePullPolicy: "IfNotPresent", JobTemplate: map[string]any{"kind": "Job"}}},
		{"kubernetes yaml template and int cpu", `{"type": "KubernetesRun", "job_template": "kind: Job\n", "cpu_limit": 2}`,
			KubernetesRun{JobTemplateYAML: "kind: Job\n", CPULimit: "2"}},
		{"ecs kept by name", `{"type": "ECSRun", "labels": ["x"], "task_definition": {}}`,
			OtherRun{Kind: "ECSRun", Labels: []string{"x"}, Raw: json.RawMessage(`{"type": "ECSRun", "labels": ["x"], "task_definition": {}}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(json.RawMessage(tt.json))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeBad(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"not an object", `["LocalRun"]`, `run_config: must be a JSON object, got an array`},
		{"string", `"LocalRun"`, `run_config: must be a JSON object, got a string`},
		{"invalid json", `{"type": "LocalRun",}`, `run_config: invalid JSON`},
		{"no type", `{"env": {}}`, `run_config: missing "type" (one of LocalRun, DockerRun, UniversalRun, KubernetesRun, ECSRun, VertexRun)`},
		{"type not string", `{"type": 3}`, `run_config: field "type" must be a string or null, got a number`},
		{"unknown type", `{"type": "FooRun"}`, `run_config: unknown type "FooRun" (one of LocalRun, DockerRun, UniversalRun, KubernetesRun, ECSRun, VertexRun)`},
		{"env list", `{"type": "LocalRun", "env": ["A=1"]}`, `run_config (LocalRun): field "env" must be an object or null, got an array`},
		{"env bad name", `{"type": "LocalRun", "env": {"A=B": "1"}}`, `run_config (LocalRun): env: environment variable name "A=B" is invalid: it contains '=' or a NUL byte`},
		{"env empty name", `{"type": "DockerRun", "env": {"": "1"}}`, `run_config (DockerRun): env: an environment variable has an empty name`},
		{"env NUL value", `{"type": "LocalRun", "env": {"A": "x\u0000y"}}`, `run_config (LocalRun): env: the value of environment variable A contains a NUL byte`},
		{"labels string", `{"type": "LocalRun", "labels": "a"}`, `run_config (LocalRun): field "labels" must be a list of strings or null, got a string`},
		{"labels of ints", `{"type": "UniversalRun", "labels": ["a", 1]}`, `run_config (UniversalRun): field "labels[1]" must be a string, got a number`},
		{"working_dir number", `{"type": "LocalRun", "working_dir": 1}`, `run_config (LocalRun): field "working_dir" must be a string or null, got a number`},
		{"working_dir NUL", `{"type": "LocalRun", "working_dir": "/a\u0000b"}`, `run_config (LocalRun): field "working_dir" holds a NUL byte`},
		{"image list", `{"type": "DockerRun", "image": ["a"]}`, `run_config (DockerRun): field "image" must be a string or null, got an array`},
		{"ports object", `{"type": "DockerRun", "ports": {"a": 1}}`, `run_config (DockerRun): field "ports" must be a list of integers or null, got an object`},
		{"ports string", `{"type": "DockerRun", "ports": ["80"]}`, `run_config (DockerRun): field "ports[0]" must be a number, got a string`},
		{"port float", `{"type": "DockerRun", "ports": [80.5]}`, `run_config (DockerRun): field "ports[0]": 80.5 is not a port number (an integer from 1 to 65535)`},
		{"port range", `{"type": "DockerRun", "ports": [80, 70000]}`, `run_config (DockerRun): field "ports[1]": 70000 is not a port number`},
		{"host_config list", `{"type": "DockerRun", "host_config": []}`, `run_config (DockerRun): field "host_config" must be an object or null, got an array`},
		{"k8s both templates", `{"type": "KubernetesRun", "job_template_path": "s3://b/t.yaml", "job_template": {"kind": "Job"}}`, `run_config (KubernetesRun): give either job_template_path or job_template, not both`},
		{"k8s pull policy", `{"type": "KubernetesRun", "image_pull_policy": "Sometimes"}`, `run_config (KubernetesRun): invalid image_pull_policy "Sometimes": use one of Always, IfNotPresent, Never`},
		{"k8s template number", `{"type": "KubernetesRun", "job_template": 3}`, `run_config (KubernetesRun): field "job_template" must be an object, a YAML string or null, got a number`},
		{"k8s cpu bool", `{"type": "KubernetesRun", "cpu_limit": true}`, `run_config (KubernetesRun): field "cpu_limit" must be a string, a number or null, got a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(json.RawMessage(tt.json))
			if err == nil {
				t.Fatalf("Decode = %#v, want error %q", got, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestDecodeErrorNeverRepeatsEnvValue(t *testing.T) {
	_, err := Decode(json.RawMessage(`{"type": "LocalRun", "env": {"TOKEN": "hunter2\u0000"}}`))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error = %v, want one that names TOKEN without its value", err)
	}
}

func TestLocalRunDir(t *testing.T) {
	tests := []struct {
		dir, cwd, want string
	}{
		{"", "/agent", ""},
		{"/srv/flows/", "/agent", "/srv/flows"},
		{"flows/../jobs", "/agent", "/agent/jobs"},
		{"./x", "/agent/", "/agent/x"},
		{"//net/share", "/agent", "//net/share"},
	}
	for _, tt := range tests {
		if got := (LocalRun{WorkingDir: tt.dir}).Dir(tt.cwd); got != tt.want {
			t.Errorf("LocalRun{WorkingDir: %q}.Dir(%q) = %q, want %q", tt.dir, tt.cwd, got, tt.want)
		}
	}
}
