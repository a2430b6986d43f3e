// Package bolt is Frontdesk's embedded store: one durable file written with
// go.etcd.io/bbolt, for a single Frontdesk process.
//
// The file is locked (flock) while open, so a second process that opens the
// same file waits [WithLockTimeout] and then fails with [ErrLocked]. Every
// write is one bbolt Update transaction, which makes read-modify-write
// sequences (matching a caller to a host, compare-and-swap on a version)
// atomic without further locking. Concurrent joins (new entries) share
// transactions ("group commit", group.go): one commit and its fsyncs for
// many joins, each acknowledged only once on disk; a join that fails
// inside a group fails alone.
//
// Derived buckets (per-queue entry counts by state, hosts by state) are
// kept in the same transactions as the records they summarise and are
// built by [Open] when a file lacks them.
//
// Keys are encoded so that bbolt's byte order equals the logical order
// (big-endian integers, length-prefixed strings; see keys.go); values are the
// JSON encoding of the plain structs of the domain packages.
package bolt
