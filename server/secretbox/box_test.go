package secretbox

import (
	"bytes"
	"errors"
	"testing"
)

func newTestBox(t *testing.T, fill byte) *Box {
	t.Helper()
	b, err := New(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := newTestBox(t, 7)
	for _, plain := range [][]byte{nil, []byte("x"), []byte("ghp_0123456789abcdef"), bytes.Repeat([]byte("big"), 100000)} {
		sealed, err := b.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) > 3 && bytes.Contains(sealed, plain) {
			t.Fatalf("sealed value contains the plain text")
		}
		got, err := b.Open(sealed)
		if err != nil {
			t.Fatalf("open %d bytes: %v", len(plain), err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("round trip of %d bytes changed the value", len(plain))
		}
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	b := newTestBox(t, 7)
	a1, _ := b.Seal([]byte("same"))
	a2, _ := b.Seal([]byte("same"))
	if bytes.Equal(a1, a2) {
		t.Fatal("two seals of the same value are identical; the nonce is not random")
	}
	if a1[0] != version1 {
		t.Fatalf("version byte = %d, want %d", a1[0], version1)
	}
}

func TestOpenRejects(t *testing.T) {
	b := newTestBox(t, 7)
	sealed, err := b.Seal([]byte("top secret value"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name   string
		box    *Box
		sealed []byte
	}{
		{"wrong key", newTestBox(t, 8), sealed},
		{"version byte changed", b, flip(0)},
		{"nonce changed", b, flip(3)},
		{"ciphertext changed", b, flip(1 + nonceSize + 2)},
		{"tag changed", b, flip(len(sealed) - 1)},
		{"truncated", b, sealed[:len(sealed)-1]},
		{"too short", b, sealed[:5]},
		{"empty", b, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.sealed)
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", got, err)
			}
			if bytes.Contains([]byte(err.Error()), []byte("top secret")) {
				t.Fatalf("error leaks the value: %v", err)
			}
		})
	}
}

func TestNewRejectsBadKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New with a %d-byte key succeeded", n)
		}
	}
}
