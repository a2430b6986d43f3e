package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password policy (NIST SP 800-63B §5.1.1.2: length, not composition rules).
const (
	// MinPasswordLen is the minimum password length in Unicode code points.
	MinPasswordLen = 10
	// MaxPasswordLen is the maximum password length in bytes; it bounds the
	// work a login request can cause.
	MaxPasswordLen = 256
)

// Argon2Params are the argon2id cost parameters (RFC 9106 §3.1).
type Argon2Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen, KeyLen uint32
}

// DefaultArgon2Params are the OWASP Password Storage Cheat Sheet minimum for
// argon2id: 19 MiB of memory, 2 passes, 1 thread, 16-byte salt, 32-byte
// hash. About 30–60 ms per hash on one core of a small server (see
// BenchmarkPasswordVerify); memory is what slows down GPU guessing.
var DefaultArgon2Params = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// CheckPasswordPolicy returns [ErrWeakPassword] (wrapped with the reason)
// unless pw has at least [MinPasswordLen] code points, at most
// [MaxPasswordLen] bytes, and is valid UTF-8. The message never contains pw.
func CheckPasswordPolicy(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("auth: password is not valid UTF-8: %w", ErrWeakPassword)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("auth: password longer than %d bytes: %w", MaxPasswordLen, ErrWeakPassword)
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return fmt.Errorf("auth: password shorter than %d characters: %w", MinPasswordLen, ErrWeakPassword)
	}
	return nil
}

// HashPassword hashes pw with argon2id and a fresh random salt and returns
// the PHC string "$argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<hash>"
// (salt and hash unpadded standard base64). It does not check the policy.
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash is returned for a stored hash that does not parse.
var errBadHash = fmt.Errorf("auth: malformed password hash: %w", ErrInvalidInput)

// parseHash parses a PHC argon2id string.
func parseHash(phc string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 {
		return p, nil, nil, errBadHash
	}
	// Refuse absurd costs from a tampered record (DoS) and invalid ones.
	if p.Memory < 8 || p.Memory > 1<<21 || p.Time < 1 || p.Time > 16 || threads < 1 || threads > 64 {
		return p, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC hash, comparing in
// constant time. It returns an error only for a malformed hash. Passwords
// longer than [MaxPasswordLen] never match.
func VerifyPassword(pw, phc string) (bool, error) {
	p, salt, key, err := parseHash(phc)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// needsRehash reports whether phc was made with parameters other than p.
func needsRehash(phc string, p Argon2Params) bool {
	q, _, _, err := parseHash(phc)
	return err != nil || q.Memory != p.Memory || q.Time != p.Time || q.Threads != p.Threads || q.KeyLen != p.KeyLen
}
