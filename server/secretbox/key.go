package secretbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeyEnv names the environment variable that holds the secret key. Several backend
// replicas sharing one database must share one key, so they set this rather than
// each creating its own key file.
const KeyEnv = "OUTPOST_SECRET_KEY"

// keyFormat is shown whenever a key cannot be read, so the user knows what to provide.
const keyFormat = "32 bytes, written as base64 (44 characters, e.g. `openssl rand -base64 32`) or as 64 hex digits"

// LoadKey returns the 32-byte secret key: from $OUTPOST_SECRET_KEY when it is set,
// otherwise from keyFile, which is created with a new random key (mode 0600) when it
// does not exist. Errors never contain the key or any part of it.
func LoadKey(env func(string) string, keyFile string) ([]byte, error) {
	if v := strings.TrimSpace(env(KeyEnv)); v != "" {
		key, ok := parseKey(v)
		if !ok {
			return nil, fmt.Errorf("%s is set but is not a valid key (value not shown): it must be %s", KeyEnv, keyFormat)
		}
		return key, nil
	}
	if keyFile == "" {
		return nil, fmt.Errorf("no secret key: set %s or give a key file path", KeyEnv)
	}
	key, err := readKeyFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(keyFile)
	}
	return key, err
}

// parseKey accepts 64 hex digits or base64 (standard or URL alphabet, padded or not)
// of exactly 32 bytes.
func parseKey(s string) ([]byte, bool) {
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
			return key, true
		}
	}
	return nil, false
}

func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	// Permission bits mean little on Windows; elsewhere a key others can read is refused.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %s is readable by other users (mode %04o); run `chmod 600 %s` and start again",
			path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	if len(data) == KeySize {
		return data, nil
	}
	if key, ok := parseKey(string(bytes.TrimSpace(data))); ok {
		return key, nil
	}
	return nil, fmt.Errorf("secret key file %s does not hold a valid key (%d bytes); it must hold 32 raw bytes or %s",
		path, len(data), keyFormat)
}

// createKeyFile writes a new random key to a private temporary file and links it into
// place. The link fails if the file appeared meanwhile (another process starting at the
// same moment), so two processes never use two different keys, and nobody ever reads a
// half-written key.
func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create directory for the secret key file: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".outpost-secret-*.tmp") // created with mode 0600
	if err != nil {
		return nil, fmt.Errorf("create secret key file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndClose(tmp, key); err != nil {
		return nil, fmt.Errorf("write secret key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("create secret key file %s: %w", path, err)
	}
	return key, nil
}

func writeAndClose(f *os.File, data []byte) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
