package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// MinKeyLen is the minimum length of a signing key in bytes (256 bits, the
// HMAC-SHA256 block-size guidance of RFC 7518 §3.2).
const MinKeyLen = 32

// KeyRing holds the HMAC keys that sign Frontdesk's JWTs (sessions, guests,
// call tickets) and CSRF tokens, by key id ("kid" JWT header, RFC 7515
// §4.1.4). New tokens are signed with the current key; tokens signed with
// any key in the ring verify, so keys rotate by adding a new current key and
// removing the old one after the longest token lifetime (the session's
// maximum age). Each purpose uses its own key derived with HMAC-SHA256 from
// the ring key, so a token for one purpose never verifies for another.
//
// A KeyRing never prints its keys: String and LogValue show only the kids.
type KeyRing struct {
	current string
	keys    map[string][]byte
}

// NewKeyRing returns a ring whose signing key is keys[current]. Every key
// must be at least [MinKeyLen] bytes and every kid 1–64 characters of
// [A-Za-z0-9._-]. The ring copies keys.
func NewKeyRing(current string, keys map[string][]byte) (*KeyRing, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("auth: key ring: current kid %q not in ring: %w", current, ErrInvalidInput)
	}
	r := &KeyRing{current: current, keys: make(map[string][]byte, len(keys))}
	for kid, k := range keys {
		if !validKid(kid) {
			return nil, fmt.Errorf("auth: key ring: bad kid %q: %w", kid, ErrInvalidInput)
		}
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("auth: key ring: key %q shorter than %d bytes: %w", kid, MinKeyLen, ErrInvalidInput)
		}
		r.keys[kid] = slices.Clone(k)
	}
	return r, nil
}

func validKid(kid string) bool {
	if len(kid) == 0 || len(kid) > 64 {
		return false
	}
	for _, c := range kid {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// GenerateKeyRing returns a ring with one fresh random 256-bit key under a
// random kid. Tokens signed with it do not survive a restart and are not
// accepted by other replicas: use it for development and tests only.
func GenerateKeyRing() (*KeyRing, error) {
	k := make([]byte, MinKeyLen)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("auth: key ring: %w", err)
	}
	id := make([]byte, 4)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("auth: key ring: %w", err)
	}
	kid := "gen-" + hex.EncodeToString(id)
	return NewKeyRing(kid, map[string][]byte{kid: k})
}

// ParseKeyRing parses the configuration form of a ring:
// "kid1:base64key1,kid2:base64key2" (standard or URL-safe base64, padding
// optional). The first entry is the current signing key. Suitable for an
// environment variable such as FRONTDESK_AUTH_KEYS; errors never echo keys.
func ParseKeyRing(spec string) (*KeyRing, error) {
	keys := map[string][]byte{}
	var current string
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		kid, enc, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("auth: key ring: entry %d is not kid:base64key: %w", i+1, ErrInvalidInput)
		}
		k, err := decodeBase64Any(enc)
		if err != nil {
			return nil, fmt.Errorf("auth: key ring: entry %d (kid %q): key is not base64: %w", i+1, kid, ErrInvalidInput)
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("auth: key ring: duplicate kid %q: %w", kid, ErrInvalidInput)
		}
		keys[kid] = k
		if i == 0 {
			current = kid
		}
	}
	return NewKeyRing(current, keys)
}

func decodeBase64Any(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// CurrentKid returns the kid that signs new tokens.
func (r *KeyRing) CurrentKid() string { return r.current }

// Kids returns the kids in the ring, sorted.
func (r *KeyRing) Kids() []string {
	out := make([]string, 0, len(r.keys))
	for k := range r.keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// String shows the kids only.
func (r *KeyRing) String() string {
	return fmt.Sprintf("KeyRing{current: %s, kids: %v}", r.current, r.Kids())
}

// GoString shows the kids only, so %#v does not print keys either.
func (r *KeyRing) GoString() string { return r.String() }

// LogValue implements slog.LogValuer with the kids only.
func (r *KeyRing) LogValue() slog.Value {
	return slog.GroupValue(slog.String("current", r.current), slog.Any("kids", r.Kids()))
}

// purpose labels for key derivation.
const (
	purposeSession = "frontdesk session v1"
	purposeGuest   = "frontdesk guest v1"
	purposeTicket  = "frontdesk call ticket v1"
	purposeCSRF    = "frontdesk csrf v1"
)

// derive returns the purpose key for kid, or false if kid is unknown.
func (r *KeyRing) derive(kid, purpose string) ([]byte, bool) {
	k, ok := r.keys[kid]
	if !ok {
		return nil, false
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(purpose))
	return m.Sum(nil), true
}
