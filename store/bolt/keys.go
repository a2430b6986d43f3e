package bolt

import (
	"encoding/binary"
	"fmt"
)

// Keys are built so that bytes.Compare on the encoded key equals the logical
// order of the key's parts: unsigned integers big-endian, signed integers
// big-endian with the sign bit flipped, and strings as a 2-byte big-endian
// length followed by the bytes (so that a string part can be followed by
// further parts and a prefix scan over one string never matches a longer one).
//
// A key is a sequence of such parts; [keyBuilder] appends parts and
// [keyReader] takes them apart again in the same order.

// maxKeyString is the longest string part a key can hold (2-byte length).
const maxKeyString = 1<<16 - 1

// keyBuilder appends encoded parts to a key.
type keyBuilder []byte

// u64 appends v as 8 bytes big-endian.
func (k keyBuilder) u64(v uint64) keyBuilder {
	return binary.BigEndian.AppendUint64(k, v)
}

// i64 appends v so that negative values sort before positive ones.
func (k keyBuilder) i64(v int64) keyBuilder {
	return k.u64(uint64(v) ^ (1 << 63))
}

// str appends s with its length; s longer than [maxKeyString] is a
// programming error in the caller, who must validate lengths first.
func (k keyBuilder) str(s string) keyBuilder {
	if len(s) > maxKeyString {
		panic(fmt.Sprintf("bolt: key string part of %d bytes", len(s)))
	}
	k = binary.BigEndian.AppendUint16(k, uint16(len(s)))
	return append(k, s...)
}

// keyReader takes an encoded key apart; the first failure is kept in err and
// later reads return zero values.
type keyReader struct {
	b   []byte
	err error
}

func (r *keyReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: key too short for %s", ErrCorrupt, what)
	}
	r.b = nil
}

func (r *keyReader) u64() uint64 {
	if len(r.b) < 8 {
		r.fail("uint64")
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *keyReader) i64() int64 {
	return int64(r.u64() ^ (1 << 63))
}

func (r *keyReader) str() string {
	if len(r.b) < 2 {
		r.fail("string length")
		return ""
	}
	n := int(binary.BigEndian.Uint16(r.b))
	if len(r.b) < 2+n {
		r.fail("string")
		return ""
	}
	s := string(r.b[2 : 2+n])
	r.b = r.b[2+n:]
	return s
}

// done reports an error when parts are missing or bytes are left over.
func (r *keyReader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d trailing key bytes", ErrCorrupt, len(r.b))
	}
	return r.err
}
