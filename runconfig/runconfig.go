package runconfig

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Run-config types, as named by the "type" member of the wire form.
const (
	TypeLocal      = "LocalRun"
	TypeDocker     = "DockerRun"
	TypeUniversal  = "UniversalRun"
	TypeKubernetes = "KubernetesRun"
	TypeECS        = "ECSRun"
	TypeVertex     = "VertexRun"
)

var runConfigTypes = []string{TypeLocal, TypeDocker, TypeUniversal, TypeKubernetes, TypeECS, TypeVertex}

// RunConfig is one decoded run config: LocalRun, DockerRun, UniversalRun, KubernetesRun
// or OtherRun (ECSRun, VertexRun, kept so that a launcher can refuse them by name).
type RunConfig interface {
	// Type is the wire name, e.g. "DockerRun".
	Type() string
	runConfig()
}

// In every run config, Env is nil when the run config has none (Prefect's None); its
// values are any JSON value (json.Number numbers, []any arrays, Object objects), which a
// flow run gets as Python's str() of them. Labels are sorted and unique, since Prefect
// holds them as a set.

// LocalRun runs a flow as a process on the agent's host.
type LocalRun struct {
	Env        map[string]any
	WorkingDir string // "" when unset; see Dir
	Labels     []string
}

// DockerRun runs a flow in a container.
type DockerRun struct {
	Image  string // "" when unset
	Env    map[string]any
	Labels []string
	Ports  []int
	// HostConfig holds docker-py create_host_config keyword arguments (auto_remove,
	// mem_limit, network_mode, ...) with json.Number numbers; they override the agent's.
	HostConfig map[string]any
}

// UniversalRun runs on any launcher, which turns it into its own type (Resolve).
type UniversalRun struct {
	Env    map[string]any
	Labels []string
}

// KubernetesRun runs a flow as a Kubernetes job.
type KubernetesRun struct {
	JobTemplatePath string
	JobTemplate     map[string]any // job_template given as an object
	JobTemplateYAML string         // job_template given as YAML text, not parsed here
	Image           string
	Env             map[string]any
	Labels          []string
	CPULimit        string // str() of what was given, as Prefect stores it
	CPURequest      string
	MemoryLimit     string
	MemoryRequest   string
	// ServiceAccountName and ImagePullSecrets override the agent's when set.
	ServiceAccountName string
	ImagePullSecrets   []string
	ImagePullPolicy    string // "", Always, IfNotPresent or Never
}

// OtherRun is a run config of a type no Outpost launcher runs (ECSRun, VertexRun).
type OtherRun struct {
	Kind   string
	Env    map[string]any
	Labels []string
	Raw    json.RawMessage
}

func (LocalRun) Type() string      { return TypeLocal }
func (DockerRun) Type() string     { return TypeDocker }
func (UniversalRun) Type() string  { return TypeUniversal }
func (KubernetesRun) Type() string { return TypeKubernetes }
func (r OtherRun) Type() string    { return r.Kind }

func (LocalRun) runConfig()      {}
func (DockerRun) runConfig()     {}
func (UniversalRun) runConfig()  {}
func (KubernetesRun) runConfig() {}
func (OtherRun) runConfig()      {}

// Dir is the working directory as Prefect holds it once loaded: os.path.abspath of
// working_dir, so a relative one is taken against the agent's cwd. "" when unset.
func (r LocalRun) Dir(cwd string) string {
	if r.WorkingDir == "" {
		return ""
	}
	return absPath(cwd, r.WorkingDir)
}

var imagePullPolicies = []string{"Always", "IfNotPresent", "Never"}

// Decode decodes the JSON stored in flow_run.run_config (or flow.run_config):
// {"type": "<type>", "env": {...} | null, "labels": [...], <fields of the type>,
// "__version__": "..."}. JSON null or nothing gives a nil RunConfig and no error: the
// run has no run config and the launcher uses its default (Resolve). Unknown members
// and __version__ are ignored, as Prefect does; known ones must have the right JSON type.
func Decode(raw json.RawMessage) (RunConfig, error) {
	if isNull(raw) {
		return nil, nil
	}
	f, err := decodeObject(raw, "run_config")
	if err != nil {
		return nil, err
	}
	typ, err := f.str("type")
	if err != nil {
		return nil, err
	}
	known := strings.Join(runConfigTypes, ", ")
	if typ == "" {
		return nil, fmt.Errorf("run_config: missing \"type\" (one of %s)", known)
	}
	f.where = fmt.Sprintf("run_config (%s)", typ)
	r := fieldReader{f: f}
	env, labels := r.env("env"), r.labels("labels")
	var rc RunConfig
	switch typ {
	case TypeLocal:
		dir := r.str("working_dir")
		if strings.ContainsRune(dir, 0) {
			r.keep(fmt.Errorf("%s: field \"working_dir\" holds a NUL byte, which no path can", f.where))
		}
		rc = LocalRun{Env: env, Labels: labels, WorkingDir: dir}
	case TypeDocker:
		rc = DockerRun{Env: env, Labels: labels, Image: r.str("image"), Ports: r.ports("ports"), HostConfig: r.object("host_config")}
	case TypeUniversal:
		rc = UniversalRun{Env: env, Labels: labels}
	case TypeKubernetes:
		rc = decodeKubernetes(&r, env, labels)
	case TypeECS, TypeVertex:
		rc = OtherRun{Kind: typ, Env: env, Labels: labels, Raw: append(json.RawMessage(nil), raw...)}
	default:
		return nil, fmt.Errorf("run_config: unknown type %q (one of %s)", typ, known)
	}
	if r.err != nil {
		return nil, r.err
	}
	return rc, nil
}

// decodeKubernetes applies KubernetesRun's constructor checks too, since loading a run
// config calls the constructor.
func decodeKubernetes(r *fieldReader, env map[string]any, labels []string) KubernetesRun {
	k := KubernetesRun{
		Env: env, Labels: labels,
		JobTemplatePath:    r.str("job_template_path"),
		Image:              r.str("image"),
		CPULimit:           r.pyText("cpu_limit"),
		CPURequest:         r.pyText("cpu_request"),
		MemoryLimit:        r.str("memory_limit"),
		MemoryRequest:      r.str("memory_request"),
		ServiceAccountName: r.str("service_account_name"),
		ImagePullSecrets:   r.strList("image_pull_secrets"),
		ImagePullPolicy:    r.str("image_pull_policy"),
	}
	where := r.f.where
	switch raw := r.f.m["job_template"]; jsonKind(raw) {
	case "a string":
		k.JobTemplateYAML = r.str("job_template")
	case "an object":
		k.JobTemplate = r.object("job_template")
	case "nothing", "null":
	default:
		r.keep(r.f.typeError("job_template", "an object, a YAML string or null"))
	}
	hasTemplate := k.JobTemplate != nil || k.JobTemplateYAML != ""
	if k.JobTemplatePath != "" && hasTemplate {
		r.keep(fmt.Errorf("%s: give either job_template_path or job_template, not both", where))
	}
	if k.ImagePullPolicy != "" && !slices.Contains(imagePullPolicies, k.ImagePullPolicy) {
		r.keep(fmt.Errorf("%s: invalid image_pull_policy %q: use one of %s", where, k.ImagePullPolicy, strings.Join(imagePullPolicies, ", ")))
	}
	return k
}
