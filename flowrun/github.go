package flowrun

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/outposthq/outpost/runconfig"
	"github.com/outposthq/outpost/secrets"
)

const (
	// defaultGitHubAPI is where the contents API lives when the storage has no base_url.
	defaultGitHubAPI = "https://api.github.com"
	// maxFlowFileBytes is the largest file the contents API serves raw.
	maxFlowFileBytes = 100 << 20
)

// githubToken is the token GitHub storage reads with, as Prefect's GitHub storage finds
// it: the context secret the storage names, which must then exist; otherwise the
// well-known GITHUB_ACCESS_TOKEN from the context secrets or the environment, or no
// token at all (a public repository still loads). from says where it came from, for
// error messages.
func (x *execution) githubToken(s runconfig.Storage) (token, from string, err error) {
	name, explicit := s.TokenSecret()
	if v, ok := x.contextSecrets[name]; ok && v != nil && v != "" {
		t, isString := v.(string)
		if !isString {
			return "", "", fmt.Errorf("GitHub storage: secret %s must be a string (a GitHub access token), but it is a %T", name, v)
		}
		return t, "secret " + name, nil
	}
	if explicit {
		return "", "", fmt.Errorf("GitHub storage names access_token_secret %q, but the flow run has no such secret: "+
			"give it to the agent (its secret sources or --env %s=...) so that it passes it to the run", name, runconfig.SecretEnvName(name))
	}
	if t, ok := secrets.EnvList(x.r.Env)(name); ok && t != "" {
		return t, "variable " + name, nil
	}
	return "", "", nil
}

// fetchGitHub downloads the storage's file through the GitHub contents API (GitHub or a
// GitHub Enterprise server at base_url). Errors name the repository, path and ref and
// the answer's status, never the token; GitHub's own message is passed through redact.
func fetchGitHub(ctx context.Context, client *http.Client, s runconfig.Storage, token, from string, redact func(string) string) ([]byte, error) {
	where := fmt.Sprintf("%s from %s", s.Path, s.Repo)
	if s.Ref != "" {
		where += " at ref " + s.Ref
	} else {
		where += " on its default branch"
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("GitHub storage: cannot download %s: %s", where, fmt.Sprintf(format, a...))
	}
	owner, repo, ok := strings.Cut(s.Repo, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fail("repo must be \"owner/name\", got %q", s.Repo)
	}
	base := s.BaseURL
	if base == "" {
		base = defaultGitHubAPI
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fail("base_url %q is not an http(s) URL such as https://github.example.com/api/v3", s.BaseURL)
	}
	u = u.JoinPath("repos", owner, repo, "contents", s.Path)
	if s.Ref != "" {
		u.RawQuery = url.Values{"ref": {s.Ref}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fail("%v", err)
	}
	req.Header.Set("Accept", "application/vnd.github.raw")
	req.Header.Set("User-Agent", "outpost")
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail("%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFlowFileBytes+1))
	if err != nil {
		return nil, fail("reading the answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fail("%s%s", statusHint(resp.StatusCode, from), githubMessage(body, redact))
	}
	if len(body) > maxFlowFileBytes {
		return nil, fail("the file is larger than %d MB", maxFlowFileBytes>>20)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/json" {
		// A server that ignores the raw media type answers with the JSON description.
		content, err := decodeContents(body)
		if err != nil {
			return nil, fail("%v", err)
		}
		return content, nil
	}
	return body, nil
}

// statusHint says what an error status most likely means for this download.
func statusHint(status int, from string) string {
	auth := "without a token"
	if from != "" {
		auth = "with the token from " + from
	}
	text := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	switch status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("%s: GitHub refused the request %s; check that the token is valid and not expired", text, auth)
	case http.StatusForbidden:
		return fmt.Sprintf("%s: the request %s is not allowed (missing permission or rate limit)", text, auth)
	case http.StatusNotFound:
		return fmt.Sprintf("%s: the repository, path or ref does not exist, or it is private and the request %s cannot read it", text, auth)
	}
	return text
}

// githubMessage is GitHub's error message from an error answer, redacted and shortened.
func githubMessage(body []byte, redact func(string) string) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return ""
	}
	msg := redact(e.Message)
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return fmt.Sprintf(" (GitHub says: %s)", msg)
}

// decodeContents reads the contents API's JSON description of a file.
func decodeContents(body []byte) ([]byte, error) {
	var f struct {
		Type     string `json:"type"`
		Encoding string `json:"encoding"`
		Content  string `json:"content"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		if strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
			return nil, errors.New("the path is a directory; give the path of the file to run")
		}
		return nil, fmt.Errorf("the answer is neither the file nor its JSON description: %w", err)
	}
	if f.Type != "file" || f.Encoding != "base64" {
		return nil, fmt.Errorf("the path is a %s with %q content, not a file that can be run", f.Type, f.Encoding)
	}
	content, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(f.Content, "\n", ""))
	if err != nil {
		return nil, fmt.Errorf("the file's base64 content is invalid: %w", err)
	}
	return content, nil
}
