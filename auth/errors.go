package auth

import "errors"

// Store errors. Every [Store] implementation returns these sentinels (possibly
// wrapped with %w), so callers test them with errors.Is.
var (
	// ErrNotFound means the record named by the call does not exist (or, for
	// sessions and throttle counters, has expired and is treated as absent).
	ErrNotFound = errors.New("auth: not found")
	// ErrConflict means a create would violate a uniqueness rule: a record
	// with the same primary key exists, or (for users) another user already
	// has the same email.
	ErrConflict = errors.New("auth: conflict")
)

// Domain errors returned by [Service] and the token/ticket verifiers. The
// HTTP handlers map them to statuses in one place (see problemFor).
var (
	// ErrInvalidCredentials means the email/password pair does not match an
	// enabled account. It deliberately does not say which part was wrong.
	ErrInvalidCredentials = errors.New("auth: invalid email or password")
	// ErrThrottled means too many failed logins for the account or the
	// client address within the throttle window; retry later.
	ErrThrottled = errors.New("auth: too many attempts")
	// ErrUnauthenticated means the request carries no valid credentials.
	ErrUnauthenticated = errors.New("auth: not authenticated")
	// ErrForbidden means the caller is authenticated but lacks the role or
	// scope the operation needs.
	ErrForbidden = errors.New("auth: forbidden")
	// ErrCSRF means a state-changing request made with a cookie did not carry
	// a valid CSRF token in the X-CSRF-Token header.
	ErrCSRF = errors.New("auth: missing or invalid CSRF token")
	// ErrInvalidToken means a JWT (session, guest or call ticket) or an API
	// token is malformed, forged, signed with an unknown key or algorithm,
	// expired, revoked, or of the wrong kind.
	ErrInvalidToken = errors.New("auth: invalid token")
	// ErrWeakPassword means a password violates the length policy
	// (see [MinPasswordLen] and [MaxPasswordLen]).
	ErrWeakPassword = errors.New("auth: password does not meet policy")
	// ErrInvalidInput means a request field is malformed (bad email, unknown
	// role or scope, empty display name, ...).
	ErrInvalidInput = errors.New("auth: invalid input")
	// ErrSignupDisabled means self-service signup is turned off.
	ErrSignupDisabled = errors.New("auth: signup is disabled")
)
