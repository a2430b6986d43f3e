package auth

import (
	"context"
	"time"
)

// Store persists everything package auth needs. It is implemented by
// [MemoryStore] (tests, development) and by package store for the embedded
// (bbolt) and MongoDB backends; all implementations must pass
// authtest.RunStoreContract.
//
// Rules every implementation follows:
//   - Each method is atomic on its own and touches one record (document);
//     no method needs a multi-document transaction. The few that touch many
//     records (DeleteUserSessions, DeleteExpired) may delete them one by one.
//   - Records are plain values: a method never keeps or returns a pointer or
//     slice aliased with the caller's or with its own state.
//   - Times are stored with at least millisecond precision; auth passes UTC
//     times already truncated to the millisecond, and compares with
//     time.Time.Equal, so a backend may return them in any location.
//   - A nil and an empty slice are equivalent (Scopes).
//   - Missing records give [ErrNotFound]; uniqueness violations give
//     [ErrConflict]; other failures are wrapped backend errors.
//   - Methods honour ctx cancellation where the backend can.
//
// Secrets at rest: User.PasswordHash is an argon2id PHC string (never the
// password); APIToken.Hash is SHA-256 of the token secret (never the
// token). JanusToken.Token is stored in clear because Frontdesk must present
// it to Janus and remove it later; backends must not log record contents.
type Store interface {
	// CreateUser inserts u. ErrConflict if a user with u.ID exists or if
	// another user has u.Email (emails are stored already normalised to lower
	// case by auth, so an exact, case-sensitive match is enough).
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user with the given ID, or ErrNotFound.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail returns the user whose Email equals email exactly, or
	// ErrNotFound.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns all users ordered by Email ascending.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser atomically applies the non-nil fields of upd to the user
	// with the given ID, sets UpdatedAt to upd.UpdatedAt, and returns the
	// user as stored after the update. ErrNotFound if there is no such user.
	UpdateUser(ctx context.Context, id string, upd UserUpdate) (User, error)
	// DeleteUser removes the user with the given ID, or returns ErrNotFound.
	// It does not cascade; auth deletes the user's sessions and revokes
	// tokens itself.
	DeleteUser(ctx context.Context, id string) error

	// CreateSession inserts s. ErrConflict if a session with s.ID exists.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session with the given ID, or ErrNotFound.
	// Expired sessions may still be returned until DeleteExpired removes
	// them; auth checks ExpiresAt itself.
	GetSession(ctx context.Context, id string) (Session, error)
	// TouchSession sets LastSeenAt and ExpiresAt of the session (sliding
	// renewal). ErrNotFound if there is no such session.
	TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error
	// DeleteSession removes the session, or returns ErrNotFound.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions removes every session whose UserID is userID and
	// returns how many it removed (0 and nil error when there were none).
	DeleteUserSessions(ctx context.Context, userID string) (int, error)

	// CreateAPIToken inserts t. ErrConflict if a token with t.ID exists.
	CreateAPIToken(ctx context.Context, t APIToken) error
	// GetAPIToken returns the token with the given ID (revoked ones too), or
	// ErrNotFound.
	GetAPIToken(ctx context.Context, id string) (APIToken, error)
	// ListAPITokens returns the tokens of userID (revoked ones too) ordered
	// by CreatedAt ascending, then ID. An empty userID lists every token.
	ListAPITokens(ctx context.Context, userID string) ([]APIToken, error)
	// RevokeAPIToken sets RevokedAt to at if the token is not revoked yet
	// (an already revoked token keeps its first RevokedAt and the call
	// succeeds). ErrNotFound if there is no such token.
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error

	// CreateJanusToken inserts t. ErrConflict if a record with the same
	// Token exists.
	CreateJanusToken(ctx context.Context, t JanusToken) error
	// ListJanusTokens returns the records matching f (empty filter fields
	// match anything), ordered by CreatedAt ascending, then Token.
	ListJanusTokens(ctx context.Context, f JanusTokenFilter) ([]JanusToken, error)
	// DeleteJanusToken removes the record whose Token equals token, or
	// returns ErrNotFound.
	DeleteJanusToken(ctx context.Context, token string) error

	// AppendAudit inserts rec. ErrConflict if a record with rec.ID exists.
	AppendAudit(ctx context.Context, rec AuditRecord) error
	// ListAudit returns records matching f, newest first (Time descending,
	// then ID descending), at most f.Limit of them (0 means no limit).
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)

	// ThrottleHit atomically increments the counter named key and returns
	// the new count; an absent counter is created with count 1 and
	// expiresAt (expiresAt is recorded only on creation). auth embeds the
	// time window in the key, so a key is never reused after it expires and
	// a backend need not check expiry here. Keys are opaque printable ASCII
	// strings of at most 300 bytes.
	ThrottleHit(ctx context.Context, key string, expiresAt time.Time) (int64, error)
	// ThrottleCount returns the current count for key, 0 if absent.
	ThrottleCount(ctx context.Context, key string) (int64, error)
	// ThrottleReset deletes the counter for key; absent keys are not an
	// error.
	ThrottleReset(ctx context.Context, key string) error

	// DeleteExpired removes sessions whose ExpiresAt is not after now, and
	// throttle counters whose expiresAt is not after now (a MongoDB backend
	// may rely on TTL indexes instead and do less here). Janus tokens and
	// API tokens are not touched: auth removes those itself.
	DeleteExpired(ctx context.Context, now time.Time) error
}

// User is an account. Email is unique.
type User struct {
	// ID is an opaque, random identifier (22 characters of base64url), the
	// primary key.
	ID string
	// Email is the login name, trimmed and lower-cased; unique.
	Email string
	// DisplayName is shown to other participants (e.g. a host's name).
	DisplayName string
	// Role is the account's role; only admins change it.
	Role Role
	// PasswordHash is the argon2id hash in PHC string format
	// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"); empty means password
	// login is impossible.
	PasswordHash string
	// Disabled accounts cannot log in and their sessions and tokens stop
	// working.
	Disabled bool
	// CreatedAt and UpdatedAt are UTC, millisecond precision.
	CreatedAt, UpdatedAt time.Time
}

// UserUpdate names the fields [Store.UpdateUser] changes; nil fields are left
// as they are.
type UserUpdate struct {
	DisplayName  *string // new User.DisplayName
	Role         *Role   // new User.Role
	PasswordHash *string // new User.PasswordHash
	Disabled     *bool   // new User.Disabled (false is a value, not "unset")
	// UpdatedAt is always written.
	UpdatedAt time.Time
}

// Session is the server-side record behind a browser session cookie. The
// cookie's JWT names it by ID ("sid" claim); deleting the record ends the
// session at once, whatever the JWT says.
type Session struct {
	// ID is 128 bits of randomness, base64url (22 characters); primary key.
	ID string
	// UserID is the owning user's ID.
	UserID string
	// CreatedAt is when the user logged in; the session never outlives
	// CreatedAt + the configured maximum age.
	CreatedAt time.Time
	// LastSeenAt is the last sliding renewal.
	LastSeenAt time.Time
	// ExpiresAt is when the session ends unless renewed (idle timeout).
	ExpiresAt time.Time
	// UserAgent and Addr describe the login request, for the user's
	// session list and the audit log (truncated to 256 bytes).
	UserAgent, Addr string
}

// APIToken is a machine credential presented as "Authorization: Bearer
// fdt_<ID>_<secret>". Only SHA-256(secret) is stored.
type APIToken struct {
	// ID is the public part of the token (24 lowercase hex characters);
	// primary key.
	ID string
	// UserID is the user the token acts for, with that user's current role.
	UserID string
	// Name is a label chosen by the user.
	Name string
	// Hash is SHA-256 of the secret part (32 bytes).
	Hash []byte
	// Scopes limit what the token may do (see [Scope]).
	Scopes []string
	// CreatedAt is when the token was issued.
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero means never.
	ExpiresAt time.Time
	// RevokedAt is when the token was revoked; zero means active.
	RevokedAt time.Time
}

// JanusToken is a Janus stored token (Janus Admin API add_token) that
// Frontdesk issued for one participant of one call on one Janus instance.
// Janus keeps stored tokens in memory only; this record is how Frontdesk
// knows which tokens on an instance are its own (package janus/tokens
// mints them and reconciles each instance against these records).
type JanusToken struct {
	// Token is 256 bits of randomness as 64 lowercase hex characters;
	// primary key. It is a secret: it never reaches a browser or a log.
	Token string
	// Instance is the name of the Janus instance the token was added to.
	Instance string
	// CallID and ParticipantID say whom the token was issued for.
	CallID, ParticipantID string
	// CreatedAt is when the token was issued; ExpiresAt is when reconcile
	// removes it even if the call never ended cleanly.
	CreatedAt, ExpiresAt time.Time
}

// JanusTokenFilter selects Janus token records; empty fields match anything.
type JanusTokenFilter struct {
	Instance string // JanusToken.Instance equals this
	CallID   string // JanusToken.CallID equals this
}

// AuditRecord is one security event (login, failure, role change, token
// revocation, ...). Records never contain secrets.
type AuditRecord struct {
	// ID is unique and sorts by creation within the same Time (auth uses a
	// time-prefixed random ID); primary key.
	ID string
	// Time is when the event happened (UTC, millisecond precision).
	Time time.Time
	// Kind is the event type, e.g. "login.success" (see the AuditX
	// constants).
	Kind string
	// ActorID is the user who acted ("" for anonymous, "guest:<id>" for a
	// guest); SubjectID is the user or token acted upon, if any.
	ActorID, SubjectID string
	// Addr is the client address of the request, if any.
	Addr string
	// Detail is a short human-readable note (never a secret).
	Detail string
}

// AuditFilter selects audit records; zero fields match anything.
type AuditFilter struct {
	// Since and Until bound Time: Since <= Time < Until.
	Since, Until time.Time
	// Kind matches exactly.
	Kind string
	// UserID matches ActorID or SubjectID.
	UserID string
	// Limit caps the number of records returned; 0 means no limit.
	Limit int
}

// Match reports whether r passes every field of f except Limit (which caps
// a list, not a record). Every [Store] that filters in Go uses it, so the
// rules above are written once.
func (f AuditFilter) Match(r AuditRecord) bool {
	switch {
	case !f.Since.IsZero() && r.Time.Before(f.Since),
		!f.Until.IsZero() && !r.Time.Before(f.Until),
		f.Kind != "" && r.Kind != f.Kind,
		f.UserID != "" && r.ActorID != f.UserID && r.SubjectID != f.UserID:
		return false
	}
	return true
}
