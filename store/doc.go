// Package store chooses and opens Frontdesk's storage backend at startup:
// the embedded store (the default; one bbolt file, single process; package
// store/bolt) or MongoDB (for several replicas; package store/mongo). Both
// implement the same interfaces: queue.Store, auth.Store and pool.Placements (package janus/pool).
//
// Use [Open] with a [Config]; the returned [Backend] hands out the stores,
// has a readiness check ([Backend.Ready]) and must be closed.
package store
