// Package secretbox encrypts the embedded backend's stored secrets at rest with
// AES-256-GCM. A sealed value is
//
//	version (1 byte) || nonce (12 bytes) || ciphertext and tag
//
// The version byte names the key generation and format, so keys can be rotated later
// (a new version, the old key kept for Open) without rewriting every row at once. It is
// also authenticated as additional data, so it cannot be swapped undetected.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// version1 is the first (and so far only) format: AES-256-GCM, 12-byte random nonce.
const version1 byte = 1

const nonceSize = 12

// ErrOpen means a sealed value could not be decrypted: it was made with another key,
// or it was changed after sealing. The two cannot be told apart, by design.
var ErrOpen = errors.New("cannot decrypt secret: it was sealed with a different key or has been altered")

// Box seals and opens secret values. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create AES cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create GCM: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain under a fresh random nonce.
func (b *Box) Seal(plain []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+b.aead.Overhead())
	out[0] = version1
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, fmt.Errorf("read random nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:1+nonceSize], plain, out[:1]), nil
}

// Open decrypts a value made by Seal. Any alteration, or another key, gives ErrOpen.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+b.aead.Overhead() {
		return nil, fmt.Errorf("sealed secret is %d bytes, too short to be valid: %w", len(sealed), ErrOpen)
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("sealed secret has format version %d, this build reads version %d: %w",
			sealed[0], version1, ErrOpen)
	}
	plain, err := b.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], sealed[:1])
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
