package protocol

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"encoding/pem"
	"fmt"
	"strings"
)

// AuthorKey is the public half of an author's ed25519 key. Its text
// form is "ed25519:" followed by the key in unpadded lowercase base32.
type AuthorKey [ed25519.PublicKeySize]byte

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

const authorKeyPrefix = "ed25519:"

func (k AuthorKey) String() string {
	return authorKeyPrefix + strings.ToLower(b32.EncodeToString(k[:]))
}

// Short returns the first characters of the key, for display.
func (k AuthorKey) Short() string { return k.String()[len(authorKeyPrefix):][:10] }

// MarshalText implements encoding.TextMarshaler.
func (k AuthorKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *AuthorKey) UnmarshalText(b []byte) error {
	p, err := ParseAuthorKey(string(b))
	if err != nil {
		return err
	}
	*k = p
	return nil
}

// ParseAuthorKey parses the text form of an author key.
func ParseAuthorKey(s string) (AuthorKey, error) {
	var k AuthorKey
	rest, ok := strings.CutPrefix(s, authorKeyPrefix)
	if !ok {
		return k, Errorf(CodeMalformed, "author key %q: must start with %q", s, authorKeyPrefix)
	}
	// The decoder skips line breaks and ignores the unused low bits of
	// the last character: one key would have several spellings, and a
	// list of keys (editors, a roster) could be got round with another.
	upper := strings.ToUpper(rest)
	b, err := b32.DecodeString(upper)
	if err != nil || len(b) != len(k) || b32.EncodeToString(b) != upper {
		return k, Errorf(CodeMalformed, "author key %q: not %d bytes of base32", s, len(k))
	}
	copy(k[:], b)
	return k, nil
}

// PublicKey returns the author key of priv.
func PublicKey(priv ed25519.PrivateKey) AuthorKey {
	var k AuthorKey
	copy(k[:], priv.Public().(ed25519.PublicKey))
	return k
}

// NewAuthorKey generates an author key pair.
func NewAuthorKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate author key: %w", err)
	}
	return priv, nil
}

const pemAuthorKey = "MUTU AUTHOR PRIVATE KEY"

// MarshalAuthorKey encodes a private author key as a PEM block, the
// form stored in a home and moved with `mutu key export`.
func MarshalAuthorKey(priv ed25519.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{
		Type:    pemAuthorKey,
		Headers: map[string]string{"Public-Key": PublicKey(priv).String()},
		Bytes:   priv.Seed(),
	})
}

// UnmarshalAuthorKey decodes a key written by MarshalAuthorKey.
func UnmarshalAuthorKey(data []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != pemAuthorKey {
		return nil, Errorf(CodeMalformed, "not a mutu author key (want a PEM block %q)", pemAuthorKey)
	}
	if len(b.Bytes) != ed25519.SeedSize {
		return nil, Errorf(CodeMalformed, "author key seed is %d bytes, want %d", len(b.Bytes), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(b.Bytes)
	if pub, ok := b.Headers["Public-Key"]; ok && pub != PublicKey(priv).String() {
		return nil, Errorf(CodeMalformed, "author key file is damaged: its public key header does not match the seed")
	}
	return priv, nil
}
