package flowrun

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const (
	ghToken    = "ghp_test0token0for0outpost"
	flowScript = "#!/bin/sh\necho \"from github $0\"\nstat -c '%a' \"$0\" \"$(dirname \"$0\")\"\n"
)

// fakeGitHub serves the contents API for owner/private (token required) and
// owner/public (anonymous), at / as github.com does and at /api/v3/ as GitHub
// Enterprise does.
type fakeGitHub struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // request URIs
}

func startGitHub(t *testing.T) *fakeGitHub {
	gh := &fakeGitHub{}
	files := map[string]string{
		"owner/private/flows/x.sh@main": flowScript,
		"owner/private/flows/x.sh@":     flowScript,
		"owner/public/run.sh@v1":        flowScript,
		"owner/oldghe/run.sh@":          flowScript,
		"owner/oldghe/flows@":           "", // a directory
	}
	gh.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gh.mu.Lock()
		gh.seen = append(gh.seen, r.URL.RequestURI())
		gh.mu.Unlock()
		reply := func(status int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
		}
		p := strings.TrimPrefix(r.URL.Path, "/api/v3")
		rest, ok := strings.CutPrefix(p, "/repos/")
		repoOwner, repoRest, _ := strings.Cut(rest, "/")
		repoName, filePath, ok2 := strings.Cut(repoRest, "/contents/")
		if !ok || !ok2 {
			reply(http.StatusNotFound, "Not Found")
			return
		}
		if r.Header.Get("Accept") != "application/vnd.github.raw" {
			reply(http.StatusUnsupportedMediaType, "want the raw media type")
			return
		}
		if repoName == "private" && r.Header.Get("Authorization") != "token "+ghToken {
			reply(http.StatusUnauthorized, "Bad credentials")
			return
		}
		content, found := files[repoOwner+"/"+repoName+"/"+filePath+"@"+r.URL.Query().Get("ref")]
		if !found {
			reply(http.StatusNotFound, "Not Found")
			return
		}
		if repoName == "oldghe" { // a server that ignores the raw media type
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			if content == "" {
				_, _ = w.Write([]byte(`[{"type": "file", "name": "run.sh"}]`))
				return
			}
			// GitHub wraps base64 content at 60 characters.
			enc := base64.StdEncoding.EncodeToString([]byte(content))
			_ = json.NewEncoder(w).Encode(map[string]string{"type": "file", "encoding": "base64",
				"content": enc[:60] + "\n" + enc[60:]})
			return
		}
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write([]byte(content))
	}))
	t.Cleanup(gh.Close)
	return gh
}

// toFake sends requests for api.github.com to the fake instead.
type toFake struct {
	fake *url.URL
	next http.RoundTripper
}

func (rt toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "api.github.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = rt.fake.Scheme, rt.fake.Host
	}
	return rt.next.RoundTrip(r)
}

func TestGitHubStorage(t *testing.T) {
	b := startBackend(t)
	gh := startGitHub(t)
	fakeURL, _ := url.Parse(gh.URL)
	client := &http.Client{Transport: toFake{fake: fakeURL, next: gh.Client().Transport}}
	ctxToken := "PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=" + ghToken

	tests := []struct {
		name      string
		storage   map[string]any
		env       []string
		wantURI   string // what the fake was asked
		wantState string
		wantMsg   string
	}{
		{name: "github.com with the context token",
			storage: map[string]any{"type": "GitHub", "repo": "owner/private", "path": "flows/x.sh", "ref": "main"},
			env:     []string{ctxToken}, wantURI: "/repos/owner/private/contents/flows/x.sh?ref=main",
			wantState: "Success", wantMsg: "Command exited 0"},
		{name: "enterprise base_url and a named secret",
			storage: map[string]any{"type": "GitHub", "repo": "owner/private", "path": "flows/x.sh", "ref": "main",
				"base_url": gh.URL + "/api/v3", "access_token_secret": "GHE_TOKEN"},
			env: []string{"PREFECT__CONTEXT__SECRETS__GHE_TOKEN=" + ghToken}, wantURI: "/api/v3/repos/owner/private/contents/flows/x.sh?ref=main",
			wantState: "Success", wantMsg: "Command exited 0"},
		{name: "default branch, token from the plain variable",
			storage: map[string]any{"type": "GitHub", "repo": "owner/private", "path": "flows/x.sh"},
			env:     []string{"GITHUB_ACCESS_TOKEN=" + ghToken}, wantURI: "/repos/owner/private/contents/flows/x.sh",
			wantState: "Success", wantMsg: "Command exited 0"},
		{name: "public repository without a token",
			storage: map[string]any{"type": "GitHub", "repo": "owner/public", "path": "run.sh", "ref": "v1"},
			wantURI: "/repos/owner/public/contents/run.sh?ref=v1", wantState: "Success", wantMsg: "Command exited 0"},
		{name: "JSON description instead of the raw file",
			storage: map[string]any{"type": "GitHub", "repo": "owner/oldghe", "path": "run.sh"},
			wantURI: "/repos/owner/oldghe/contents/run.sh", wantState: "Success", wantMsg: "Command exited 0"},
		{name: "directory",
			storage:   map[string]any{"type": "GitHub", "repo": "owner/oldghe", "path": "flows"},
			wantState: "Failed", wantMsg: "the path is a directory; give the path of the file to run"},
		{name: "ref is escaped",
			storage: map[string]any{"type": "GitHub", "repo": "owner/public", "path": "run.sh", "ref": "v1&x=y"},
			wantURI: "/repos/owner/public/contents/run.sh?ref=v1%26x%3Dy", wantState: "Failed", wantMsg: "HTTP 404 Not Found"},
		{name: "wrong token",
			storage: map[string]any{"type": "GitHub", "repo": "owner/private", "path": "flows/x.sh", "ref": "main"},
			env:     []string{"PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=ghp_wrong0token0value"},
			wantURI: "/repos/owner/private/contents/flows/x.sh?ref=main", wantState: "Failed",
			wantMsg: "GitHub storage: cannot download flows/x.sh from owner/private at ref main: HTTP 401 Unauthorized: " +
				"GitHub refused the request with the token from secret GITHUB_ACCESS_TOKEN; check that the token is valid and not expired (GitHub says: Bad credentials)"},
		{name: "missing file",
			storage: map[string]any{"type": "GitHub", "repo": "owner/private", "path": "flows/nope.sh", "ref": "main"},
			env:     []string{ctxToken}, wantState: "Failed",
			wantMsg: "cannot download flows/nope.sh from owner/private at ref main: HTTP 404 Not Found: the repository, path or ref does not exist"},
		{name: "named secret missing",
			storage: map[string]any{"type": "GitHub", "repo": "owner/private", "path": "flows/x.sh", "access_token_secret": "GHE_TOKEN"},
			env:     []string{ctxToken}, wantState: "Failed",
			wantMsg: `GitHub storage names access_token_secret "GHE_TOKEN", but the flow run has no such secret`},
		{name: "bad repo", storage: map[string]any{"type": "GitHub", "repo": "just-a-name", "path": "x.sh"},
			wantState: "Failed", wantMsg: `repo must be "owner/name", got "just-a-name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh.mu.Lock()
			gh.seen = nil
			gh.mu.Unlock()
			runID := b.newRun(t, tt.storage)
			r, _, out := newRunner(t, b, flowEnv(t, b, runID, tt.env...))
			r.HTTP = client
			if err := wait(t, start(t.Context(), r, runID)); err != nil {
				t.Fatal(err)
			}
			state, msg := b.final(t, runID)
			if state != tt.wantState || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("final state %s %q,\nwant %s containing %q", state, msg, tt.wantState, tt.wantMsg)
			}
			if strings.Contains(msg, ghToken) || strings.Contains(msg, "ghp_wrong") {
				t.Errorf("the state message shows the token: %q", msg)
			}
			gh.mu.Lock()
			seen := gh.seen
			gh.mu.Unlock()
			if tt.wantURI != "" && (len(seen) != 1 || seen[0] != tt.wantURI) {
				t.Errorf("GitHub was asked for %q, want %q", seen, tt.wantURI)
			}
			if tt.wantState != "Success" {
				return
			}
			// The file ran from a private directory, and is gone afterwards.
			lines := strings.Split(out.String(), "\n")
			file, ok := strings.CutPrefix(lines[0], "from github ")
			if !ok || len(lines) < 3 || lines[1] != "700" || lines[2] != "700" {
				t.Fatalf("output = %q, want the file's path and modes 700 for the file and its directory", out.String())
			}
			if _, err := os.Stat(filepath.Dir(file)); !os.IsNotExist(err) {
				t.Errorf("the download directory %s is still there after the run (stat: %v)", filepath.Dir(file), err)
			}
		})
	}
}
