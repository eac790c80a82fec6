package runconfig

import "fmt"

// UnsupportedTypeError is Prefect's TypeError for a run config a launcher cannot run.
// Its text is Prefect's, word for word, since it becomes the run's Failed message.
type UnsupportedTypeError struct {
	FlowRunID string
	Got       string // the run config's type
	Want      string // the launcher's type
}

func (e *UnsupportedTypeError) Error() string {
	return fmt.Sprintf("Flow run %s has a `run_config` of type `%s`, only `%s` is supported", e.FlowRunID, e.Got, e.Want)
}

// Resolve returns the run config a launcher whose own type is want (TypeLocal,
// TypeDocker or TypeKubernetes) runs flow run flowRunID with, as Prefect's
// _get_run_config does: no run config gives want's defaults; a UniversalRun becomes a
// want with the same env and labels; another type than want is an
// *UnsupportedTypeError.
func Resolve(flowRunID string, rc RunConfig, want string) (RunConfig, error) {
	switch want {
	case TypeLocal, TypeDocker, TypeKubernetes:
	default:
		return nil, fmt.Errorf("runconfig: no launcher runs %q; use %s, %s or %s", want, TypeLocal, TypeDocker, TypeKubernetes)
	}
	rc = deref(rc)
	if rc == nil {
		rc = UniversalRun{}
	}
	if u, ok := rc.(UniversalRun); ok {
		switch want {
		case TypeLocal:
			return LocalRun{Env: u.Env, Labels: u.Labels}, nil
		case TypeDocker:
			return DockerRun{Env: u.Env, Labels: u.Labels}, nil
		default:
			return KubernetesRun{Env: u.Env, Labels: u.Labels}, nil
		}
	}
	if rc.Type() != want {
		return nil, &UnsupportedTypeError{FlowRunID: flowRunID, Got: rc.Type(), Want: want}
	}
	return rc, nil
}

// ForLocal is Resolve for the local launcher.
func ForLocal(flowRunID string, rc RunConfig) (LocalRun, error) {
	r, err := Resolve(flowRunID, rc, TypeLocal)
	if err != nil {
		return LocalRun{}, err
	}
	return r.(LocalRun), nil
}

// ForDocker is Resolve for the Docker launcher.
func ForDocker(flowRunID string, rc RunConfig) (DockerRun, error) {
	r, err := Resolve(flowRunID, rc, TypeDocker)
	if err != nil {
		return DockerRun{}, err
	}
	return r.(DockerRun), nil
}

// deref turns a pointer to a run config into the value Decode would have returned, so
// that callers holding *LocalRun get the same answers; a nil pointer is no run config.
func deref(rc RunConfig) RunConfig {
	switch p := rc.(type) {
	case *LocalRun:
		if p != nil {
			return *p
		}
	case *DockerRun:
		if p != nil {
			return *p
		}
	case *UniversalRun:
		if p != nil {
			return *p
		}
	case *KubernetesRun:
		if p != nil {
			return *p
		}
	case *OtherRun:
		if p != nil {
			return *p
		}
	default:
		return rc
	}
	return nil
}
