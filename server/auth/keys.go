package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/outposthq/outpost/server/store"
)

// KeyPrefix starts every generated API key, so a key is recognisable in a config file
// or a leaked log line, and secret scanners can match it.
const KeyPrefix = "opk_"

// MinKeyLength is the shortest API key accepted from a user (OUTPOST_ADMIN_KEY). Short
// keys could be guessed, and the log redactor ignores values too short to be secrets.
const MinKeyLength = 24

// AdminKeyName names the key created on first start.
const AdminKeyName = "admin"

// GenerateKey returns a new API key: KeyPrefix and 32 random bytes, base64url encoded.
func GenerateKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate API key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashKey is how API keys are stored and looked up. A plain SHA-256 is the right tool
// here: keys carry 256 random bits, so there is nothing for a slow password hash
// (bcrypt, argon2) to protect against a brute force, and a fast hash lets every request
// be checked with one indexed lookup.
func HashKey(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// KeyStore is what EnsureAdminKey needs from the store.
type KeyStore interface {
	CreateAPIKey(ctx context.Context, k store.APIKey) (store.APIKey, error)
	APIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error)
}

// EnsureAdminKey makes sure the backend has an admin key for tenantID.
//
// With a given key (from a flag, OUTPOST_ADMIN_KEY, or the one a client kept in
// auth.toml) its hash is stored unless it is there already, and the key is returned
// with created false, since the caller already has it. With no given key a new key is
// generated, stored, and returned with created true, so the caller can write it where
// clients find it: it cannot be recovered from the store later. The store cannot list
// keys, so "is there a key yet" is the caller's question, answered from auth.toml.
func EnsureAdminKey(ctx context.Context, st KeyStore, tenantID, given string) (plain string, created bool, err error) {
	given = strings.TrimSpace(given)
	if given == "" {
		plain, err := GenerateKey()
		if err != nil {
			return "", false, err
		}
		if _, err := st.CreateAPIKey(ctx, store.APIKey{TenantID: tenantID, Name: AdminKeyName, Hash: HashKey(plain)}); err != nil {
			return "", false, fmt.Errorf("store the new admin API key: %w", err)
		}
		return plain, true, nil
	}
	if len(given) < MinKeyLength {
		return "", false, fmt.Errorf("the admin API key must be at least %d characters (got %d); generate one with `openssl rand -base64 32`",
			MinKeyLength, len(given))
	}
	hash := HashKey(given)
	if _, err := st.APIKeyByHash(ctx, hash); err == nil {
		return given, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", false, fmt.Errorf("look up the admin API key: %w", err)
	}
	_, err = st.CreateAPIKey(ctx, store.APIKey{TenantID: tenantID, Name: AdminKeyName, Hash: hash})
	if err != nil && !errors.Is(err, store.ErrConflict) { // conflict: another replica stored it just now
		return "", false, fmt.Errorf("store the admin API key: %w", err)
	}
	return given, false, nil
}
