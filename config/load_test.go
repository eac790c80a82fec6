package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeFile writes a file under dir, creating directories, and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadHome loads with home as ~ and the given user/backend files under
// ~/.prefect (empty content means no file).
func loadHome(t *testing.T, userTOML, backendTOML string, env ...string) (*Config, error) {
	t.Helper()
	home := t.TempDir()
	if userTOML != "" {
		writeFile(t, home, ".prefect/config.toml", userTOML)
	}
	if backendTOML != "" {
		writeFile(t, home, ".prefect/backend.toml", backendTOML)
	}
	return Load(LoadOptions{Env: env, Home: home})
}

func mustLoad(t *testing.T, userTOML, backendTOML string, env ...string) *Config {
	t.Helper()
	c, err := loadHome(t, userTOML, backendTOML, env...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func mustGet(t *testing.T, c *Config, dottedKey string) any {
	t.Helper()
	v, ok := c.Get(strings.Split(dottedKey, ".")...)
	if !ok {
		t.Fatalf("key %s is missing", dottedKey)
	}
	return v
}

func TestLoadDefaults(t *testing.T) {
	home := t.TempDir()
	c, err := Load(LoadOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"backend":                                   "cloud",
		"home_dir":                                  home + "/.prefect",
		"cloud.api":                                 "https://api.prefect.io",
		"cloud.graphql":                             "https://api.prefect.io/graphql",
		"cloud.use_local_secrets":                   true,
		"cloud.heartbeat_interval":                  30.0,
		"cloud.request_timeout":                     int64(15),
		"cloud.agent.labels":                        []any{},
		"cloud.agent.name":                          "agent",
		"cloud.rate_limiting.backoff_s":             int64(180),
		"server.port":                               int64(4200),
		"server.endpoint":                           "http://localhost:4200",
		"logging.extra_loggers":                     []any{},
		"logging.format":                            "[%(asctime)s] %(levelname)s - %(name)s | %(message)s",
		"tasks.defaults.max_retries":                int64(0),
		"tasks.defaults.retry_delay":                nil,
		"tasks.defaults.timeout":                    nil,
		"flows.defaults.storage.add_default_labels": true,
	}
	for key, w := range want {
		if diff := cmp.Diff(w, mustGet(t, c, key)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", key, diff)
		}
	}
	if _, ok := c.Get("context"); ok {
		t.Error("the defaults must not have a [context] table")
	}
}

func TestLoadPrecedenceAndDeepMerge(t *testing.T) {
	user := `
backend = "server"
[cloud]
request_timeout = 60
[cloud.agent]
name = "from-user"
labels = ["a"]
[server]
port = 5000
[extra]
kept = "user"
`
	backend := `
[cloud.agent]
name = "from-backend"
[extra]
added = 1
`
	c := mustLoad(t, user, backend, "PREFECT__CLOUD__AGENT__LEVEL=DEBUG", "PREFECT__EXTRA__ADDED=2")
	want := map[string]any{
		"backend":                  "server",                // user over default
		"cloud.request_timeout":    int64(60),               // user over default
		"cloud.heartbeat_interval": 30.0,                    // default kept beside user keys
		"cloud.agent.name":         "from-backend",          // backend over user
		"cloud.agent.labels":       []any{"a"},              // user, untouched by backend
		"cloud.agent.level":        "DEBUG",                 // env over everything
		"extra.kept":               "user",                  // tables merge recursively
		"extra.added":              int64(2),                // env over backend
		"server.endpoint":          "http://localhost:5000", // references see merged values
		"cloud.api":                "http://localhost:5000",
	}
	for key, w := range want {
		if diff := cmp.Diff(w, mustGet(t, c, key)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", key, diff)
		}
	}
}

func TestLoadMergeReplacesNonTables(t *testing.T) {
	// A scalar replaces a table and a table replaces a scalar, as merge_dicts does.
	c := mustLoad(t, "[cloud.agent]\nlabels = { x = 1 }\n[cloud.rate_limiting]\n", "[logging]\nlevel = \"ERROR\"\n[flows]\ndefaults = 5\n")
	if diff := cmp.Diff(map[string]any{"x": int64(1)}, mustGet(t, c, "cloud.agent.labels")); diff != "" {
		t.Errorf("labels mismatch:\n%s", diff)
	}
	if got := mustGet(t, c, "flows.defaults"); got != int64(5) {
		t.Errorf("flows.defaults = %#v, want 5", got)
	}
	if got := mustGet(t, c, "cloud.rate_limiting.max_retries"); got != int64(6) {
		t.Errorf("an empty table must not erase defaults, got %#v", got)
	}
	if got := mustGet(t, c, "logging.level"); got != "ERROR" {
		t.Errorf("logging.level = %#v", got)
	}
}

func TestLoadConfigPaths(t *testing.T) {
	tests := []struct {
		name      string
		env       func(home, other string) []string
		wantName  string
		wantLevel string
	}{
		{
			name:     "defaults under ~/.prefect",
			env:      func(home, other string) []string { return nil },
			wantName: "home-user", wantLevel: "home-backend",
		},
		{
			name: "paths with ~",
			env: func(home, other string) []string {
				return []string{"PREFECT__USER_CONFIG_PATH=~/alt/user.toml", "PREFECT__BACKEND_CONFIG_PATH=~/alt/backend.toml"}
			},
			wantName: "alt-user", wantLevel: "alt-backend",
		},
		{
			name: "paths with $VAR",
			env: func(home, other string) []string {
				return []string{"CFG=" + other, "PREFECT__USER_CONFIG_PATH=$CFG/user.toml", "PREFECT__BACKEND_CONFIG_PATH=${CFG}/backend.toml"}
			},
			wantName: "other-user", wantLevel: "other-backend",
		},
		{
			name: "empty path turns a file off",
			env: func(home, other string) []string {
				return []string{"PREFECT__USER_CONFIG_PATH=", "PREFECT__BACKEND_CONFIG_PATH="}
			},
			wantName: "agent", wantLevel: "INFO",
		},
		{
			name: "missing files are skipped",
			env: func(home, other string) []string {
				return []string{"PREFECT__USER_CONFIG_PATH=" + other + "/nope.toml", "PREFECT__BACKEND_CONFIG_PATH=" + other + "/file.toml/x"}
			},
			wantName: "agent", wantLevel: "INFO",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, other := t.TempDir(), t.TempDir()
			agent := func(name, level string) string {
				return "[cloud.agent]\nname = \"" + name + "\"\n[logging]\nlevel = \"" + level + "\"\n"
			}
			writeFile(t, home, ".prefect/config.toml", agent("home-user", "home-user"))
			writeFile(t, home, ".prefect/backend.toml", "[logging]\nlevel = \"home-backend\"\n")
			writeFile(t, home, "alt/user.toml", agent("alt-user", "alt-user"))
			writeFile(t, home, "alt/backend.toml", "[logging]\nlevel = \"alt-backend\"\n")
			writeFile(t, other, "user.toml", agent("other-user", "other-user"))
			writeFile(t, other, "backend.toml", "[logging]\nlevel = \"other-backend\"\n")
			writeFile(t, other, "file.toml", "")
			c, err := Load(LoadOptions{Env: tt.env(home, other), Home: home})
			if err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, c, "cloud.agent.name"); got != tt.wantName {
				t.Errorf("cloud.agent.name = %#v, want %q", got, tt.wantName)
			}
			if got := mustGet(t, c, "logging.level"); got != tt.wantLevel {
				t.Errorf("logging.level = %#v, want %q", got, tt.wantLevel)
			}
		})
	}
}

func TestLoadInvalidTOML(t *testing.T) {
	tests := []struct {
		name, user, backend string
		wantFile            string
		wantPos             string
	}{
		{"user file", "a = 1\nb = \n", "", ".prefect/config.toml", ":2:5: "},
		{"backend file", "", "[x]\n[x]\n", ".prefect/backend.toml", ":2:2: table x already exists"},
		{"duplicate key", "k = 1\nk = 2\n", "", ".prefect/config.toml", ":2:1: key k is already defined"},
		{"unterminated", "token = \"s3cr3t\n", "", ".prefect/config.toml", ":1:"},
		{"number text is not quoted", "token = 3e3333333\n", "", ".prefect/config.toml", ":1:9: unable to parse float: value out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadHome(t, tt.user, tt.backend)
			var te *TOMLError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is not a *TOMLError", err)
			}
			msg := err.Error()
			if !strings.HasSuffix(te.Path, tt.wantFile) || !strings.HasPrefix(msg, te.Path+":") {
				t.Errorf("error %q does not start with the file %s", msg, tt.wantFile)
			}
			if !strings.Contains(msg, tt.wantPos) {
				t.Errorf("error %q does not contain %q", msg, tt.wantPos)
			}
			if strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "3333") || strings.Contains(msg, "\n") {
				t.Errorf("error %q quotes the document", msg)
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".prefect", "config.toml"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Load(LoadOptions{Home: home})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(home, ".prefect", "config.toml")) {
		t.Fatalf("error %v should name the unreadable path", err)
	}
}

func TestLoadTaskDefaults(t *testing.T) {
	tests := []struct {
		name, user string
		want       map[string]any
	}{
		{"defaults", "", map[string]any{"max_retries": int64(0), "retry_delay": nil, "timeout": nil}},
		{"values kept", "[tasks.defaults]\nmax_retries = 3\nretry_delay = 10\ntimeout = 60\n",
			map[string]any{"max_retries": int64(3), "retry_delay": 10 * time.Second, "timeout": int64(60)}},
		{"falsy retries", "[tasks.defaults]\nmax_retries = \"\"\n",
			map[string]any{"max_retries": int64(0), "retry_delay": nil, "timeout": nil}},
		{"zero delay is a duration", "[tasks.defaults]\nretry_delay = 0\n",
			map[string]any{"max_retries": int64(0), "retry_delay": time.Duration(0), "timeout": nil}},
		{"true delay is one second", "[tasks.defaults]\nretry_delay = true\n",
			map[string]any{"max_retries": int64(0), "retry_delay": time.Second, "timeout": nil}},
		{"float delay kept", "[tasks.defaults]\nretry_delay = 1.5\n",
			map[string]any{"max_retries": int64(0), "retry_delay": 1.5, "timeout": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.user, "")
			if diff := cmp.Diff(tt.want, mustGet(t, c, "tasks.defaults")); diff != "" {
				t.Errorf("tasks.defaults mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, user := range []string{"tasks = 5\n", "[tasks]\ndefaults = \"x\"\n"} {
		if _, err := loadHome(t, user, ""); err == nil || !strings.Contains(err.Error(), "must be a table") {
			t.Errorf("%q should be an error, got %v", user, err)
		}
	}
	if _, err := loadHome(t, "[tasks.defaults]\nretry_delay = 99999999999999\n", ""); err == nil {
		t.Error("an overlong retry_delay should be an error")
	}
}
