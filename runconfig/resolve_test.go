package runconfig

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	env := map[string]any{"A": "1"}
	tests := []struct {
		name    string
		rc      RunConfig
		want    string
		result  RunConfig
		wantErr string
	}{
		{"null gives local default", nil, TypeLocal, LocalRun{}, ""},
		{"null gives docker default", nil, TypeDocker, DockerRun{}, ""},
		{"universal to local", UniversalRun{Env: env, Labels: []string{"l"}}, TypeLocal, LocalRun{Env: env, Labels: []string{"l"}}, ""},
		{"universal to docker", UniversalRun{Env: env}, TypeDocker, DockerRun{Env: env}, ""},
		{"universal to kubernetes", UniversalRun{Labels: []string{"k"}}, TypeKubernetes, KubernetesRun{Labels: []string{"k"}}, ""},
		{"same type kept", LocalRun{WorkingDir: "/w"}, TypeLocal, LocalRun{WorkingDir: "/w"}, ""},
		{"pointer kept", &DockerRun{Image: "i"}, TypeDocker, DockerRun{Image: "i"}, ""},
		{"nil pointer is default", (*LocalRun)(nil), TypeLocal, LocalRun{}, ""},
		{"docker on local", DockerRun{Image: "i"}, TypeLocal, nil,
			"Flow run 4f1c has a `run_config` of type `DockerRun`, only `LocalRun` is supported"},
		{"kubernetes on local", KubernetesRun{}, TypeLocal, nil,
			"Flow run 4f1c has a `run_config` of type `KubernetesRun`, only `LocalRun` is supported"},
		{"local on docker", LocalRun{}, TypeDocker, nil,
			"Flow run 4f1c has a `run_config` of type `LocalRun`, only `DockerRun` is supported"},
		{"ecs on docker", OtherRun{Kind: TypeECS}, TypeDocker, nil,
			"Flow run 4f1c has a `run_config` of type `ECSRun`, only `DockerRun` is supported"},
		{"no such launcher", nil, TypeUniversal, nil, `runconfig: no launcher runs "UniversalRun"; use LocalRun, DockerRun or KubernetesRun`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve("4f1c", tt.rc, tt.want)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Resolve error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if diff := cmp.Diff(tt.result, got); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestForLocalAndForDocker(t *testing.T) {
	lr, err := ForLocal("r1", UniversalRun{Labels: []string{"x"}})
	if err != nil || !cmp.Equal(lr, LocalRun{Labels: []string{"x"}}) {
		t.Errorf("ForLocal(UniversalRun) = %#v, %v", lr, err)
	}
	dr, err := ForDocker("r1", &DockerRun{Image: "img"})
	if err != nil || dr.Image != "img" {
		t.Errorf("ForDocker(*DockerRun) = %#v, %v", dr, err)
	}
	_, err = ForDocker("r1", LocalRun{})
	var ute *UnsupportedTypeError
	if !errors.As(err, &ute) || ute.Got != TypeLocal || ute.Want != TypeDocker || ute.FlowRunID != "r1" {
		t.Errorf("ForDocker(LocalRun) error = %#v, want *UnsupportedTypeError", err)
	}
	_, err = ForLocal("r2", DockerRun{})
	if !errors.As(err, &ute) {
		t.Errorf("ForLocal(DockerRun) error = %v, want *UnsupportedTypeError", err)
	}
}
