package secretbox

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadKeyFromEnv(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, KeySize)
	tests := []struct {
		name  string
		value string
	}{
		{"base64", base64.StdEncoding.EncodeToString(key)},
		{"base64 unpadded", base64.RawStdEncoding.EncodeToString(key)},
		{"base64url", base64.URLEncoding.EncodeToString(key)},
		{"hex", hex.EncodeToString(key)},
		{"hex upper with spaces", "  " + strings.ToUpper(hex.EncodeToString(key)) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "outpost-secret.key")
			got, err := LoadKey(envOf(map[string]string{KeyEnv: tt.value}), keyFile)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, key) {
				t.Fatal("wrong key decoded")
			}
			if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
				t.Fatal("a key file was created although the key came from the environment")
			}
		})
	}
}

func TestLoadKeyBadEnv(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"too short base64", base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key"))},
		{"too long base64", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 48))},
		{"63 hex digits", strings.Repeat("a", 63)},
		{"64 chars not hex", strings.Repeat("z", 64)},
		{"passphrase", "correct horse battery staple"},
		{"garbage", "%%%%%%%%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadKey(envOf(map[string]string{KeyEnv: tt.value}), filepath.Join(t.TempDir(), "k"))
			if err == nil {
				t.Fatal("bad key accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, KeyEnv) || !strings.Contains(msg, "base64") || !strings.Contains(msg, "64 hex digits") {
				t.Fatalf("error does not say what is expected: %v", err)
			}
			if strings.Contains(msg, tt.value) {
				t.Fatalf("error echoes the value: %v", err)
			}
		})
	}
}

func TestLoadKeyCreatesFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", ".prefect")
	keyFile := filepath.Join(dir, "outpost-secret.key")
	key, err := LoadKey(envOf(nil), keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("created key is not 32 random bytes")
	}
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", perm)
	}
	again, err := LoadKey(envOf(nil), keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, key) {
		t.Fatal("second load returned a different key")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the key file (temporary files left behind?)", len(entries))
	}
}

func TestLoadKeyConcurrentCreatorsAgree(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "outpost-secret.key")
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadKey(envOf(nil), keyFile) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatal("concurrent first starts ended with different keys")
		}
	}
}

func TestLoadKeyFileFormatsAndErrors(t *testing.T) {
	key := bytes.Repeat([]byte{0x5c}, KeySize)
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		wantErr []string // substrings; nil means success
	}{
		{"raw bytes", key, 0o600, nil},
		{"base64 text", []byte(base64.StdEncoding.EncodeToString(key) + "\n"), 0o400, nil},
		{"hex text", []byte(hex.EncodeToString(key)), 0o600, nil},
		{"group readable", key, 0o640, []string{"chmod 600", "0640"}},
		{"world readable", key, 0o644, []string{"chmod 600"}},
		{"wrong length", []byte("short"), 0o600, []string{"32 raw bytes", "base64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "outpost-secret.key")
			if err := os.WriteFile(keyFile, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(keyFile, tt.mode); err != nil {
				t.Fatal(err)
			}
			got, err := LoadKey(envOf(nil), keyFile)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, key) {
					t.Fatal("wrong key read")
				}
				return
			}
			if err == nil {
				t.Fatal("LoadKey succeeded")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if bytes.Contains([]byte(err.Error()), tt.content) || strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(key)) {
				t.Fatalf("error contains key material: %v", err)
			}
		})
	}
}
