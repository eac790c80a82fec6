package config

import (
	"fmt"
	"strings"
)

// envPrefix is matched case-sensitively: "prefect__x" is not a setting.
const envPrefix = "PREFECT__"

// envOptionPath maps the part of a variable name after PREFECT__ to a key
// path. Everything is lower-cased, except that secret names keep their case:
// when the upper-cased option starts with CONTEXT__SECRETS, only the literal
// text "CONTEXT__SECRETS" is lower-cased. So PREFECT__Context__Secrets__X
// passes the check but keeps its spelling, giving Context.Secrets.X, exactly
// as Prefect does.
func envOptionPath(option string) []string {
	if strings.HasPrefix(strings.ToUpper(option), "CONTEXT__SECRETS") {
		return strings.Split(strings.ReplaceAll(option, "CONTEXT__SECRETS", "context__secrets"), "__")
	}
	return strings.Split(strings.ToLower(option), "__")
}

// applyEnv sets every PREFECT__* variable on the flat configuration, in the
// environment's order. Values are expanded and typed; keys that do not exist
// yet are created. (Where Prefect would crash typing an already typed value,
// the value is kept.)
func applyEnv(fc *flatConfig, env environ, x expander) error {
	for _, name := range env.names {
		option, ok := strings.CutPrefix(name, envPrefix)
		if !ok {
			continue
		}
		source := "environment variable " + name
		expanded, err := x.interpolateEnvVars(env.values[name])
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		value := expanded
		if s, ok := expanded.(string); ok {
			value = StringToType(s)
		}
		if err := fc.set(envOptionPath(option), value, source); err != nil {
			return err
		}
	}
	return nil
}
