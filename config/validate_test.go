package config

import (
	"strings"
	"testing"
)

func TestLoadInvalidKeys(t *testing.T) {
	tests := []struct {
		name, user string
		env        []string
		wantIn     []string
	}{
		{"top-level key", "keys = 1\n", nil,
			[]string{`Invalid config key: "keys"`, "at keys", "config.toml"}},
		{"nested key", "[cloud.agent]\nitems = [1]\n", nil,
			[]string{`Invalid config key: "items"`, "at cloud.agent.items", "config.toml"}},
		{"table name", "[custom.update]\nx = 1\n", nil,
			[]string{`Invalid config key: "update"`, "at custom.update,"}},
		{"box method", "to_dict = 1\n", nil, []string{`"to_dict"`}},
		{"dunder", "[x]\n__dict__ = 1\n", nil, []string{`"__dict__"`, "at x.__dict__"}},
		{"from the environment", "", []string{"PREFECT__CLOUD__GET=1"},
			[]string{`Invalid config key: "get"`, "at cloud.get", "environment variable PREFECT__CLOUD__GET"}},
		{"secret named like a method", "", []string{"PREFECT__CONTEXT__SECRETS__values=s3cr3t"},
			[]string{`"values"`, "context.secrets.values"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadHome(t, tt.user, "", tt.env...)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q shows a value", err)
			}
		})
	}
}

func TestLoadValidKeys(t *testing.T) {
	// Near misses, keys inside lists and empty tables are all fine.
	user := "Keys = 1\nkeys_x = 2\nlist = [{ keys = 1 }]\n[empty.update]\n"
	if _, err := loadHome(t, user, ""); err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, k := range []string{"keys", "items", "get", "copy", "update", "values", "pop", "popitem",
		"setdefault", "clear", "fromkeys", "to_dict", "to_json", "to_yaml", "to_toml", "from_json",
		"from_yaml", "from_toml", "merge_update", "__dict__"} {
		if !reservedKeys[k] {
			t.Errorf("%q must be a reserved key", k)
		}
	}
}
