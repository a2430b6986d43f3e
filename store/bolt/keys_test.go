package bolt

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
)

// TestKeyOrder checks that byte order of encoded keys is the logical order
// of their parts, which every index scan relies on.
func TestKeyOrder(t *testing.T) {
	tests := []struct {
		name string
		keys [][]byte // in ascending logical order
	}{
		{"uint64", [][]byte{keyBuilder(nil).u64(0), keyBuilder(nil).u64(1), keyBuilder(nil).u64(256), keyBuilder(nil).u64(math.MaxUint64)}},
		{"int64", [][]byte{keyBuilder(nil).i64(math.MinInt64), keyBuilder(nil).i64(-1), keyBuilder(nil).i64(0), keyBuilder(nil).i64(1), keyBuilder(nil).i64(math.MaxInt64)}},
		{"priority descending", [][]byte{
			keyBuilder(nil).u64(prioKey(math.MaxInt)), keyBuilder(nil).u64(prioKey(5)), keyBuilder(nil).u64(prioKey(0)),
			keyBuilder(nil).u64(prioKey(-1)), keyBuilder(nil).u64(prioKey(math.MinInt)),
		}},
		{"string then number", [][]byte{
			keyBuilder(nil).str("a").u64(9), keyBuilder(nil).str("b").u64(0), keyBuilder(nil).str("b").u64(1), keyBuilder(nil).str("ab").u64(0),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !slices.IsSortedFunc(tc.keys, bytes.Compare) {
				t.Fatalf("keys not in byte order: %x", tc.keys)
			}
		})
	}
}

// TestKeyPrefix: a scan over one string part never matches a longer string
// that starts with it (the length prefix separates "q1" from "q10").
func TestKeyPrefix(t *testing.T) {
	prefix := keyBuilder(nil).str("q1")
	if bytes.HasPrefix(keyBuilder(nil).str("q10").u64(1), prefix) {
		t.Fatal(`key of "q10" has the prefix of "q1"`)
	}
	if !bytes.HasPrefix(keyBuilder(nil).str("q1").u64(1), prefix) {
		t.Fatal(`key of "q1" lacks its own prefix`)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	k := keyBuilder(nil).str("queue-7").i64(-42).u64(math.MaxUint64).str("")
	r := keyReader{b: k}
	if s, i, u, e := r.str(), r.i64(), r.u64(), r.str(); s != "queue-7" || i != -42 || u != math.MaxUint64 || e != "" {
		t.Fatalf("decoded %q %d %d %q", s, i, u, e)
	}
	if err := r.done(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  []byte
		read func(r *keyReader)
	}{
		{"short uint64", []byte{1, 2, 3}, func(r *keyReader) { r.u64() }},
		{"short string", keyBuilder(nil).str("abc")[:4], func(r *keyReader) { r.str() }},
		{"trailing bytes", append(keyBuilder(nil).u64(1), 0), func(r *keyReader) { r.u64() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := keyReader{b: tc.key}
			tc.read(&r)
			if err := r.done(); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("done() = %v, want ErrCorrupt", err)
			}
		})
	}
}
