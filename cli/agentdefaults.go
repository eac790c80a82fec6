package cli

import (
	"fmt"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/config"
)

// Every agent flag can also come from the environment or the configuration, so an agent
// run as a service needs no long command line. A flag the command line did not set is
// read from OUTPOST_<NAME> (the flag's name upper-cased, dashes as underscores; for a
// repeatable flag, one value per line), else from cloud.agent.<name> in config.toml
// (dashes as underscores; a list for a repeatable flag). Prefect's own keys keep their
// meaning: cloud.agent.name, .labels, .level and .agent_address are read by agentConfig,
// and cloud.agent.env_vars (a table) stands for --env, as in Prefect's agents.

// configKeyOf names the cloud.agent key of flags whose key is not their own name; ""
// means the flag is read from the configuration elsewhere.
var configKeyOf = map[string]string{
	"env":           "env_vars",
	"label":         "", // cloud.agent.labels, read by agentConfig
	"name":          "", // cloud.agent.name, read by agentConfig
	"log-level":     "", // cloud.agent.level, read by agentConfig
	"agent-address": "", // cloud.agent.agent_address, read by agentConfig
	"api":           "", // cloud.api, read by resolveTarget
	"key":           "", // cloud.api_key, read by resolveTarget
	"tenant-id":     "", // cloud.tenant_id, read by resolveTarget
}

// applyFlagDefaults sets the flags the command line left unset from the environment and,
// with cfg, from the configuration.
func applyFlagDefaults(c *ucli.Context, e env, cfg *config.Config) error {
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		_, repeatable := f.(*ucli.GenericFlag)
		// One-letter names are the hidden short forms; a repeatable flag given under its
		// short form is set although its long name is not.
		if len(name) == 1 || c.IsSet(name) || (repeatable && len(repeatedValues(c, name)) > 0) {
			continue
		}
		envName := "OUTPOST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v, ok := e.lookup(envName); ok {
			values := []string{v}
			if repeatable {
				values = strings.Split(strings.TrimRight(v, "\n"), "\n")
			}
			if err := setFlag(c, name, values, envName); err != nil {
				return err
			}
			continue
		}
		key, renamed := configKeyOf[name]
		if !renamed {
			key = strings.ReplaceAll(name, "-", "_")
		}
		if cfg == nil || key == "" {
			continue
		}
		v, ok := cfg.Get("cloud", "agent", key)
		if !ok {
			continue
		}
		values, err := configValues(v, f, "cloud.agent."+key)
		if err != nil {
			return err
		}
		if err := setFlag(c, name, values, "cloud.agent."+key); err != nil {
			return err
		}
	}
	return nil
}

func setFlag(c *ucli.Context, name string, values []string, from string) error {
	for _, v := range values {
		if err := c.Set(name, v); err != nil {
			return usageError("%s: %q is not a valid --%s: %v", from, v, name, err)
		}
	}
	return nil
}

// configValues renders a configuration value as flag values: a table as KEY=VALUE pairs
// (cloud.agent.env_vars), a list as one value each, a number as seconds for a duration.
func configValues(v any, f ucli.Flag, key string) ([]string, error) {
	_, repeatable := f.(*ucli.GenericFlag)
	_, duration := f.(*ucli.DurationFlag)
	switch x := v.(type) {
	case map[string]any:
		if !repeatable {
			return nil, usageError("%s is a table; it takes a single value", key)
		}
		out := make([]string, 0, len(x))
		for k, val := range x {
			out = append(out, k+"="+config.PyStr(val))
		}
		sort.Strings(out)
		return out, nil
	case []any:
		if !repeatable {
			return nil, usageError("%s is a list; it takes a single value", key)
		}
		out := make([]string, 0, len(x))
		for _, val := range x {
			out = append(out, config.PyStr(val))
		}
		return out, nil
	case int64, float64:
		if duration {
			return []string{config.PyStr(v) + "s"}, nil
		}
	case bool:
		return []string{fmt.Sprint(x)}, nil
	}
	return []string{config.PyStr(v)}, nil
}
