// Package auth holds Frontdesk's accounts and credentials: users and roles
// (admin, host, caller), argon2id passwords, login throttling, browser
// sessions (a signed JWT in a cookie backed by a server-side record), CSRF
// protection, API tokens, guest caller identities, call tickets for the
// Janus proxy, the records of Janus stored tokens (package janus/tokens
// mints and reconciles the tokens themselves), the Origin allow-list for
// WebSocket endpoints, and the audit log of security events.
//
// Persistence goes through the [Store] interface; [MemoryStore] implements it
// in memory and package store implements it for bbolt and MongoDB. Every
// implementation passes authtest.RunStoreContract.
package auth
