package config

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Settings is the typed view of the keys the rest of Outpost reads.
// Printing it with fmt never shows APIKey or Agent.AuthToken.
type Settings struct {
	Backend                   string        // backend
	HomeDir                   string        // home_dir
	CloudAPI                  string        // cloud.api
	APIKey                    string        // cloud.api_key
	TenantID                  string        // cloud.tenant_id
	UseLocalSecrets           bool          // cloud.use_local_secrets
	RequestTimeout            time.Duration // cloud.request_timeout (seconds)
	HeartbeatInterval         time.Duration // cloud.heartbeat_interval (seconds)
	CheckCancellationInterval time.Duration // cloud.check_cancellation_interval (seconds)
	SendFlowRunLogs           bool          // cloud.send_flow_run_logs
	Agent                     AgentSettings
	LoggingLevel              string // logging.level
	ServerEndpoint            string // server.endpoint
	ServerHost                string // server.host
	ServerPort                int    // server.port
}

// AgentSettings is the cloud.agent table.
type AgentSettings struct {
	Name         string   // cloud.agent.name
	Labels       []string // cloud.agent.labels
	Level        string   // cloud.agent.level
	AgentAddress string   // cloud.agent.agent_address
	AuthToken    string   // cloud.agent.auth_token (deprecated)
}

// Settings reads the typed view. A value of the wrong type is an error that
// names the key and the expected type, never the value. Strings accept any
// scalar (Prefect would str() it) and None reads as "".
func (c *Config) Settings() (Settings, error) {
	r := &reader{tree: c.tree}
	s := Settings{
		Backend:                   r.str("backend"),
		HomeDir:                   r.str("home_dir"),
		CloudAPI:                  r.str("cloud.api"),
		APIKey:                    r.str("cloud.api_key"),
		TenantID:                  r.str("cloud.tenant_id"),
		UseLocalSecrets:           r.boolean("cloud.use_local_secrets"),
		RequestTimeout:            r.seconds("cloud.request_timeout"),
		HeartbeatInterval:         r.seconds("cloud.heartbeat_interval"),
		CheckCancellationInterval: r.seconds("cloud.check_cancellation_interval"),
		SendFlowRunLogs:           r.boolean("cloud.send_flow_run_logs"),
		Agent: AgentSettings{
			Name:         r.str("cloud.agent.name"),
			Labels:       r.strings("cloud.agent.labels"),
			Level:        r.str("cloud.agent.level"),
			AgentAddress: r.str("cloud.agent.agent_address"),
			AuthToken:    r.str("cloud.agent.auth_token"),
		},
		LoggingLevel:   r.str("logging.level"),
		ServerEndpoint: r.str("server.endpoint"),
		ServerHost:     r.str("server.host"),
		ServerPort:     r.port("server.port"),
	}
	if r.err != nil {
		return Settings{}, r.err
	}
	return s, nil
}

// Format prints the settings with the credentials masked, for every verb.
func (s Settings) Format(f fmt.State, _ rune) {
	type plain Settings // drops this method, so printing does not recurse
	p := plain(s)
	p.APIKey = mask(p.APIKey)
	fmt.Fprintf(f, "%+v", p)
}

// Format prints the agent settings with the auth token masked.
func (a AgentSettings) Format(f fmt.State, _ rune) {
	type plain AgentSettings
	p := plain(a)
	p.AuthToken = mask(p.AuthToken)
	fmt.Fprintf(f, "%+v", p)
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// reader collects the first type error while reading many keys.
type reader struct {
	tree map[string]any
	err  error
}

func (r *reader) get(key string) (any, bool) {
	if r.err != nil {
		return nil, false
	}
	v, ok, err := lookup(r.tree, strings.Split(key, "."))
	if err != nil {
		r.err = err
	}
	return v, ok
}

func (r *reader) fail(key, want string, v any) {
	r.err = fmt.Errorf("%s: expected %s, got %s", key, want, typeName(v))
}

func (r *reader) str(key string) string {
	v, ok := r.get(key)
	switch v.(type) {
	case nil:
		return ""
	case []any, map[string]any:
		r.fail(key, "a string", v)
		return ""
	}
	if !ok {
		return ""
	}
	return PyStr(v)
}

func (r *reader) boolean(key string) bool {
	v, ok := r.get(key)
	b, isBool := v.(bool)
	if ok && !isBool {
		r.fail(key, "true or false", v)
	}
	return b
}

func (r *reader) seconds(key string) time.Duration {
	v, ok := r.get(key)
	if !ok {
		return 0
	}
	var secs float64
	switch x := v.(type) {
	case int64:
		secs = float64(x)
	case float64:
		secs = x
	default:
		r.fail(key, "a number of seconds", v)
		return 0
	}
	if math.IsNaN(secs) || secs < 0 || secs > math.MaxInt64/float64(time.Second) {
		r.err = fmt.Errorf("%s: expected a number of seconds between 0 and %d", key, math.MaxInt64/int64(time.Second))
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}

func (r *reader) port(key string) int {
	v, ok := r.get(key)
	if !ok {
		return 0
	}
	n, isInt := v.(int64)
	if !isInt {
		if _, isBig := v.(*big.Int); !isBig {
			r.fail(key, "a port number", v)
			return 0
		}
		n = -1
	}
	if n < 0 || n > 65535 {
		r.err = fmt.Errorf("%s: expected a port number between 0 and 65535", key)
		return 0
	}
	return int(n)
}

func (r *reader) strings(key string) []string {
	v, ok := r.get(key)
	if !ok || v == nil {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		r.fail(key, `a list of strings (for example "['label']")`, v)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, it := range list {
		s, isStr := it.(string)
		if !isStr {
			r.fail(fmt.Sprintf("%s[%d]", key, i), "a string", it)
			return nil
		}
		out = append(out, s)
	}
	return out
}
