package runconfig

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeStorageGood(t *testing.T) {
	tests := []struct {
		name string
		json string
		want Storage
	}{
		{"github", `{"type": "GitHub", "repo": "org/repo", "path": "flows/f.py", "ref": "main", "base_url": "https://ghe.example/api/v3", "access_token_secret": "MY_TOKEN", "secrets": ["DB_URL"], "flows": {"f": "flows/f.py"}, "__version__": "1.4.1"}`,
			Storage{Type: "GitHub", Repo: "org/repo", Path: "flows/f.py", Ref: "main", BaseURL: "https://ghe.example/api/v3", AccessTokenSecret: "MY_TOKEN", Secrets: []string{"DB_URL"}, Flows: map[string]string{"f": "flows/f.py"}}},
		{"github defaults", `{"type": "GitHub", "repo": "org/repo", "path": "f.py", "ref": null, "access_token_secret": null, "secrets": null}`,
			Storage{Type: "GitHub", Repo: "org/repo", Path: "f.py"}},
		{"gitlab", `{"type": "GitLab", "repo": "g/r", "host": "https://gitlab.example", "path": "f.py", "ref": "v1"}`,
			Storage{Type: "GitLab", Repo: "g/r", Host: "https://gitlab.example", Path: "f.py", Ref: "v1"}},
		{"bitbucket", `{"type": "Bitbucket", "project": "P", "repo": "r", "workspace": "w", "cloud_username_secret": "BB_USER", "cloud_app_password_secret": "BB_PASS"}`,
			Storage{Type: "Bitbucket", Project: "P", Repo: "r", Workspace: "w", CloudUsernameSecret: "BB_USER", CloudAppPasswordSecret: "BB_PASS"}},
		{"git", `{"type": "Git", "repo": "org/r", "flow_path": "f.py", "repo_host": "github.com", "git_token_secret_name": "GIT_TOKEN", "use_ssh": false, "format_access_token": true}`,
			Storage{Type: "Git", Repo: "org/r", Path: "f.py", GitTokenSecretName: "GIT_TOKEN"}},
		{"docker", `{"type": "Docker", "registry_url": "reg.example:5000/team", "image_name": "flow", "image_tag": "2024-01", "prefect_version": "1.4.1", "path": "/opt/f.py", "stored_as_script": true}`,
			Storage{Type: "Docker", Registry: "reg.example:5000/team", ImageName: "flow", ImageTag: "2024-01", PrefectVersion: "1.4.1", Path: "/opt/f.py", StoredAsScript: true}},
		{"prefect local", `{"type": "Local", "directory": "/home/u/.prefect/flows", "flows": {"etl": "/home/u/.prefect/flows/etl.prefect"}, "stored_as_script": false}`,
			Storage{Type: "Local", Directory: "/home/u/.prefect/flows", Flows: map[string]string{"etl": "/home/u/.prefect/flows/etl.prefect"}}},
		{"native local", `{"type": "Local", "path": "/srv/flows/etl.py", "stored_as_script": true}`,
			Storage{Type: "Local", Path: "/srv/flows/etl.py", StoredAsScript: true}},
		{"script", `{"type": "Script", "argv": ["python3", "-c", "print(1)"], "secrets": ["S"]}`,
			Storage{Type: "Script", Argv: []string{"python3", "-c", "print(1)"}, Secrets: []string{"S"}}},
		{"s3", `{"type": "S3", "bucket": "b", "key": "k", "client_options": {"x": 1}}`, Storage{Type: "S3"}},
		{"module", `{"type": "Module", "module": "pkg.flows"}`, Storage{Type: "Module"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStorage(json.RawMessage(tt.json))
			if err != nil {
				t.Fatalf("DecodeStorage: %v", err)
			}
			if string(got.Raw) != tt.json {
				t.Errorf("Raw = %s, want the input", got.Raw)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Storage{}, "Raw")); diff != "" {
				t.Errorf("DecodeStorage mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeStorageBad(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"list", `[]`, `flow storage: must be a JSON object, got an array`},
		{"no type", `{"repo": "x"}`, `flow storage: missing "type" (one of Local, Script, GitHub, GitLab, Bitbucket, Git, Docker, S3, GCS, Azure, CodeCommit, Webhook, Module, Storage)`},
		{"unknown type", `{"type": "Dropbox"}`, `flow storage: unknown type "Dropbox" (one of Local, Script,`},
		{"secrets string", `{"type": "GitHub", "repo": "r", "path": "p", "secrets": "A"}`, `flow storage (GitHub): field "secrets" must be a list of strings or null, got a string`},
		{"secrets item", `{"type": "Local", "secrets": ["A", null]}`, `flow storage (Local): field "secrets[1]" must be a string, got null`},
		{"github no repo", `{"type": "GitHub", "path": "p"}`, `flow storage (GitHub): field "repo" is required`},
		{"github no path", `{"type": "GitHub", "repo": "r"}`, `flow storage (GitHub): field "path" is required`},
		{"github token number", `{"type": "GitHub", "repo": "r", "path": "p", "access_token_secret": 1}`, `flow storage (GitHub): field "access_token_secret" must be a string or null, got a number`},
		{"bitbucket no project", `{"type": "Bitbucket", "repo": "r"}`, `flow storage (Bitbucket): field "project" is required`},
		{"script no argv", `{"type": "Script"}`, `flow storage (Script): field "argv" is required: the command to run, as a non-empty list of strings`},
		{"script empty argv", `{"type": "Script", "argv": []}`, `flow storage (Script): field "argv" is required`},
		{"script argv string", `{"type": "Script", "argv": "python x.py"}`, `flow storage (Script): field "argv" must be a list of strings or null, got a string`},
		{"local stored_as_script string", `{"type": "Local", "stored_as_script": "yes"}`, `flow storage (Local): field "stored_as_script" must be a boolean or null, got a string`},
		{"flows of lists", `{"type": "Local", "flows": {"a": ["x"]}}`, `flow storage (Local): field "flows": the value of "a" must be a string, got an array`},
		{"flows null value", `{"type": "Local", "flows": {"a": null}}`, `flow storage (Local): field "flows": the value of "a" must be a string, got null`},
		{"flows list", `{"type": "Local", "flows": ["a"]}`, `flow storage (Local): field "flows" must be an object of strings or null, got an array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeStorage(json.RawMessage(tt.json))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("DecodeStorage error = %v, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestDecodeStorageNull(t *testing.T) {
	for _, raw := range []string{``, `null`, ` null `} {
		if _, err := DecodeStorage(json.RawMessage(raw)); !errors.Is(err, ErrNoStorage) {
			t.Errorf("DecodeStorage(%q) error = %v, want ErrNoStorage", raw, err)
		}
	}
}

func TestTokenSecret(t *testing.T) {
	tests := []struct {
		storage      Storage
		name         string
		wantExplicit bool
	}{
		{Storage{Type: StorageGitHub}, "GITHUB_ACCESS_TOKEN", false},
		{Storage{Type: StorageGitHub, AccessTokenSecret: "MINE"}, "MINE", true},
		{Storage{Type: StorageGitLab}, "GITLAB_ACCESS_TOKEN", false},
		{Storage{Type: StorageGitLab, AccessTokenSecret: "GL"}, "GL", true},
		{Storage{Type: StorageBitbucket}, "BITBUCKET_ACCESS_TOKEN", false},
		{Storage{Type: StorageLocal}, "", false},
		{Storage{Type: StorageS3, AccessTokenSecret: "IGNORED"}, "", false},
	}
	for _, tt := range tests {
		name, explicit := tt.storage.TokenSecret()
		if name != tt.name || explicit != tt.wantExplicit {
			t.Errorf("%s.TokenSecret() = %q, %v; want %q, %v", tt.storage.Type, name, explicit, tt.name, tt.wantExplicit)
		}
	}
}
