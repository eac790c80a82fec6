package config

import (
	"fmt"
	"math"
	"math/big"
	"time"
)

// processTaskDefaults is Prefect's process_task_defaults on tasks.defaults:
// max_retries that is falsy becomes 0; retry_delay that is False (TOML has no
// null) becomes None and an integer becomes a duration in seconds (True counts
// as 1, since Python's bool is an int); timeout that is False becomes None.
// Missing keys are created.
func processTaskDefaults(tree map[string]any) error {
	tasks, err := subTable(tree, "tasks", "tasks")
	if err != nil {
		return err
	}
	defaults, err := subTable(tasks, "defaults", "tasks.defaults")
	if err != nil {
		return err
	}
	if !truthy(defaults["max_retries"]) {
		defaults["max_retries"] = int64(0)
	}
	switch d := defaults["retry_delay"].(type) {
	case bool:
		if d {
			defaults["retry_delay"] = time.Second
		} else {
			defaults["retry_delay"] = nil
		}
	case int64:
		if d > math.MaxInt64/int64(time.Second) || d < math.MinInt64/int64(time.Second) {
			return fmt.Errorf("tasks.defaults.retry_delay: %d seconds is too long a delay; use a smaller number", d)
		}
		defaults["retry_delay"] = time.Duration(d) * time.Second
	case *big.Int:
		return fmt.Errorf("tasks.defaults.retry_delay: %s seconds is too long a delay; use a smaller number", d)
	}
	if _, ok := defaults["retry_delay"]; !ok {
		defaults["retry_delay"] = nil
	}
	if t, ok := defaults["timeout"]; !ok || t == false {
		defaults["timeout"] = nil
	}
	return nil
}

// subTable returns m[key] as a table, creating it when missing.
func subTable(m map[string]any, key, path string) (map[string]any, error) {
	v, ok := m[key]
	if !ok {
		t := map[string]any{}
		m[key] = t
		return t, nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a table, got %s", path, typeName(v))
	}
	return t, nil
}

// truthy is Python's bool() of a configuration value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case *big.Int:
		return x.Sign() != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case time.Duration:
		return x != 0
	}
	return true
}
