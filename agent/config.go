package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

// Agent types, as registered with the backend (Prefect's agent class names).
const (
	TypeLocal  = "LocalAgent"
	TypeDocker = "DockerAgent"
)

// Defaults for Config's zero values.
const (
	DefaultName = "agent"
	// DefaultDrainGrace is how long a stopping agent lets its runs finish before it
	// cancels them.
	DefaultDrainGrace = 5 * time.Minute
	// DefaultDeliverGrace is how long a stopping agent keeps trying to deliver the
	// states and logs it owes, after its runs have ended.
	DefaultDeliverGrace = 30 * time.Second
	// DefaultCancelGrace is the time between SIGTERM and SIGKILL when a run is stopped.
	DefaultCancelGrace = 10 * time.Second
	// DefaultCancelCheck is how often the backend is asked which runs are Cancelling.
	DefaultCancelCheck = time.Second
	// DefaultHealthWindow is how long the backend may stay silent before /api/health
	// reports trouble.
	DefaultHealthWindow = 3 * time.Minute

	// maxCancelCheck keeps a cancellation from waiting longer than two seconds.
	maxCancelCheck = 2 * time.Second
	// prefetch is how far ahead runs are fetched; each waits for its start time, so it
	// starts on time (Prefect's 10 s).
	prefetch = 10 * time.Second
	// unhealthyAfter is how many polls in a row must fail before health reports it.
	unhealthyAfter = 3
)

// Config is every option of Prefect's local agent, plus Outpost's own. The CLI resolves
// flags, environment and configuration files into it.
type Config struct {
	Name string // cloud.agent.name; DefaultName when empty
	// Type is TypeLocal (the default) or TypeDocker, registered as the agent's type. It
	// decides how runs are built, and must match the launcher: TypeDocker takes a
	// container launcher (one that can Adopt, such as launcher/docker's).
	Type string
	// Labels is the final list: sorted, without duplicates, with the hostname label
	// appended unless it was disabled. Runs see it in this order.
	Labels []string
	// EnvFlags are the --env pairs in the order given; a later name wins.
	EnvFlags []runconfig.EnvVar
	// MaxPolls ends the agent after that many polls (it then drains as on Stop);
	// nil polls until stopped.
	MaxPolls      *int
	AgentConfigID string // registered with the agent; its settings are not used, as in Prefect
	// AgentAddress serves /api/health, /api/poke and /metrics: http://HOST:PORT, the port
	// required, an empty host meaning every interface. "" serves nothing.
	AgentAddress string
	// NoCloudLogs is --no-cloud-logs. nil sends flow-run logs to the backend, Prefect's
	// default for cloud.send_flow_run_logs; the CLI passes what the configuration says.
	NoCloudLogs  *bool
	ShowFlowLogs bool     // print each run's output, prefixed "[run-name] ", on Deps.Stdout
	ImportPaths  []string // --import-path, appended to the runs' PYTHONPATH
	// LogLevel is config.logging.level, given to runs as PREFECT__LOGGING__LEVEL; ""
	// is INFO. The agent's own level (--log-level) is that of Deps.Logger.
	LogLevel string
	// Concurrency bounds the runs in flight; 0 is unlimited. Runs beyond it are left
	// unclaimed for other agents or a later poll.
	Concurrency int
	// SecretNames (--secret) are resolved and injected into every run.
	SecretNames []string
	// SecretDirs hold one file per secret; they are searched when Deps.Secrets is nil.
	SecretDirs []string
	// DrainGrace is how long Stop lets runs finish before cancelling them;
	// DefaultDrainGrace when 0.
	DrainGrace time.Duration
	// DeliverGrace is how long a stopping agent then keeps trying to deliver the states
	// and logs it owes (the cancel grace after a forced shutdown); DefaultDeliverGrace
	// when 0. It is separate from DrainGrace so a short drain still reports every run.
	DeliverGrace time.Duration
	// CancelGrace is the time between SIGTERM and SIGKILL; DefaultCancelGrace when 0.
	CancelGrace time.Duration
	// CancelCheck is how often Cancelling runs are looked for; DefaultCancelCheck when
	// 0, at most two seconds.
	CancelCheck time.Duration
	// HealthWindow is how long the backend may go unanswered before /api/health
	// reports 503; DefaultHealthWindow when 0.
	HealthWindow time.Duration

	// For TypeDocker only.
	//
	// DefaultImage is the image of runs whose flow names none (no Docker storage, no
	// DockerRun image), before Prefect's prefecthq/prefect:<core_version>. Native flows
	// need one: their image must hold the outpost binary on its PATH.
	DefaultImage string
	// Networks are the launcher's --network names. They decide the API URL runs are
	// given (ContainerAPIURL: "localhost" becomes apollo on prefect-server, else
	// host.docker.internal), and a first network "host" means host networking, where
	// the URL is given as is.
	Networks []string
	// ServerPort is config.server.port, the port of a rewritten "localhost" API URL;
	// 0 is 4200.
	ServerPort int

	// What flow runs are given to reach the backend.
	Backend  string        // config.backend: "server" or "cloud"; "server" when empty
	APIURL   string        // config.cloud.api, required
	APIKey   secrets.Value // the API key; the zero Value when there is none
	TenantID string        // "" looks up the backend's default tenant at registration
}

// Deps are the agent's collaborators. Backend and Launcher are required.
type Deps struct {
	Backend  Backend
	Launcher Launcher
	// Secrets resolves the secrets runs need. nil searches Config.SecretDirs, then the
	// backend's secret store when Backend has one.
	Secrets SecretResolver
	Logger  *zap.Logger // zap.NewNop() when nil
	Clock   Clock       // the real clock when nil
	// Rand returns a number in [0, 1) for jitter; math/rand/v2 when nil.
	Rand   func() float64
	Stdout io.Writer // where ShowFlowLogs prints; os.Stdout when nil
	// Env is the agent's own environment, the base of every local run's; os.Environ()
	// when nil.
	Env []string
	Cwd string // the agent's working directory; os.Getwd() when ""
	// Executable is the outpost binary, run for native flows; os.Executable() when "".
	Executable string
	// Metrics receives the agent's collectors. nil uses a private registry. /metrics
	// serves Metrics when it is also a prometheus.Gatherer, else the private registry.
	Metrics prometheus.Registerer
}

// withDefaults checks cfg and fills in its zero values; errors say what to fix.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.Type == "" {
		cfg.Type = TypeLocal
	}
	if cfg.Backend == "" {
		cfg.Backend = "server"
	}
	if cfg.DrainGrace == 0 {
		cfg.DrainGrace = DefaultDrainGrace
	}
	if cfg.CancelGrace == 0 {
		cfg.CancelGrace = DefaultCancelGrace
	}
	if cfg.DeliverGrace == 0 {
		cfg.DeliverGrace = DefaultDeliverGrace
	}
	if cfg.CancelCheck == 0 {
		cfg.CancelCheck = DefaultCancelCheck
	}
	if cfg.HealthWindow == 0 {
		cfg.HealthWindow = DefaultHealthWindow
	}
	var errs []error
	if cfg.Type != TypeLocal && cfg.Type != TypeDocker {
		errs = append(errs, fmt.Errorf("agent type %q is unknown: use %s or %s", cfg.Type, TypeLocal, TypeDocker))
	}
	if cfg.APIURL == "" {
		errs = append(errs, errors.New("the backend API URL is required: flow runs are given it to report their states"))
	}
	if cfg.MaxPolls != nil && *cfg.MaxPolls < 0 {
		errs = append(errs, fmt.Errorf("max polls is %d: use 0 or more, or leave it unset to poll until stopped", *cfg.MaxPolls))
	}
	if cfg.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency is %d: use 0 for no limit, or the most runs to have in flight at once", cfg.Concurrency))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"drain grace", cfg.DrainGrace}, {"deliver grace", cfg.DeliverGrace}, {"cancel grace", cfg.CancelGrace}, {"cancel check interval", cfg.CancelCheck}, {"health window", cfg.HealthWindow}} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("the %s is %s: use a positive duration", d.name, d.value))
		}
	}
	if cfg.CancelCheck > maxCancelCheck {
		cfg.CancelCheck = maxCancelCheck
	}
	if _, err := listenAddress(cfg.AgentAddress); cfg.AgentAddress != "" && err != nil {
		errs = append(errs, err)
	}
	for _, kv := range cfg.EnvFlags {
		if kv.Name == "" {
			errs = append(errs, errors.New("an --env value has an empty name: use KEY=VALUE"))
		}
	}
	return cfg, errors.Join(errs...)
}

// withDefaults fills in the collaborators that have a natural default.
func (d Deps) withDefaults(cfg Config) (Deps, error) {
	if d.Backend == nil {
		return d, errors.New("agent: a backend client is required")
	}
	if d.Launcher == nil {
		return d, errors.New("agent: a launcher is required")
	}
	if _, containers := d.Launcher.(adopter); containers != (cfg.Type == TypeDocker) {
		if containers {
			return d, fmt.Errorf("agent: the launcher starts containers, so the agent type must be %s, not %s", TypeDocker, cfg.Type)
		}
		return d, fmt.Errorf("agent: agent type %s needs the Docker launcher (or another container launcher); %T is not one", TypeDocker, d.Launcher)
	}
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if d.Clock == nil {
		d.Clock = realClock{}
	}
	if d.Rand == nil {
		d.Rand = defaultRand
	}
	if d.Stdout == nil {
		d.Stdout = os.Stdout
	}
	if d.Env == nil {
		d.Env = os.Environ()
	}
	if d.Cwd == "" {
		cwd, err := os.Getwd()
		if err != nil {
			return d, fmt.Errorf("agent: find the working directory runs start in: %w", err)
		}
		d.Cwd = cwd
	}
	if d.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return d, fmt.Errorf("agent: find the outpost binary that runs native flows: %w", err)
		}
		d.Executable = exe
	}
	if d.Secrets == nil {
		d.Secrets = defaultSecrets(cfg.SecretDirs, d.Backend)
	}
	return d, nil
}

// defaultSecrets searches the secret directories, then the backend's secret store.
func defaultSecrets(dirs []string, backend Backend) secrets.Sources {
	var ss secrets.Sources
	for _, dir := range dirs {
		ss = append(ss, secrets.DirSource{Dir: dir})
	}
	if b, ok := backend.(secrets.Backend); ok {
		ss = append(ss, backendSecrets{secrets.BackendSource{Backend: b}})
	}
	return ss
}

// backendSecrets is the backend's secret store, where a backend that has none (Prefect
// Server) holds no secrets rather than failing every run that looks for one.
type backendSecrets struct{ secrets.BackendSource }

func (s backendSecrets) Lookup(ctx context.Context, name string) (secrets.Value, bool, error) {
	v, ok, err := s.BackendSource.Lookup(ctx, name)
	if errors.Is(err, api.ErrNoSecretAPI) {
		return secrets.Value{}, false, nil
	}
	return v, ok, err
}

// listenAddress reads an agent address as Prefect does (urlparse): the scheme and the
// port are required, and an empty host means every interface.
func listenAddress(addr string) (string, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return "", fmt.Errorf("agent address %q must be a URL such as http://127.0.0.1:8080 or http://:8080 (all interfaces)", addr)
	}
	if u.Port() == "" {
		return "", fmt.Errorf("agent address %q has no port: must specify port in agent address, e.g. http://:8080", addr)
	}
	return u.Host, nil
}
