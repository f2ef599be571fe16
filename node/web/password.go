package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password hashing: argon2id with the parameters OWASP recommends for
// a server that hashes on demand (19 MiB, two passes, one lane), which
// costs a few tens of milliseconds. The parameters are written into
// each hash, so that raising them later keeps old hashes valid.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password rules, checked when an account sets its password.
const (
	MinPasswordLen = 12  // characters; ANSSI's floor for a password alone
	maxPasswordLen = 256 // bytes; bounds the hashing work
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of an argon2id hash of password:
// $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("web: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash means a stored hash is not one hashPassword writes.
var errBadHash = errors.New("web: stored password hash is malformed")

// checkPassword reports whether password matches the hash, in time
// that does not depend on where they differ.
func checkPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, errBadHash
	}
	// Bounds keep a tampered file from making one login cost gigabytes.
	if mem == 0 || mem > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false, errBadHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a login names no account, so that
// the answer takes as long as for a real one and does not tell which
// names exist.
var dummyHash = func() string {
	h, err := hashPassword("mutu: no such account")
	if err != nil {
		return "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	}
	return h
}()

// passwordProblem returns, in French, what is wrong with a new
// password, or "".
func passwordProblem(password, confirm string) string {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Sprintf("Le mot de passe doit compter au moins %d caractères.", MinPasswordLen)
	case len(password) > maxPasswordLen:
		return fmt.Sprintf("Le mot de passe doit compter au plus %d caractères.", maxPasswordLen)
	case !utf8.ValidString(password):
		return "Le mot de passe contient des caractères invalides."
	case password != confirm:
		return "Les deux mots de passe ne sont pas identiques."
	}
	return ""
}
