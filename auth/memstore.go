package auth

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is an in-memory [Store] for tests and development. Nothing
// survives the process. The zero value is not usable; call [NewMemoryStore].
// It is safe for concurrent use.
type MemoryStore struct {
	mu        sync.Mutex
	users     map[string]User
	sessions  map[string]Session
	apiTokens map[string]APIToken
	janus     map[string]JanusToken
	audit     map[string]AuditRecord
	throttle  map[string]throttleCounter
}

type throttleCounter struct {
	count     int64
	expiresAt time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		users:     map[string]User{},
		sessions:  map[string]Session{},
		apiTokens: map[string]APIToken{},
		janus:     map[string]JanusToken{},
		audit:     map[string]AuditRecord{},
		throttle:  map[string]throttleCounter{},
	}
}

func notFound(kind, id string) error { return fmt.Errorf("auth: %s %q: %w", kind, id, ErrNotFound) }

// CreateUser implements [Store].
func (m *MemoryStore) CreateUser(ctx context.Context, u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.ID]; ok {
		return fmt.Errorf("auth: user id exists: %w", ErrConflict)
	}
	for _, o := range m.users {
		if o.Email == u.Email {
			return fmt.Errorf("auth: email exists: %w", ErrConflict)
		}
	}
	m.users[u.ID] = u
	return nil
}

// GetUser implements [Store].
func (m *MemoryStore) GetUser(ctx context.Context, id string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return User{}, notFound("user", id)
	}
	return u, nil
}

// GetUserByEmail implements [Store].
func (m *MemoryStore) GetUserByEmail(ctx context.Context, email string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.Email == email {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("auth: user by email: %w", ErrNotFound)
}

// ListUsers implements [Store].
func (m *MemoryStore) ListUsers(ctx context.Context) ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]User, 0, len(m.users))
	for _, u := range m.users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Email, b.Email) })
	return out, nil
}

// UpdateUser implements [Store].
func (m *MemoryStore) UpdateUser(ctx context.Context, id string, upd UserUpdate) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return User{}, notFound("user", id)
	}
	if upd.DisplayName != nil {
		u.DisplayName = *upd.DisplayName
	}
	if upd.Role != nil {
		u.Role = *upd.Role
	}
	if upd.PasswordHash != nil {
		u.PasswordHash = *upd.PasswordHash
	}
	if upd.Disabled != nil {
		u.Disabled = *upd.Disabled
	}
	u.UpdatedAt = upd.UpdatedAt
	m.users[id] = u
	return u, nil
}

// DeleteUser implements [Store].
func (m *MemoryStore) DeleteUser(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[id]; !ok {
		return notFound("user", id)
	}
	delete(m.users, id)
	return nil
}

// CreateSession implements [Store].
func (m *MemoryStore) CreateSession(ctx context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.ID]; ok {
		return fmt.Errorf("auth: session exists: %w", ErrConflict)
	}
	m.sessions[s.ID] = s
	return nil
}

// GetSession implements [Store].
func (m *MemoryStore) GetSession(ctx context.Context, id string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return Session{}, fmt.Errorf("auth: session: %w", ErrNotFound)
	}
	return s, nil
}

// TouchSession implements [Store].
func (m *MemoryStore) TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return fmt.Errorf("auth: session: %w", ErrNotFound)
	}
	s.LastSeenAt, s.ExpiresAt = lastSeen, expiresAt
	m.sessions[id] = s
	return nil
}

// DeleteSession implements [Store].
func (m *MemoryStore) DeleteSession(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[id]; !ok {
		return fmt.Errorf("auth: session: %w", ErrNotFound)
	}
	delete(m.sessions, id)
	return nil
}

// DeleteUserSessions implements [Store].
func (m *MemoryStore) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.sessions {
		if s.UserID == userID {
			delete(m.sessions, id)
			n++
		}
	}
	return n, nil
}

// CreateAPIToken implements [Store].
func (m *MemoryStore) CreateAPIToken(ctx context.Context, t APIToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apiTokens[t.ID]; ok {
		return fmt.Errorf("auth: api token exists: %w", ErrConflict)
	}
	m.apiTokens[t.ID] = cloneAPIToken(t)
	return nil
}

func cloneAPIToken(t APIToken) APIToken {
	t.Hash = bytes.Clone(t.Hash)
	t.Scopes = slices.Clone(t.Scopes)
	return t
}

// GetAPIToken implements [Store].
func (m *MemoryStore) GetAPIToken(ctx context.Context, id string) (APIToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.apiTokens[id]
	if !ok {
		return APIToken{}, notFound("api token", id)
	}
	return cloneAPIToken(t), nil
}

// ListAPITokens implements [Store].
func (m *MemoryStore) ListAPITokens(ctx context.Context, userID string) ([]APIToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []APIToken
	for _, t := range m.apiTokens {
		if userID == "" || t.UserID == userID {
			out = append(out, cloneAPIToken(t))
		}
	}
	slices.SortFunc(out, func(a, b APIToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeAPIToken implements [Store].
func (m *MemoryStore) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.apiTokens[id]
	if !ok {
		return notFound("api token", id)
	}
	if t.RevokedAt.IsZero() {
		t.RevokedAt = at
		m.apiTokens[id] = t
	}
	return nil
}

// CreateJanusToken implements [Store].
func (m *MemoryStore) CreateJanusToken(ctx context.Context, t JanusToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.janus[t.Token]; ok {
		return fmt.Errorf("auth: janus token exists: %w", ErrConflict)
	}
	m.janus[t.Token] = t
	return nil
}

// ListJanusTokens implements [Store].
func (m *MemoryStore) ListJanusTokens(ctx context.Context, f JanusTokenFilter) ([]JanusToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []JanusToken
	for _, t := range m.janus {
		if (f.Instance == "" || f.Instance == t.Instance) && (f.CallID == "" || f.CallID == t.CallID) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b JanusToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
	return out, nil
}

// DeleteJanusToken implements [Store].
func (m *MemoryStore) DeleteJanusToken(ctx context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.janus[token]; !ok {
		return fmt.Errorf("auth: janus token: %w", ErrNotFound)
	}
	delete(m.janus, token)
	return nil
}

// AppendAudit implements [Store].
func (m *MemoryStore) AppendAudit(ctx context.Context, rec AuditRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.audit[rec.ID]; ok {
		return fmt.Errorf("auth: audit record exists: %w", ErrConflict)
	}
	m.audit[rec.ID] = rec
	return nil
}

// ListAudit implements [Store].
func (m *MemoryStore) ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AuditRecord
	for _, r := range m.audit {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b AuditRecord) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// ThrottleHit implements [Store].
func (m *MemoryStore) ThrottleHit(ctx context.Context, key string, expiresAt time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.throttle[key]
	if !ok {
		c.expiresAt = expiresAt
	}
	c.count++
	m.throttle[key] = c
	return c.count, nil
}

// ThrottleCount implements [Store].
func (m *MemoryStore) ThrottleCount(ctx context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.throttle[key].count, nil
}

// ThrottleReset implements [Store].
func (m *MemoryStore) ThrottleReset(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.throttle, key)
	return nil
}

// DeleteExpired implements [Store].
func (m *MemoryStore) DeleteExpired(ctx context.Context, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, s := range m.sessions {
		if !s.ExpiresAt.After(now) {
			delete(m.sessions, id)
		}
	}
	for k, c := range m.throttle {
		if !c.expiresAt.After(now) {
			delete(m.throttle, k)
		}
	}
	return nil
}
