package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// authFileName lives in home_dir and holds one table per API server:
//
//	[api.prefect.io]
//	api_key = "..."
//	tenant_id = "..."
const authFileName = "auth.toml"

// AuthEntry is one server's credentials from auth.toml.
type AuthEntry struct {
	APIKey   string
	TenantID string
}

var (
	slugDisallowed = regexp.MustCompile(`[^-\.a-z0-9]+`)
	slugDashes     = regexp.MustCompile(`-{2,}`)
)

// Slug names an API server's table in auth.toml: the URL's network location
// (or the whole text when it has none), slugified the way python-slugify does
// with the pattern [^-.a-z0-9]+. So http://localhost:4200 gives localhost-4200
// and https://api.prefect.io gives api.prefect.io. Non-ASCII characters,
// which python-slugify would transliterate, become dashes.
func Slug(apiURL string) string {
	text := netloc(apiURL)
	if text == "" {
		text = apiURL
	}
	text = strings.ReplaceAll(text, "'", "-")
	text = strings.ToLower(text)
	text = dropDigitCommas(text)
	text = slugDisallowed.ReplaceAllString(text, "-")
	text = slugDashes.ReplaceAllString(text, "-")
	return strings.Trim(text, "-")
}

// dropDigitCommas removes commas between two digits ("1,000" → "1000").
func dropDigitCommas(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// netloc is the "//host:port" part of a URL, as Python's urlsplit finds it.
func netloc(u string) string {
	u = strings.TrimSpace(u)
	rest := u
	if i := strings.IndexByte(u, ':'); i > 0 && isScheme(u[:i]) {
		rest = u[i+1:]
	}
	after, ok := strings.CutPrefix(rest, "//")
	if !ok {
		return ""
	}
	if j := strings.IndexAny(after, "/?#"); j >= 0 {
		after = after[:j]
	}
	return after
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c|0x20 >= 'a' && c|0x20 <= 'z') && (i == 0 || !(isDigit(c) || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// ReadAuth reads the credentials stored for apiURL in <homeDir>/auth.toml. A
// missing file or table gives an empty entry and no error.
func ReadAuth(homeDir, apiURL string) (AuthEntry, error) {
	if homeDir == "" {
		return AuthEntry{}, errors.New("reading auth.toml: the home directory is empty; set home_dir")
	}
	path := filepath.Join(homeDir, authFileName)
	doc, _, err := readTOMLFile(path)
	if err != nil {
		return AuthEntry{}, err
	}
	slug := Slug(apiURL)
	raw, ok := doc[slug]
	if !ok {
		return AuthEntry{}, nil
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return AuthEntry{}, fmt.Errorf("%s: [%s] must be a table, got %s", path, slug, typeName(raw))
	}
	var e AuthEntry
	for key, dst := range map[string]*string{"api_key": &e.APIKey, "tenant_id": &e.TenantID} {
		v, set := table[key]
		if !set {
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			return AuthEntry{}, fmt.Errorf("%s: [%s] %s must be a string, got %s", path, slug, key, typeName(v))
		}
		*dst = s
	}
	return e, nil
}

// WriteAuth stores e for apiURL in <homeDir>/auth.toml, keeping the other
// servers' tables. The file is replaced atomically and readable only by its
// owner; the directory is created with mode 0700 when missing.
func WriteAuth(homeDir, apiURL string, e AuthEntry) error {
	if homeDir == "" {
		return errors.New("writing auth.toml: the home directory is empty; set home_dir")
	}
	slug := Slug(apiURL)
	if slug == "" {
		return fmt.Errorf("writing auth.toml: %q does not name an API server", apiURL)
	}
	path := filepath.Join(homeDir, authFileName)
	doc, found, err := readTOMLFile(path)
	if err != nil {
		return fmt.Errorf("%w (fix or remove the file, then try again)", err)
	}
	if !found {
		doc = map[string]any{}
	}
	entry := map[string]any{}
	if e.APIKey != "" {
		entry["api_key"] = e.APIKey
	}
	if e.TenantID != "" {
		entry["tenant_id"] = e.TenantID
	}
	doc[slug] = entry
	data, err := toml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	if err := os.MkdirAll(homeDir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", homeDir, err)
	}
	return writeFileAtomic(path, data, 0o600)
}

// writeFileAtomic writes to a temporary file in the same directory and
// renames it over path, so readers see the old file or the new one, never half
// of one.
func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
