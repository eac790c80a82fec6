package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadTyping(t *testing.T) {
	user := `
[server]
port = "4200"
[cloud.agent]
labels = "['dev', 'gpu']"
[custom]
zero_led = "0123"
quoted = "'42'"
json = '{"a": true}'
list = "[1, 2.5, None]"
flag = "False"
already_int = 7
array = ["$HOME_DIR_X", "1"]
`
	c := mustLoad(t, user, "",
		"PREFECT__CUSTOM__ENV_QUOTED='42'",
		"PREFECT__CUSTOM__ENV_DOUBLE=\"'x'\"",
		"PREFECT__CUSTOM__ENV_INT=1_000",
		"PREFECT__CUSTOM__ENV_TRUE=TRUE",
		"PREFECT__CUSTOM__ENV_DICT={'k': [1]}",
		"PREFECT__CUSTOM__ENV_EMPTY=",
	)
	want := map[string]any{
		"server.port":        int64(4200),
		"cloud.agent.labels": []any{"dev", "gpu"},
		"custom.zero_led":    "0123",
		"custom.quoted":      "42", // TOML values are typed once
		"custom.json":        `{"a": true}`,
		"custom.list":        []any{int64(1), 2.5, nil},
		"custom.flag":        false,
		"custom.already_int": int64(7),
		"custom.array":       []any{"$HOME_DIR_X", "1"}, // lists are not expanded or typed
		"custom.env_quoted":  int64(42),                 // env values are typed twice
		"custom.env_double":  "x",
		"custom.env_int":     int64(1000),
		"custom.env_true":    true,
		"custom.env_dict":    map[string]any{"k": []any{int64(1)}},
		"custom.env_empty":   "",
	}
	for key, w := range want {
		if diff := cmp.Diff(w, mustGet(t, c, key)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", key, diff)
		}
	}
}

func TestLoadExpansion(t *testing.T) {
	user := `
[custom]
path = "~/data"
var = "$MY_DIR/x"
braced = "${MY_DIR}y"
unknown = "$NOT_SET/z"
tilde_middle = "a/~/b"
to_int = "$PORT_NUM"
`
	c := mustLoad(t, user, "", "MY_DIR=/srv", "PORT_NUM=8080")
	home, _ := c.Get("home_dir")
	want := map[string]any{
		"custom.path":         strings.TrimSuffix(home.(string), "/.prefect") + "/data",
		"custom.var":          "/srv/x",
		"custom.braced":       "/srvy",
		"custom.unknown":      "$NOT_SET/z",
		"custom.tilde_middle": "a/~/b",
		"custom.to_int":       int64(8080), // typed after expansion
	}
	for key, w := range want {
		if diff := cmp.Diff(w, mustGet(t, c, key)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", key, diff)
		}
	}
}

func TestLoadUnstableExpansionIsAnError(t *testing.T) {
	// Prefect returns None for a value that never settles and then crashes;
	// Outpost names the key and where it was set, without the value.
	tests := []struct {
		name, user string
		env        []string
		wantIn     []string
	}{
		{"toml value", "[custom]\nloop = \"$GROW\"\n", []string{"GROW=s3cr3t$GROW"},
			[]string{"custom.loop", "config.toml", "did not settle"}},
		{"env value", "", []string{"GROW=s3cr3t$GROW", "PREFECT__CONTEXT__SECRETS__TOKEN=$GROW"},
			[]string{"PREFECT__CONTEXT__SECRETS__TOKEN", "did not settle"}},
		{"config path", "", []string{"GROW=s3cr3t$GROW", "PREFECT__USER_CONFIG_PATH=$GROW"},
			[]string{"PREFECT__USER_CONFIG_PATH", "did not settle"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadHome(t, tt.user, "", tt.env...)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q shows the value", err)
			}
		})
	}
}
