package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/agent"
	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/launcher/docker"
	"github.com/outposthq/outpost/runconfig"
)

// defaultDockerHost is the engine's address when neither --base-url, context.base_url
// nor DOCKER_HOST gives one (Prefect's default on Linux).
const defaultDockerHost = "unix:///var/run/docker.sock"

// defaultAgentImage is the image `agent docker install` runs the agent in: the
// Dockerfile's, as `make image` tags it.
const defaultAgentImage = "outpost:latest"

func agentDockerCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "docker",
		Usage: "an agent that launches each flow run as a Docker container",
		Subcommands: []*ucli.Command{
			{
				Name:  "start",
				Usage: "poll the backend and launch due flow runs as Docker containers",
				Description: "Each run gets a container of its flow's image (Docker storage, its DockerRun image,\n" +
					"--default-image, else prefecthq/prefect:<core_version>); a native flow's image must hold outpost on\n" +
					"its PATH. A run's environment is the Docker contract, not the agent's own. Containers are labelled\n" +
					"with the agent's name and backend: an agent restarted with both unchanged follows the runs its\n" +
					"earlier process left running. Runs on the host's network (--network host) are given the API URL\n" +
					"as is; on their own network a \"localhost\" URL becomes host.docker.internal.\n" +
					"The first SIGTERM/SIGINT stops claiming runs and waits for running ones up to --drain-grace;\n" +
					"a second cancels them.",
				Flags:  dockerAgentFlags(),
				Action: func(c *ucli.Context) error { return agentDockerStart(c, e) },
			},
			{
				Name:      "install",
				Usage:     "print a `docker run` command (or, with --compose, a compose service) that runs this agent in a container",
				ArgsUsage: " ",
				Flags: append(dockerAgentFlags(),
					&ucli.BoolFlag{Name: "compose", Usage: "print a compose service definition instead of a docker run command"},
					&ucli.StringFlag{Name: "agent-image", Value: defaultAgentImage, Usage: "the image the agent runs in (outpost on its PATH)"},
				),
				Action: func(c *ucli.Context) error { return agentDockerInstall(c, e) },
			},
		},
	}
}

// dockerAgentFlags are the local agent's flags without its local-only ones, plus
// Prefect's Docker options and Outpost's.
func dockerAgentFlags() []ucli.Flag {
	var flags []ucli.Flag
	for _, f := range agentFlags() {
		switch f.Names()[0] {
		case "import-path", "p":
			continue
		case "hostname-label":
			// Prefect's Docker agent adds no hostname label; it may be asked for.
			f = &ucli.BoolFlag{Name: "hostname-label", Usage: "add this host's name to the agent's labels (off by default, as in Prefect's Docker agent)"}
		}
		flags = append(flags, f)
	}
	for _, f := range [][2]string{
		{"volume", "volume for every run's container: /host/path:/in/container[:mode], or name:/in/container (created when missing)"},
		{"network", "network every run's container joins (the first at create time); host shares the host's network"},
		{"reg-allow-list", "registry run images may come from (default: any)"},
	} {
		flags = append(flags, repeatedFlags(f[0], "", f[1])...)
	}
	return append(flags,
		&ucli.StringFlag{Name: "base-url", Aliases: []string{"b"}, Usage: "the Docker engine's address (default: context.base_url, else DOCKER_HOST, else " + defaultDockerHost + ")"},
		&ucli.BoolFlag{Name: "no-pull", Usage: "never pull images: they must be on the engine's host (= --pull-policy never)"},
		&ucli.StringFlag{Name: "pull-policy", EnvVars: []string{"OUTPOST_PULL_POLICY"}, Usage: "always, if-not-present or never (default: Prefect's rule, pull names with a /, and bare names only when missing)"},
		&ucli.IntFlag{Name: "docker-client-timeout", Usage: "seconds each Docker engine call may take (default 60)"},
		&ucli.StringFlag{Name: "default-image", EnvVars: []string{"OUTPOST_DEFAULT_IMAGE"}, Usage: "image of runs whose flow names none, before prefecthq/prefect:<core_version>"},
	)
}

func agentDockerStart(c *ucli.Context, e env) error {
	var opts docker.Options
	return runAgent(c, e, agentKind{name: "docker",
		configure: func(c *ucli.Context, cfg *config.Config, s config.Settings, acfg *agent.Config) error {
			var err error
			if opts, err = dockerOptions(c, cfg, e); err != nil {
				return err
			}
			acfg.Type = agent.TypeDocker
			acfg.DefaultImage = c.String("default-image")
			acfg.Networks = opts.Networks
			acfg.ServerPort = s.ServerPort
			return nil
		},
		// The containers are labelled with the agent's name and backend, known before the
		// backend is: an engine that does not answer fails the start at once.
		launcher: func(ctx context.Context, acfg agent.Config, apiURL string, log *zap.Logger) (agent.Launcher, func(), error) {
			opts.AgentID = agent.OwnerID(first(acfg.Name, agent.DefaultName), apiURL)
			opts.Logger = log.Named("docker")
			containers, err := docker.New(ctx, opts)
			if err != nil {
				return nil, nil, err
			}
			return containers, func() { _ = containers.Close() }, nil
		},
	})
}

// dockerOptions reads the Docker flags; a malformed one is a usage error. Prefect's
// context.base_url and context.no_pull (PREFECT__CONTEXT__*) apply too.
func dockerOptions(c *ucli.Context, cfg *config.Config, e env) (docker.Options, error) {
	volumes := repeatedValues(c, "volume")
	if _, err := runconfig.ParseVolumes(volumes); err != nil {
		return docker.Options{}, usageError("--volume: %v", err)
	}
	policy, err := docker.ParsePullPolicy(c.String("pull-policy"))
	if err != nil {
		return docker.Options{}, usageError("--pull-policy: %v", err)
	}
	if noPull, _ := contextValue(cfg, "no_pull").(bool); c.Bool("no-pull") || noPull {
		if policy != docker.PullDefault && policy != docker.PullNever {
			return docker.Options{}, usageError("--no-pull contradicts --pull-policy %s: give one of them", policy)
		}
		policy = docker.PullNever
	}
	timeout := time.Duration(c.Int("docker-client-timeout")) * time.Second
	if c.IsSet("docker-client-timeout") && timeout <= 0 {
		return docker.Options{}, usageError("--docker-client-timeout must be a positive number of seconds, got %d", c.Int("docker-client-timeout"))
	}
	base, _ := contextValue(cfg, "base_url").(string)
	return docker.Options{
		Host:       first(c.String("base-url"), base, e.get("DOCKER_HOST"), defaultDockerHost),
		Timeout:    timeout,
		Volumes:    volumes,
		Networks:   repeatedValues(c, "network"),
		PullPolicy: policy,
		AllowList:  repeatedValues(c, "reg-allow-list"),
	}, nil
}

// contextValue is config key context.<name>, nil when unset.
func contextValue(cfg *config.Config, name string) any {
	if cfg == nil {
		return nil
	}
	v, _ := cfg.Get("context", name)
	return v
}

// agentDockerInstall prints how to run this agent in a container of its own: the
// engine's socket mounted, the flags as given, the API key from the caller's
// environment (never written out), the host's network, and a stop timeout that covers
// the drain.
func agentDockerInstall(c *ucli.Context, e env) error {
	if c.Args().Present() {
		return usageError("agent docker install takes no arguments, got %q", c.Args().First())
	}
	if err := applyFlagDefaults(c, e, nil); err != nil {
		return err
	}
	if _, err := parseEnvFlags(repeatedValues(c, "env")); err != nil {
		return err
	}
	opts, err := dockerOptions(c, nil, e)
	if err != nil {
		return err
	}
	svc := agentService{
		image:   c.String("agent-image"),
		command: append([]string{"agent", "docker", "start"}, setFlags(c, "compose", "agent-image", "key", "base-url")...),
		stop:    c.Duration("drain-grace") + c.Duration("cancel-grace") + agent.DefaultDeliverGrace,
	}
	if sock, ok := strings.CutPrefix(opts.Host, "unix://"); ok {
		// Mounted where the agent's default address finds it.
		svc.volumes = append(svc.volumes, sock+":/var/run/docker.sock")
		if gid, ok := fileGroup(sock); ok {
			svc.groups = append(svc.groups, strconv.Itoa(gid))
		}
	} else {
		svc.command = append(svc.command, "--base-url", opts.Host)
	}
	for _, dir := range repeatedValues(c, "secret-dir") {
		svc.volumes = append(svc.volumes, dir+":"+dir+":ro")
	}
	out := svc.dockerRun()
	if c.Bool("compose") {
		out = svc.compose()
	}
	_, err = fmt.Fprint(c.App.Writer, out)
	return err
}

// agentService is the agent's container as install prints it. It runs on the host's
// network: it reaches a backend on this host's loopback and serves its agent address
// as it would outside a container. That costs no isolation worth having: whoever holds
// the engine's socket is root on the host.
type agentService struct {
	image   string
	command []string
	volumes []string
	groups  []string // the socket's group: the image's user is not root
	stop    time.Duration
}

const keyNote = "# The agent reads its API key from OUTPOST_KEY in this environment: export it first.\n"

// dockerRun is the service as a shell command, one option a line.
func (s agentService) dockerRun() string {
	lines := [][]string{{"docker", "run", "--detach"}, {"--name", "outpost-agent"}, {"--restart", "unless-stopped"},
		{"--network", "host"}, {"--stop-timeout", strconv.Itoa(int(s.stop.Round(time.Second).Seconds()))}, {"--env", "OUTPOST_KEY"}}
	for _, v := range s.volumes {
		lines = append(lines, []string{"--volume", v})
	}
	for _, g := range s.groups {
		lines = append(lines, []string{"--group-add", g})
	}
	lines = append(lines, []string{"--entrypoint", "outpost"}, append([]string{s.image}, s.command...))
	rendered := make([]string, len(lines))
	for i, words := range lines {
		quoted := make([]string, len(words))
		for j, w := range words {
			quoted[j] = shellWord(w)
		}
		rendered[i] = strings.Join(quoted, " ")
	}
	return keyNote + strings.Join(rendered, " \\\n  ") + "\n"
}

func (s agentService) compose() string {
	var b strings.Builder
	b.WriteString(keyNote)
	b.WriteString("services:\n  outpost-agent:\n")
	fmt.Fprintf(&b, "    image: %s\n", yamlString(s.image))
	fmt.Fprintf(&b, "    entrypoint: [%s]\n", yamlString("outpost"))
	fmt.Fprintf(&b, "    command: [%s]\n", yamlList(s.command))
	b.WriteString("    environment: [OUTPOST_KEY]\n")
	if len(s.volumes) > 0 {
		fmt.Fprintf(&b, "    volumes: [%s]\n", yamlList(s.volumes))
	}
	if len(s.groups) > 0 {
		fmt.Fprintf(&b, "    group_add: [%s]\n", yamlList(s.groups))
	}
	b.WriteString("    network_mode: host\n    restart: unless-stopped\n")
	fmt.Fprintf(&b, "    stop_grace_period: %ds\n", int(s.stop.Round(time.Second).Seconds()))
	return b.String()
}

// yamlString quotes s for YAML (JSON strings are YAML), with $ doubled so that compose
// does not take it for a variable.
func yamlString(s string) string {
	q, _ := json.Marshal(strings.ReplaceAll(s, "$", "$$"))
	return string(q)
}

func yamlList(items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = yamlString(it)
	}
	return strings.Join(quoted, ", ")
}

// shellWord quotes one argument for a POSIX shell: plain words as they are, anything
// else in single quotes.
func shellWord(w string) string {
	plain := w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+", r))
	}) < 0
	if plain {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'"'"'`) + "'"
}

// fileGroup is the group owning path on this host, when it can be read.
func fileGroup(path string) (int, bool) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Gid), true
}
