package config

import (
	_ "embed"
	"fmt"
	"os"
)

//go:embed defaults.toml
var defaultsTOML []byte

const defaultsSource = "built-in defaults"

// LoadOptions says where configuration comes from. Tests pass their own
// environment; nothing here reads or changes the process environment except
// the fallback for Home.
type LoadOptions struct {
	// Env is the environment in os.Environ form ("NAME=value"); nil is an
	// empty environment. Pass os.Environ() for the process's own.
	Env []string
	// Home is the directory "~" stands for; empty means os.UserHomeDir.
	Home string
}

// Config is the effective configuration: a tree of tables (map[string]any)
// whose leaves are typed values (see StringToType). It is immutable; every
// accessor returns copies.
type Config struct {
	tree map[string]any
}

// configFiles are the optional files merged over the defaults, in order, and
// the variables that move them.
var configFiles = []struct{ envName, fallback string }{
	{"PREFECT__USER_CONFIG_PATH", "~/.prefect/config.toml"},
	{"PREFECT__BACKEND_CONFIG_PATH", "~/.prefect/backend.toml"},
}

// Load builds the configuration the way Prefect 1.x does:
//  1. the built-in defaults,
//  2. the user file (PREFECT__USER_CONFIG_PATH, default ~/.prefect/config.toml),
//  3. the backend file (PREFECT__BACKEND_CONFIG_PATH, default ~/.prefect/backend.toml),
//     both deep-merged and only if they exist,
//  4. PREFECT__* environment variables,
//  5. $VAR and ~ expansion, then typing, of every string value,
//  6. ${a.b} references between keys,
//  7. rejection of reserved key names,
//  8. the task defaults.
func Load(opts LoadOptions) (*Config, error) {
	home := opts.Home
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("cannot tell what ~ means: %w; set HOME", err)
		}
		home = h
	}
	env := newEnviron(opts.Env)
	x := expander{env: env, home: home}

	defaults, err := decodeTOML(defaultsSource, defaultsTOML)
	if err != nil {
		return nil, err
	}
	merged := defaults
	sources := map[string]string{}
	record := func(tree map[string]any, source string) {
		walkLeaves(tree, nil, func(path []string) { sources[pathKey(path)] = source })
	}
	record(defaults, defaultsSource)
	for _, f := range configFiles {
		path, err := configPath(env, x, f.envName, f.fallback)
		if err != nil {
			return nil, err
		}
		if path == "" {
			continue
		}
		tree, found, err := readTOMLFile(path)
		if err != nil {
			return nil, err
		}
		if found {
			merged = mergeTrees(merged, tree)
			record(tree, path)
		}
	}

	fc := flatten(merged, func(path []string) string { return sources[pathKey(path)] })
	if err := applyEnv(fc, env, x); err != nil {
		return nil, err
	}
	if err := expandAll(fc, x); err != nil {
		return nil, err
	}
	interpolate(fc)
	if err := validateKeys(fc); err != nil {
		return nil, err
	}
	tree := fc.tree()
	if err := processTaskDefaults(tree); err != nil {
		return nil, err
	}
	if v, ok, _ := lookup(tree, []string{"context", "secrets"}); ok {
		if _, isTable := v.(map[string]any); !isTable {
			return nil, fmt.Errorf("context.secrets must be a table of secret names, got %s", typeName(v))
		}
	}
	return &Config{tree: tree}, nil
}

// configPath is the expanded path of an optional config file. A variable set
// to the empty string turns the file off, as in Prefect.
func configPath(env environ, x expander, envName, fallback string) (string, error) {
	raw, ok := env.values[envName]
	if !ok {
		raw = fallback
	}
	if raw == "" {
		return "", nil
	}
	expanded, err := x.interpolateEnvVars(raw)
	if err != nil {
		return "", fmt.Errorf("%s: %w", envName, err)
	}
	// Expansion may type the path (a path of digits); it is still a path.
	return PyStr(expanded), nil
}
