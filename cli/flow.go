package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
)

// defaultProject is the project flows are registered in; it is created on first use.
const defaultProject = "default"

// storageFlags are the mutually exclusive ways to say where a flow's code is.
var storageFlags = []string{"script", "local", "github"}

// githubFlags only make sense with --github.
var githubFlags = []string{"path", "ref", "github-url", "access-token-secret"}

func flowCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "flow",
		Usage: "register native flows (a command, a local script or a script on GitHub) with a backend",
		Subcommands: []*ucli.Command{{
			Name:  "register",
			Usage: "register a flow, or a new version of it, and print its id",
			Description: "Exactly one storage: --script 'COMMAND ARGS' (split like a POSIX shell splits words, nothing expanded),\n" +
				"--local PATH (a script on the agent's host) or --github OWNER/REPO --path PATH.\n" +
				"--env, --working-dir and --image make the flow's run config (a LocalRun, or a DockerRun with --image);\n" +
				"--label sets the flow's labels, which its runs inherit.",
			Flags: slices.Concat(clientFlagDefs(),
				[]ucli.Flag{&ucli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "the flow's name (registering it again adds a version)"}},
				repeatedFlags("label", "l", "a label of the flow, which its runs inherit"),
				[]ucli.Flag{
					&ucli.StringFlag{Name: "script", Usage: "the command to run, e.g. 'python etl.py --full'"},
					&ucli.StringFlag{Name: "local", Usage: "the path of an executable script on the agent's host"},
					&ucli.StringFlag{Name: "github", Usage: "the GitHub repository OWNER/REPO holding the script"},
					&ucli.StringFlag{Name: "path", Usage: "the script's path in the GitHub repository"},
					&ucli.StringFlag{Name: "ref", Usage: "the branch, tag or commit to read the script from (default: the repository's default branch)"},
					&ucli.StringFlag{Name: "github-url", Usage: "the API URL of a GitHub Enterprise server, e.g. https://github.example.com/api/v3"},
					&ucli.StringFlag{Name: "access-token-secret", Usage: "the secret holding the GitHub token (default: GITHUB_ACCESS_TOKEN)"},
				},
				repeatedFlags("secret", "s", "a secret the run gets as PREFECT__CONTEXT__SECRETS__NAME"),
				repeatedFlags("env", "e", "KEY=VALUE for the run's environment"),
				[]ucli.Flag{
					&ucli.StringFlag{Name: "working-dir", Usage: "the directory a local run starts in"},
					&ucli.StringFlag{Name: "image", Usage: "run the flow in a container of this image (a DockerRun)"},
				},
			),
			Action: func(c *ucli.Context) error { return registerFlow(c, e) },
		}},
	}
}

func registerFlow(c *ucli.Context, e env) error {
	if c.Args().Present() {
		return usageError("flow register takes no arguments, got %q", c.Args().First())
	}
	name := strings.TrimSpace(c.String("name"))
	if name == "" {
		return usageError("flow register needs --name NAME")
	}
	storage, err := flowStorage(c)
	if err != nil {
		return err
	}
	runConfig, err := flowRunConfig(c)
	if err != nil {
		return err
	}
	client, target, err := connect(c, e)
	if err != nil {
		return err
	}
	project, err := defaultProjectID(c.Context, client, target.TenantID)
	if err != nil {
		return err
	}
	id, err := client.RegisterFlow(c.Context, api.FlowRegistration{
		Name:        name,
		ProjectID:   project,
		Storage:     storage,
		RunConfig:   runConfig,
		CoreVersion: runconfig.NativeCoreVersionPrefix + Version,
	})
	if err != nil {
		return fmt.Errorf("register flow %q: %w", name, err)
	}
	_, err = fmt.Fprintln(c.App.Writer, id)
	return err
}

// flowStorage builds the storage in its wire form from the storage flags.
func flowStorage(c *ucli.Context) (map[string]any, error) {
	var given []string
	for _, f := range storageFlags {
		if c.IsSet(f) {
			given = append(given, "--"+f)
		}
	}
	if len(given) != 1 {
		got := "none"
		if len(given) > 1 {
			got = strings.Join(given, " and ")
		}
		return nil, usageError("give exactly one storage: --script 'COMMAND', --local PATH or --github OWNER/REPO --path PATH (got %s)", got)
	}
	if given[0] != "--github" {
		for _, f := range githubFlags {
			if c.IsSet(f) {
				return nil, usageError("--%s is for --github storage only; it does not apply to %s", f, given[0])
			}
		}
	}
	var storage map[string]any
	switch given[0] {
	case "--script":
		argv, err := splitWords(c.String("script"))
		if err != nil {
			return nil, usageError("--script: %v", err)
		}
		if len(argv) == 0 {
			return nil, usageError("--script is empty: give the command to run, e.g. --script 'python etl.py'")
		}
		storage = map[string]any{"type": runconfig.StorageScript, "argv": argv}
	case "--local":
		path := c.String("local")
		if strings.TrimSpace(path) == "" {
			return nil, usageError("--local is empty: give the path of the script to run")
		}
		// The agent runs the script by its absolute path, whatever its own directory.
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("--local %q: cannot make the path absolute: %w", path, err)
		}
		storage = map[string]any{"type": runconfig.StorageLocal, "path": abs}
	case "--github":
		var err error
		if storage, err = githubStorage(c); err != nil {
			return nil, err
		}
	}
	secretNames := repeatedValues(c, "secret")
	for _, s := range secretNames {
		if strings.TrimSpace(s) == "" {
			return nil, usageError("--secret needs a secret name, got an empty one")
		}
	}
	if len(secretNames) > 0 {
		storage["secrets"] = secretNames
	}
	return storage, nil
}

func githubStorage(c *ucli.Context) (map[string]any, error) {
	repo := c.String("github")
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(repo, " \t\n") {
		return nil, usageError("--github %q is not a repository: use OWNER/REPO, e.g. --github acme/flows", repo)
	}
	path := strings.TrimPrefix(c.String("path"), "/")
	if path == "" {
		return nil, usageError("--github needs --path, the script's path in the repository")
	}
	storage := map[string]any{"type": runconfig.StorageGitHub, "repo": repo, "path": path}
	if ref := c.String("ref"); ref != "" {
		storage["ref"] = ref
	}
	if base := c.String("github-url"); base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usageError("--github-url %q is not an http(s) URL: give the API URL, e.g. https://github.example.com/api/v3", base)
		}
		storage["base_url"] = base
	}
	if s := c.String("access-token-secret"); s != "" {
		storage["access_token_secret"] = s
	}
	return storage, nil
}

// flowRunConfig builds the flow's run config in Prefect's wire form. The run config
// also carries the labels: the backend takes a flow's labels from it.
func flowRunConfig(c *ucli.Context) (map[string]any, error) {
	runEnv, err := parseKeyValues("--env", repeatedValues(c, "env"))
	if err != nil {
		return nil, err
	}
	labels, err := labelValues(c)
	if err != nil {
		return nil, err
	}
	rc := map[string]any{"type": runconfig.TypeLocal}
	switch {
	case c.IsSet("image"):
		image := strings.TrimSpace(c.String("image"))
		if image == "" {
			return nil, usageError("--image is empty: give an image such as python:3.12")
		}
		if c.IsSet("working-dir") {
			return nil, usageError("--working-dir is for local runs; with --image the image sets the working directory")
		}
		rc = map[string]any{"type": runconfig.TypeDocker, "image": image}
	case c.String("working-dir") != "":
		rc["working_dir"] = c.String("working-dir")
	}
	if runEnv != nil {
		rc["env"] = runEnv
	}
	if labels != nil {
		rc["labels"] = labels
	}
	return rc, nil
}

// labelValues returns the --label values, nil when none was given.
func labelValues(c *ucli.Context) ([]string, error) {
	labels := repeatedValues(c, "label")
	for _, l := range labels {
		if strings.TrimSpace(l) == "" {
			return nil, usageError("--label needs a label, got an empty one")
		}
	}
	return labels, nil
}

// parseKeyValues reads KEY=VALUE pairs, split on the first '='; nil when there are none.
func parseKeyValues(flag string, pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usageError("%s %q is not KEY=VALUE: write it as %s NAME=value", flag, p, flag)
		}
		m[k] = v
	}
	return m, nil
}

// defaultProjectID returns the id of the "default" project, creating it when missing.
func defaultProjectID(ctx context.Context, client *api.Client, tenantID string) (string, error) {
	id, err := client.ProjectID(ctx, defaultProject)
	if err == nil || !errors.Is(err, api.ErrNotFound) {
		return id, err
	}
	if tenantID == "" {
		if tenantID, err = client.DefaultTenantID(ctx); err != nil {
			return "", err
		}
	}
	id, err = client.CreateProject(ctx, tenantID, defaultProject)
	if err != nil {
		// Another registration may have created it in the meantime.
		if again, againErr := client.ProjectID(ctx, defaultProject); againErr == nil {
			return again, nil
		}
		return "", fmt.Errorf("create the %q project: %w", defaultProject, err)
	}
	return id, nil
}

// clientFlagDefs are the connection flags of every command that talks to a backend.
func clientFlagDefs() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "api", Aliases: []string{"a"}, EnvVars: []string{"OUTPOST_API"},
			Usage: "the backend's URL (default: cloud.api from the configuration)"},
		&ucli.StringFlag{Name: "key", Aliases: []string{"k"}, EnvVars: []string{"OUTPOST_KEY"},
			Usage: "the API key (default: cloud.api_key, then auth.toml)"},
		&ucli.StringFlag{Name: "tenant-id", EnvVars: []string{"OUTPOST_TENANT_ID"},
			Usage: "the tenant to act in (default: cloud.tenant_id, then auth.toml)"},
	}
}

// connect builds the backend client from the connection flags, the configuration and
// auth.toml, and says which tenant it acts in ("" when none is configured).
func connect(c *ucli.Context, e env) (*api.Client, backendTarget, error) {
	cfg, err := loadConfig(e)
	if err != nil {
		return nil, backendTarget{}, err
	}
	flags := clientFlags{API: c.String("api"), Key: c.String("key"), TenantID: c.String("tenant-id")}
	target, err := resolveTarget(cfg, flags)
	if err != nil {
		return nil, backendTarget{}, err
	}
	client, err := newAPIClient(cfg, e, flags)
	if err != nil {
		return nil, backendTarget{}, err
	}
	return client, target, nil
}

// repeated is a flag that may be given several times. Unlike urfave's slice flags it
// never splits a value on commas, so `--env PATHS=a,b` keeps its value whole.
type repeated []string

func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
func (r *repeated) String() string     { return strings.Join(*r, ", ") }

// repeatedFlags defines a repeatable flag and its short form. The short form is a
// hidden flag of its own sharing the value, because urfave refuses one flag given under
// two of its names, and users write `--label a -l b`.
func repeatedFlags(name, short, usage string) []ucli.Flag {
	v := &repeated{}
	if short == "" {
		return []ucli.Flag{&ucli.GenericFlag{Name: name, Usage: usage + "; repeatable", Value: v}}
	}
	return []ucli.Flag{
		&ucli.GenericFlag{Name: name, Usage: usage + "; repeatable, short form -" + short, Value: v},
		&ucli.GenericFlag{Name: short, Hidden: true, Value: v},
	}
}

func repeatedValues(c *ucli.Context, name string) []string {
	if r, ok := c.Generic(name).(*repeated); ok && len(*r) > 0 {
		return append([]string(nil), *r...)
	}
	return nil
}
