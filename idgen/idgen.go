// Package idgen makes random identifiers and bearer secrets from
// crypto/rand: record ids, tokens, and JavaScript-safe numeric ids for
// Janus rooms and participants. Every function draws fresh bytes from
// crypto/rand, which never fails on supported platforms (since Go 1.24 it
// never returns an error), so none of them returns one.
package idgen

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
)

// MaxUint53 is the largest value [Uint53] returns: 2^53-1, the largest
// integer a JavaScript number (an IEEE 754 double) holds exactly.
const MaxUint53 = 1<<53 - 1

// Bytes returns n random bytes (8n bits of entropy), e.g. a key.
func Bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Hex returns n random bytes as 2n lowercase hex digits (8n bits of
// entropy): Hex(16) is a 128-bit id of 32 characters.
func Hex(n int) string { return hex.EncodeToString(Bytes(n)) }

// Base64URL returns n random bytes as unpadded base64url (RFC 4648 §5),
// ceil(4n/3) characters of [A-Za-z0-9_-] with 8n bits of entropy; safe in
// URLs, cookies and HTTP headers.
func Base64URL(n int) string { return base64.RawURLEncoding.EncodeToString(Bytes(n)) }

// Uint53 returns a uniformly random integer in [1, [MaxUint53]] (just under
// 53 bits of entropy), never 0. Janus room and participant ids are 64-bit,
// but browsers parse JSON numbers as doubles, so ids a browser sees must
// stay at or below 2^53-1 (as Janus's own janus_random_uint64 does for
// janus.js).
func Uint53() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if id := binary.BigEndian.Uint64(b[:]) & MaxUint53; id != 0 {
			return id
		}
	}
}
