package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/auth"
)

// Auth store buckets. Records are the JSON encoding of auth's structs.
var (
	bucketUsers       = []byte("auth.users")        // user id → User
	bucketUserEmails  = []byte("auth.user_emails")  // email → user id
	bucketSessions    = []byte("auth.sessions")     // session id → Session
	bucketAPITokens   = []byte("auth.api_tokens")   // token id → APIToken
	bucketJanusTokens = []byte("auth.janus_tokens") // token → JanusToken
	bucketAudit       = []byte("auth.audit")        // time ns, id → AuditRecord
	bucketAuditIDs    = []byte("auth.audit_ids")    // id → audit key
	bucketThrottle    = []byte("auth.throttle")     // key → count (8 bytes) + expiry ns (8 bytes)
)

func init() {
	allBuckets = append(allBuckets, bucketUsers, bucketUserEmails, bucketSessions, bucketAPITokens,
		bucketJanusTokens, bucketAudit, bucketAuditIDs, bucketThrottle)
}

// AuthStore implements [auth.Store] on the embedded file. Each method is
// one bbolt transaction, so ThrottleHit's increment and CreateUser's email
// check are atomic.
type AuthStore struct {
	db *DB
}

var _ auth.Store = (*AuthStore)(nil)

// Auth returns the auth store kept in d.
func (d *DB) Auth() *AuthStore { return &AuthStore{db: d} }

func notFound(ok bool, err error) error {
	if err == nil && !ok {
		return auth.ErrNotFound
	}
	return err
}

// CreateUser implements [auth.Store].
func (s *AuthStore) CreateUser(ctx context.Context, u auth.User) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		users, emails := tx.Bucket(bucketUsers), tx.Bucket(bucketUserEmails)
		if users.Get([]byte(u.ID)) != nil {
			return fmt.Errorf("user id: %w", auth.ErrConflict)
		}
		if emails.Get([]byte(u.Email)) != nil {
			return fmt.Errorf("user email: %w", auth.ErrConflict)
		}
		if err := emails.Put([]byte(u.Email), []byte(u.ID)); err != nil {
			return err
		}
		return putJSON(users, []byte(u.ID), u)
	})
	if err != nil {
		return fmt.Errorf("bolt: create user: %w", err)
	}
	return nil
}

// GetUser implements [auth.Store].
func (s *AuthStore) GetUser(ctx context.Context, id string) (auth.User, error) {
	return getOne[auth.User](ctx, s.db, bucketUsers, id, "user", auth.ErrNotFound)
}

// GetUserByEmail implements [auth.Store].
func (s *AuthStore) GetUserByEmail(ctx context.Context, email string) (auth.User, error) {
	var u auth.User
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketUserEmails).Get([]byte(email))
		if id == nil {
			return auth.ErrNotFound
		}
		var ok bool
		var err error
		u, ok, err = getJSON[auth.User](tx.Bucket(bucketUsers), id)
		return notFound(ok, err)
	})
	if err != nil {
		return auth.User{}, fmt.Errorf("bolt: get user by email: %w", err)
	}
	return u, nil
}

// ListUsers implements [auth.Store]: the email index is already in order.
func (s *AuthStore) ListUsers(ctx context.Context) ([]auth.User, error) {
	var out []auth.User
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		return tx.Bucket(bucketUserEmails).ForEach(func(_, id []byte) error {
			u, ok, err := getJSON[auth.User](users, id)
			if err := notFound(ok, err); err != nil {
				return fmt.Errorf("%w: email index names user %s: %w", ErrCorrupt, id, err)
			}
			out = append(out, u)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list users: %w", err)
	}
	return out, nil
}

// UpdateUser implements [auth.Store].
func (s *AuthStore) UpdateUser(ctx context.Context, id string, upd auth.UserUpdate) (auth.User, error) {
	var u auth.User
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		var ok bool
		var err error
		u, ok, err = getJSON[auth.User](users, []byte(id))
		if err := notFound(ok, err); err != nil {
			return err
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
		return putJSON(users, []byte(id), u)
	})
	if err != nil {
		return auth.User{}, fmt.Errorf("bolt: update user: %w", err)
	}
	return u, nil
}

// DeleteUser implements [auth.Store].
func (s *AuthStore) DeleteUser(ctx context.Context, id string) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		u, ok, err := getJSON[auth.User](users, []byte(id))
		if err := notFound(ok, err); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUserEmails).Delete([]byte(u.Email)); err != nil {
			return err
		}
		return users.Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("bolt: delete user: %w", err)
	}
	return nil
}

// createOnce stores v under key in bucket unless the key exists.
func (s *AuthStore) createOnce(ctx context.Context, bucket []byte, key string, v any) error {
	return s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get([]byte(key)) != nil {
			return auth.ErrConflict
		}
		return putJSON(b, []byte(key), v)
	})
}

// deleteOnce removes key from bucket, or fails with ErrNotFound.
func (s *AuthStore) deleteOnce(ctx context.Context, bucket []byte, key string) error {
	return s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get([]byte(key)) == nil {
			return auth.ErrNotFound
		}
		return b.Delete([]byte(key))
	})
}

// CreateSession implements [auth.Store].
func (s *AuthStore) CreateSession(ctx context.Context, sess auth.Session) error {
	if err := s.createOnce(ctx, bucketSessions, sess.ID, sess); err != nil {
		return fmt.Errorf("bolt: create session: %w", err)
	}
	return nil
}

// GetSession implements [auth.Store].
func (s *AuthStore) GetSession(ctx context.Context, id string) (auth.Session, error) {
	return getOne[auth.Session](ctx, s.db, bucketSessions, id, "session", auth.ErrNotFound)
}

// TouchSession implements [auth.Store].
func (s *AuthStore) TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		sess, ok, err := getJSON[auth.Session](b, []byte(id))
		if err := notFound(ok, err); err != nil {
			return err
		}
		sess.LastSeenAt, sess.ExpiresAt = lastSeen, expiresAt
		return putJSON(b, []byte(id), sess)
	})
	if err != nil {
		return fmt.Errorf("bolt: touch session: %w", err)
	}
	return nil
}

// DeleteSession implements [auth.Store].
func (s *AuthStore) DeleteSession(ctx context.Context, id string) error {
	if err := s.deleteOnce(ctx, bucketSessions, id); err != nil {
		return fmt.Errorf("bolt: delete session: %w", err)
	}
	return nil
}

// deleteSessionsWhere removes the sessions for which drop reports true.
func (s *AuthStore) deleteSessionsWhere(ctx context.Context, drop func(*auth.Session) bool) (int, error) {
	n := 0
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketSessions)
		var doomed [][]byte
		err := b.ForEach(func(k, v []byte) error {
			sess, err := decodeJSON[auth.Session](k, v)
			if err != nil {
				return err
			}
			if drop(&sess) {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	return n, err
}

// DeleteUserSessions implements [auth.Store] (one transaction, scanning
// all sessions).
func (s *AuthStore) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	n, err := s.deleteSessionsWhere(ctx, func(sess *auth.Session) bool { return sess.UserID == userID })
	if err != nil {
		return 0, fmt.Errorf("bolt: delete user sessions: %w", err)
	}
	return n, nil
}

// CreateAPIToken implements [auth.Store].
func (s *AuthStore) CreateAPIToken(ctx context.Context, t auth.APIToken) error {
	if err := s.createOnce(ctx, bucketAPITokens, t.ID, t); err != nil {
		return fmt.Errorf("bolt: create API token: %w", err)
	}
	return nil
}

// GetAPIToken implements [auth.Store].
func (s *AuthStore) GetAPIToken(ctx context.Context, id string) (auth.APIToken, error) {
	return getOne[auth.APIToken](ctx, s.db, bucketAPITokens, id, "API token", auth.ErrNotFound)
}

// ListAPITokens implements [auth.Store].
func (s *AuthStore) ListAPITokens(ctx context.Context, userID string) ([]auth.APIToken, error) {
	var out []auth.APIToken
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketAPITokens).ForEach(func(k, v []byte) error {
			t, err := decodeJSON[auth.APIToken](k, v)
			if err != nil {
				return err
			}
			if userID == "" || t.UserID == userID {
				out = append(out, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list API tokens: %w", err)
	}
	slices.SortFunc(out, func(a, b auth.APIToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeAPIToken implements [auth.Store].
func (s *AuthStore) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAPITokens)
		t, ok, err := getJSON[auth.APIToken](b, []byte(id))
		if err := notFound(ok, err); err != nil {
			return err
		}
		if !t.RevokedAt.IsZero() {
			return nil
		}
		t.RevokedAt = at
		return putJSON(b, []byte(id), t)
	})
	if err != nil {
		return fmt.Errorf("bolt: revoke API token: %w", err)
	}
	return nil
}

// CreateJanusToken implements [auth.Store].
func (s *AuthStore) CreateJanusToken(ctx context.Context, t auth.JanusToken) error {
	if err := s.createOnce(ctx, bucketJanusTokens, t.Token, t); err != nil {
		return fmt.Errorf("bolt: create Janus token record: %w", err)
	}
	return nil
}

// ListJanusTokens implements [auth.Store].
func (s *AuthStore) ListJanusTokens(ctx context.Context, f auth.JanusTokenFilter) ([]auth.JanusToken, error) {
	var out []auth.JanusToken
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketJanusTokens).ForEach(func(k, v []byte) error {
			t, err := decodeJSON[auth.JanusToken](k, v)
			if err != nil {
				return err
			}
			if (f.Instance == "" || t.Instance == f.Instance) && (f.CallID == "" || t.CallID == f.CallID) {
				out = append(out, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list Janus token records: %w", err)
	}
	slices.SortFunc(out, func(a, b auth.JanusToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
	return out, nil
}

// DeleteJanusToken implements [auth.Store].
func (s *AuthStore) DeleteJanusToken(ctx context.Context, token string) error {
	if err := s.deleteOnce(ctx, bucketJanusTokens, token); err != nil {
		return fmt.Errorf("bolt: delete Janus token record: %w", err)
	}
	return nil
}

// auditKey orders audit records by Time, then ID.
func auditKey(rec *auth.AuditRecord) []byte {
	return keyBuilder(nil).i64(rec.Time.UnixNano()).str(rec.ID)
}

// AppendAudit implements [auth.Store].
func (s *AuthStore) AppendAudit(ctx context.Context, rec auth.AuditRecord) error {
	if err := checkKeyLen(rec.ID); err != nil {
		return fmt.Errorf("bolt: append audit: %w", err)
	}
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		ids := tx.Bucket(bucketAuditIDs)
		if ids.Get([]byte(rec.ID)) != nil {
			return auth.ErrConflict
		}
		k := auditKey(&rec)
		if err := ids.Put([]byte(rec.ID), k); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketAudit), k, rec)
	})
	if err != nil {
		return fmt.Errorf("bolt: append audit: %w", err)
	}
	return nil
}

// ListAudit implements [auth.Store]: a reverse cursor walk from Until down
// to Since, keeping the records [auth.AuditFilter.Match] accepts.
func (s *AuthStore) ListAudit(ctx context.Context, f auth.AuditFilter) ([]auth.AuditRecord, error) {
	var out []auth.AuditRecord
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		cur := tx.Bucket(bucketAudit).Cursor()
		var k, v []byte
		if f.Until.IsZero() {
			k, v = cur.Last()
		} else {
			// Seek lands on the first key >= Until; step back once.
			k, v = cur.Seek(keyBuilder(nil).i64(f.Until.UnixNano()))
			if k == nil {
				k, v = cur.Last()
			} else {
				k, v = cur.Prev()
			}
		}
		for ; k != nil; k, v = cur.Prev() {
			rec, err := decodeJSON[auth.AuditRecord](k, v)
			if err != nil {
				return err
			}
			if !f.Since.IsZero() && rec.Time.Before(f.Since) {
				break // keys are in Time order: nothing older can match
			}
			if !f.Match(rec) {
				continue
			}
			out = append(out, rec)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list audit: %w", err)
	}
	return out, nil
}

// throttle values: count (8 bytes) then expiry in Unix ns (8 bytes).
func decodeThrottle(v []byte) (count int64, expires int64, err error) {
	if len(v) != 16 {
		return 0, 0, fmt.Errorf("%w: throttle value of %d bytes", ErrCorrupt, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:])), nil
}

// ThrottleHit implements [auth.Store].
func (s *AuthStore) ThrottleHit(ctx context.Context, key string, expiresAt time.Time) (int64, error) {
	var n int64
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketThrottle)
		exp := expiresAt.UnixNano()
		n = 0
		if v := b.Get([]byte(key)); v != nil {
			var err error
			if n, exp, err = decodeThrottle(v); err != nil {
				return err
			}
		}
		n++
		v := binary.BigEndian.AppendUint64(nil, uint64(n))
		return b.Put([]byte(key), binary.BigEndian.AppendUint64(v, uint64(exp)))
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: throttle hit: %w", err)
	}
	return n, nil
}

// ThrottleCount implements [auth.Store].
func (s *AuthStore) ThrottleCount(ctx context.Context, key string) (int64, error) {
	var n int64
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketThrottle).Get([]byte(key))
		if v == nil {
			return nil
		}
		var err error
		n, _, err = decodeThrottle(v)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: throttle count: %w", err)
	}
	return n, nil
}

// ThrottleReset implements [auth.Store].
func (s *AuthStore) ThrottleReset(ctx context.Context, key string) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketThrottle).Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("bolt: throttle reset: %w", err)
	}
	return nil
}

// DeleteExpired implements [auth.Store]: sessions and throttle counters
// whose expiry is not after now.
func (s *AuthStore) DeleteExpired(ctx context.Context, now time.Time) error {
	if _, err := s.deleteSessionsWhere(ctx, func(sess *auth.Session) bool { return !sess.ExpiresAt.After(now) }); err != nil {
		return fmt.Errorf("bolt: delete expired sessions: %w", err)
	}
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketThrottle)
		var doomed [][]byte
		err := b.ForEach(func(k, v []byte) error {
			_, exp, err := decodeThrottle(v)
			if err != nil {
				return err
			}
			if exp <= now.UnixNano() {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: delete expired throttle counters: %w", err)
	}
	return nil
}
