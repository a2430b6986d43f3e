// Package authtest holds reusable tests for implementations of auth's
// interfaces. Package store runs [RunStoreContract] against its bbolt and
// MongoDB backends; package auth runs it against [auth.MemoryStore].
package authtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/auth"
)

// NewStoreFunc returns a fresh, empty store for one subtest. It should
// register any cleanup with t.Cleanup.
type NewStoreFunc func(t *testing.T) auth.Store

// base is a fixed, millisecond-precision UTC time used by the contract.
var base = time.Date(2026, 3, 29, 1, 30, 0, 123_000_000, time.UTC)

func at(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }

// RunStoreContract runs the [auth.Store] contract against stores made by
// newStore: every documented ordering, uniqueness, error and atomicity rule.
// Each subtest gets its own store.
func RunStoreContract(t *testing.T, newStore NewStoreFunc) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s auth.Store)
	}{
		{"UserRoundTrip", testUserRoundTrip},
		{"UserConflicts", testUserConflicts},
		{"UserNotFound", testUserNotFound},
		{"UserListOrder", testUserListOrder},
		{"UserUpdate", testUserUpdate},
		{"UserDelete", testUserDelete},
		{"UserConcurrentSameEmail", testUserConcurrentSameEmail},
		{"Sessions", testSessions},
		{"SessionsDeleteByUser", testSessionsDeleteByUser},
		{"APITokens", testAPITokens},
		{"APITokenRevoke", testAPITokenRevoke},
		{"JanusTokens", testJanusTokens},
		{"Audit", testAudit},
		{"Throttle", testThrottle},
		{"ThrottleConcurrent", testThrottleConcurrent},
		{"DeleteExpired", testDeleteExpired},
		{"ThrottleExpiryFixedAtCreation", testThrottleExpiryFixed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustNil(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func mustIs(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func sampleUser(id, email string) auth.User {
	return auth.User{
		ID: id, Email: email, DisplayName: "Name " + id, Role: auth.RoleHost,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		Disabled:     false, CreatedAt: at(0), UpdatedAt: at(1),
	}
}

func userEqual(a, b auth.User) bool {
	return a.ID == b.ID && a.Email == b.Email && a.DisplayName == b.DisplayName &&
		a.Role == b.Role && a.PasswordHash == b.PasswordHash && a.Disabled == b.Disabled &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func testUserRoundTrip(t *testing.T, s auth.Store) {
	u := sampleUser("u1", "ada@example.com")
	u.Disabled = true
	u.Role = auth.RoleAdmin
	mustNil(t, s.CreateUser(ctx(t), u), "CreateUser")
	got, err := s.GetUser(ctx(t), "u1")
	mustNil(t, err, "GetUser")
	if !userEqual(got, u) {
		t.Fatalf("GetUser = %+v, want %+v", got, u)
	}
	got, err = s.GetUserByEmail(ctx(t), "ada@example.com")
	mustNil(t, err, "GetUserByEmail")
	if !userEqual(got, u) {
		t.Fatalf("GetUserByEmail = %+v, want %+v", got, u)
	}
}

func testUserConflicts(t *testing.T, s auth.Store) {
	mustNil(t, s.CreateUser(ctx(t), sampleUser("u1", "a@example.com")), "CreateUser")
	mustIs(t, s.CreateUser(ctx(t), sampleUser("u1", "b@example.com")), auth.ErrConflict, "same ID")
	mustIs(t, s.CreateUser(ctx(t), sampleUser("u2", "a@example.com")), auth.ErrConflict, "same email")
	// The failed creates changed nothing.
	if _, err := s.GetUser(ctx(t), "u2"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("u2 exists after a conflicting create: %v", err)
	}
	got, err := s.GetUser(ctx(t), "u1")
	mustNil(t, err, "GetUser")
	if got.Email != "a@example.com" {
		t.Fatalf("u1 email = %q after conflicting create", got.Email)
	}
}

func testUserNotFound(t *testing.T, s auth.Store) {
	_, err := s.GetUser(ctx(t), "nope")
	mustIs(t, err, auth.ErrNotFound, "GetUser")
	_, err = s.GetUserByEmail(ctx(t), "nope@example.com")
	mustIs(t, err, auth.ErrNotFound, "GetUserByEmail")
	_, err = s.UpdateUser(ctx(t), "nope", auth.UserUpdate{UpdatedAt: at(2)})
	mustIs(t, err, auth.ErrNotFound, "UpdateUser")
	mustIs(t, s.DeleteUser(ctx(t), "nope"), auth.ErrNotFound, "DeleteUser")
	users, err := s.ListUsers(ctx(t))
	mustNil(t, err, "ListUsers")
	if len(users) != 0 {
		t.Fatalf("ListUsers on empty store = %d users", len(users))
	}
}

func testUserListOrder(t *testing.T, s auth.Store) {
	for i, e := range []string{"carol@example.com", "alice@example.com", "bob@example.com"} {
		mustNil(t, s.CreateUser(ctx(t), sampleUser(fmt.Sprintf("u%d", i), e)), "CreateUser")
	}
	users, err := s.ListUsers(ctx(t))
	mustNil(t, err, "ListUsers")
	var emails []string
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	want := []string{"alice@example.com", "bob@example.com", "carol@example.com"}
	if !slices.Equal(emails, want) {
		t.Fatalf("ListUsers emails = %v, want %v", emails, want)
	}
}

func testUserUpdate(t *testing.T, s auth.Store) {
	u := sampleUser("u1", "a@example.com")
	mustNil(t, s.CreateUser(ctx(t), u), "CreateUser")

	role := auth.RoleAdmin
	got, err := s.UpdateUser(ctx(t), "u1", auth.UserUpdate{Role: &role, UpdatedAt: at(5)})
	mustNil(t, err, "UpdateUser role")
	want := u
	want.Role, want.UpdatedAt = auth.RoleAdmin, at(5)
	if !userEqual(got, want) {
		t.Fatalf("UpdateUser returned %+v, want %+v", got, want)
	}

	name, hash, disabled := "New Name", "$argon2id$new", true
	got, err = s.UpdateUser(ctx(t), "u1", auth.UserUpdate{DisplayName: &name, PasswordHash: &hash, Disabled: &disabled, UpdatedAt: at(6)})
	mustNil(t, err, "UpdateUser others")
	want.DisplayName, want.PasswordHash, want.Disabled, want.UpdatedAt = name, hash, true, at(6)
	if !userEqual(got, want) {
		t.Fatalf("UpdateUser returned %+v, want %+v", got, want)
	}
	stored, err := s.GetUser(ctx(t), "u1")
	mustNil(t, err, "GetUser")
	if !userEqual(stored, want) {
		t.Fatalf("stored after update %+v, want %+v", stored, want)
	}

	// Clearing a flag works (false is a real value, not "unset").
	enabled := false
	got, err = s.UpdateUser(ctx(t), "u1", auth.UserUpdate{Disabled: &enabled, UpdatedAt: at(7)})
	mustNil(t, err, "UpdateUser enable")
	if got.Disabled || got.Role != auth.RoleAdmin || got.DisplayName != name {
		t.Fatalf("UpdateUser(Disabled=false) = %+v", got)
	}
}

func testUserDelete(t *testing.T, s auth.Store) {
	mustNil(t, s.CreateUser(ctx(t), sampleUser("u1", "a@example.com")), "CreateUser")
	mustNil(t, s.DeleteUser(ctx(t), "u1"), "DeleteUser")
	_, err := s.GetUser(ctx(t), "u1")
	mustIs(t, err, auth.ErrNotFound, "GetUser after delete")
	_, err = s.GetUserByEmail(ctx(t), "a@example.com")
	mustIs(t, err, auth.ErrNotFound, "GetUserByEmail after delete")
	// The email is free again.
	mustNil(t, s.CreateUser(ctx(t), sampleUser("u2", "a@example.com")), "CreateUser reusing email")
}

func testUserConcurrentSameEmail(t *testing.T, s auth.Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.CreateUser(ctx(t), sampleUser(fmt.Sprintf("u%d", i), "same@example.com"))
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, auth.ErrConflict):
		default:
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent creates with one email succeeded, want exactly 1", ok)
	}
	users, err := s.ListUsers(ctx(t))
	mustNil(t, err, "ListUsers")
	if len(users) != 1 {
		t.Fatalf("ListUsers = %d users, want 1", len(users))
	}
}

func sessionEqual(a, b auth.Session) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.CreatedAt.Equal(b.CreatedAt) &&
		a.LastSeenAt.Equal(b.LastSeenAt) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.UserAgent == b.UserAgent && a.Addr == b.Addr
}

func testSessions(t *testing.T, s auth.Store) {
	sess := auth.Session{ID: "s1", UserID: "u1", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(30), UserAgent: "Firefox", Addr: "192.0.2.1"}
	mustNil(t, s.CreateSession(ctx(t), sess), "CreateSession")
	mustIs(t, s.CreateSession(ctx(t), sess), auth.ErrConflict, "CreateSession duplicate")
	got, err := s.GetSession(ctx(t), "s1")
	mustNil(t, err, "GetSession")
	if !sessionEqual(got, sess) {
		t.Fatalf("GetSession = %+v, want %+v", got, sess)
	}
	mustNil(t, s.TouchSession(ctx(t), "s1", at(10), at(40)), "TouchSession")
	got, err = s.GetSession(ctx(t), "s1")
	mustNil(t, err, "GetSession after touch")
	want := sess
	want.LastSeenAt, want.ExpiresAt = at(10), at(40)
	if !sessionEqual(got, want) {
		t.Fatalf("after TouchSession = %+v, want %+v", got, want)
	}
	mustIs(t, s.TouchSession(ctx(t), "nope", at(1), at(2)), auth.ErrNotFound, "TouchSession missing")
	_, err = s.GetSession(ctx(t), "nope")
	mustIs(t, err, auth.ErrNotFound, "GetSession missing")
	mustNil(t, s.DeleteSession(ctx(t), "s1"), "DeleteSession")
	_, err = s.GetSession(ctx(t), "s1")
	mustIs(t, err, auth.ErrNotFound, "GetSession after delete")
	mustIs(t, s.DeleteSession(ctx(t), "s1"), auth.ErrNotFound, "DeleteSession twice")
}

func testSessionsDeleteByUser(t *testing.T, s auth.Store) {
	for i, uid := range []string{"u1", "u1", "u2", "u1"} {
		mustNil(t, s.CreateSession(ctx(t), auth.Session{ID: fmt.Sprintf("s%d", i), UserID: uid, CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(30)}), "CreateSession")
	}
	n, err := s.DeleteUserSessions(ctx(t), "u1")
	mustNil(t, err, "DeleteUserSessions")
	if n != 3 {
		t.Fatalf("DeleteUserSessions removed %d, want 3", n)
	}
	for _, id := range []string{"s0", "s1", "s3"} {
		_, err := s.GetSession(ctx(t), id)
		mustIs(t, err, auth.ErrNotFound, "GetSession "+id)
	}
	_, err = s.GetSession(ctx(t), "s2")
	mustNil(t, err, "other user's session kept")
	n, err = s.DeleteUserSessions(ctx(t), "nobody")
	mustNil(t, err, "DeleteUserSessions none")
	if n != 0 {
		t.Fatalf("DeleteUserSessions(nobody) = %d", n)
	}
}

func apiTokenEqual(a, b auth.APIToken) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Name == b.Name &&
		string(a.Hash) == string(b.Hash) && slices.Equal(a.Scopes, b.Scopes) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.RevokedAt.Equal(b.RevokedAt)
}

func testAPITokens(t *testing.T, s auth.Store) {
	hash := []byte{0, 1, 2, 0xff, 0x80, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33}
	tok := auth.APIToken{ID: "aaaa", UserID: "u1", Name: "ci", Hash: hash, Scopes: []string{"read", "write"}, CreatedAt: at(2), ExpiresAt: at(60)}
	mustNil(t, s.CreateAPIToken(ctx(t), tok), "CreateAPIToken")
	mustIs(t, s.CreateAPIToken(ctx(t), tok), auth.ErrConflict, "CreateAPIToken duplicate")
	got, err := s.GetAPIToken(ctx(t), "aaaa")
	mustNil(t, err, "GetAPIToken")
	if !apiTokenEqual(got, tok) {
		t.Fatalf("GetAPIToken = %+v, want %+v", got, tok)
	}
	// The store does not alias the caller's or its own slices.
	got.Hash[0], got.Scopes[0] = 0xee, "admin"
	again, err := s.GetAPIToken(ctx(t), "aaaa")
	mustNil(t, err, "GetAPIToken again")
	if !apiTokenEqual(again, tok) {
		t.Fatalf("store state changed through a returned slice: %+v", again)
	}
	_, err = s.GetAPIToken(ctx(t), "nope")
	mustIs(t, err, auth.ErrNotFound, "GetAPIToken missing")

	// No expiry and no scopes round-trip as zero values.
	tok2 := auth.APIToken{ID: "bbbb", UserID: "u1", Name: "other", Hash: hash, CreatedAt: at(1)}
	tok3 := auth.APIToken{ID: "cccc", UserID: "u2", Name: "u2", Hash: hash, Scopes: []string{"read"}, CreatedAt: at(0)}
	mustNil(t, s.CreateAPIToken(ctx(t), tok2), "CreateAPIToken 2")
	mustNil(t, s.CreateAPIToken(ctx(t), tok3), "CreateAPIToken 3")
	list, err := s.ListAPITokens(ctx(t), "u1")
	mustNil(t, err, "ListAPITokens u1")
	if len(list) != 2 || !apiTokenEqual(list[0], tok2) || !apiTokenEqual(list[1], tok) {
		t.Fatalf("ListAPITokens(u1) = %+v, want [bbbb aaaa]", list)
	}
	if !list[0].ExpiresAt.IsZero() || len(list[0].Scopes) != 0 {
		t.Fatalf("zero ExpiresAt/Scopes did not round-trip: %+v", list[0])
	}
	all, err := s.ListAPITokens(ctx(t), "")
	mustNil(t, err, "ListAPITokens all")
	var ids []string
	for _, x := range all {
		ids = append(ids, x.ID)
	}
	if !slices.Equal(ids, []string{"cccc", "bbbb", "aaaa"}) {
		t.Fatalf("ListAPITokens(\"\") ids = %v, want [cccc bbbb aaaa]", ids)
	}
}

func testAPITokenRevoke(t *testing.T, s auth.Store) {
	tok := auth.APIToken{ID: "aaaa", UserID: "u1", Name: "ci", Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedAt: at(0)}
	mustNil(t, s.CreateAPIToken(ctx(t), tok), "CreateAPIToken")
	mustNil(t, s.RevokeAPIToken(ctx(t), "aaaa", at(3)), "RevokeAPIToken")
	mustNil(t, s.RevokeAPIToken(ctx(t), "aaaa", at(9)), "RevokeAPIToken again")
	got, err := s.GetAPIToken(ctx(t), "aaaa")
	mustNil(t, err, "GetAPIToken")
	if !got.RevokedAt.Equal(at(3)) {
		t.Fatalf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, at(3))
	}
	mustIs(t, s.RevokeAPIToken(ctx(t), "nope", at(3)), auth.ErrNotFound, "RevokeAPIToken missing")
}

func testJanusTokens(t *testing.T, s auth.Store) {
	mk := func(tok, inst, call, part string, created int) auth.JanusToken {
		return auth.JanusToken{Token: tok, Instance: inst, CallID: call, ParticipantID: part, CreatedAt: at(created), ExpiresAt: at(created + 60)}
	}
	recs := []auth.JanusToken{
		mk("t3", "janus-a", "c1", "p1", 3),
		mk("t1", "janus-a", "c1", "p2", 1),
		mk("t2", "janus-b", "c2", "p3", 2),
		mk("t0", "janus-a", "c3", "p4", 3),
	}
	for _, r := range recs {
		mustNil(t, s.CreateJanusToken(ctx(t), r), "CreateJanusToken "+r.Token)
	}
	mustIs(t, s.CreateJanusToken(ctx(t), recs[0]), auth.ErrConflict, "CreateJanusToken duplicate")

	tokens := func(f auth.JanusTokenFilter) []string {
		t.Helper()
		list, err := s.ListJanusTokens(ctx(t), f)
		mustNil(t, err, "ListJanusTokens")
		var out []string
		for _, r := range list {
			out = append(out, r.Token)
		}
		return out
	}
	cases := []struct {
		name string
		f    auth.JanusTokenFilter
		want []string
	}{
		{"all", auth.JanusTokenFilter{}, []string{"t1", "t2", "t0", "t3"}},
		{"instance", auth.JanusTokenFilter{Instance: "janus-a"}, []string{"t1", "t0", "t3"}},
		{"call", auth.JanusTokenFilter{CallID: "c1"}, []string{"t1", "t3"}},
		{"both", auth.JanusTokenFilter{Instance: "janus-b", CallID: "c1"}, nil},
		{"unknown", auth.JanusTokenFilter{Instance: "janus-z"}, nil},
	}
	for _, c := range cases {
		if got := tokens(c.f); !slices.Equal(got, c.want) {
			t.Errorf("ListJanusTokens(%s) = %v, want %v", c.name, got, c.want)
		}
	}
	list, err := s.ListJanusTokens(ctx(t), auth.JanusTokenFilter{CallID: "c2"})
	mustNil(t, err, "ListJanusTokens c2")
	if len(list) != 1 || !(list[0].Token == "t2" && list[0].Instance == "janus-b" && list[0].CallID == "c2" &&
		list[0].ParticipantID == "p3" && list[0].CreatedAt.Equal(at(2)) && list[0].ExpiresAt.Equal(at(62))) {
		t.Fatalf("record did not round-trip: %+v", list)
	}
	mustNil(t, s.DeleteJanusToken(ctx(t), "t1"), "DeleteJanusToken")
	mustIs(t, s.DeleteJanusToken(ctx(t), "t1"), auth.ErrNotFound, "DeleteJanusToken twice")
	if got := tokens(auth.JanusTokenFilter{CallID: "c1"}); !slices.Equal(got, []string{"t3"}) {
		t.Fatalf("after delete, call c1 tokens = %v", got)
	}
}

func testAudit(t *testing.T, s auth.Store) {
	recs := []auth.AuditRecord{
		{ID: "a1", Time: at(1), Kind: "login.success", ActorID: "u1", Addr: "192.0.2.1"},
		{ID: "a2", Time: at(2), Kind: "login.failure", SubjectID: "u3", Detail: "bad password", Addr: "192.0.2.9"},
		{ID: "a3", Time: at(3), Kind: "role.change", ActorID: "admin", SubjectID: "u1", Detail: "caller -> host"},
		{ID: "a4", Time: at(3), Kind: "login.success", ActorID: "u2"},
	}
	for _, r := range recs {
		mustNil(t, s.AppendAudit(ctx(t), r), "AppendAudit "+r.ID)
	}
	mustIs(t, s.AppendAudit(ctx(t), recs[0]), auth.ErrConflict, "AppendAudit duplicate")
	ids := func(f auth.AuditFilter) []string {
		t.Helper()
		list, err := s.ListAudit(ctx(t), f)
		mustNil(t, err, "ListAudit")
		var out []string
		for _, r := range list {
			out = append(out, r.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    auth.AuditFilter
		want []string
	}{
		{"all newest first", auth.AuditFilter{}, []string{"a4", "a3", "a2", "a1"}},
		{"limit", auth.AuditFilter{Limit: 2}, []string{"a4", "a3"}},
		{"kind", auth.AuditFilter{Kind: "login.success"}, []string{"a4", "a1"}},
		{"user as actor or subject", auth.AuditFilter{UserID: "u1"}, []string{"a3", "a1"}},
		{"since inclusive", auth.AuditFilter{Since: at(2)}, []string{"a4", "a3", "a2"}},
		{"until exclusive", auth.AuditFilter{Until: at(3)}, []string{"a2", "a1"}},
		{"window", auth.AuditFilter{Since: at(2), Until: at(3)}, []string{"a2"}},
		{"user as subject only", auth.AuditFilter{UserID: "u3"}, []string{"a2"}},
		{"user matching nothing", auth.AuditFilter{UserID: "nobody"}, nil},
		{"kind and user", auth.AuditFilter{Kind: "login.success", UserID: "u1"}, []string{"a1"}},
		{"window and kind", auth.AuditFilter{Since: at(1), Until: at(3), Kind: "login.failure"}, []string{"a2"}},
		{"limit after kind", auth.AuditFilter{Kind: "login.success", Limit: 1}, []string{"a4"}},
		{"limit after user", auth.AuditFilter{UserID: "u1", Limit: 1}, []string{"a3"}},
		{"limit after until", auth.AuditFilter{Until: at(3), Limit: 1}, []string{"a2"}},
		{"every field", auth.AuditFilter{Since: at(1), Until: at(4), Kind: "role.change", UserID: "u1", Limit: 5}, []string{"a3"}},
	}
	for _, c := range cases {
		if got := ids(c.f); !slices.Equal(got, c.want) {
			t.Errorf("ListAudit(%s) = %v, want %v", c.name, got, c.want)
		}
	}
	list, err := s.ListAudit(ctx(t), auth.AuditFilter{Kind: "role.change"})
	mustNil(t, err, "ListAudit role.change")
	if len(list) != 1 || list[0].ActorID != "admin" || list[0].SubjectID != "u1" || list[0].Detail != "caller -> host" || !list[0].Time.Equal(at(3)) {
		t.Fatalf("audit record did not round-trip: %+v", list)
	}
}

func testThrottle(t *testing.T, s auth.Store) {
	n, err := s.ThrottleCount(ctx(t), "login:acct:a@example.com:1")
	mustNil(t, err, "ThrottleCount absent")
	if n != 0 {
		t.Fatalf("ThrottleCount absent = %d", n)
	}
	for want := int64(1); want <= 3; want++ {
		n, err := s.ThrottleHit(ctx(t), "login:acct:a@example.com:1", at(15))
		mustNil(t, err, "ThrottleHit")
		if n != want {
			t.Fatalf("ThrottleHit = %d, want %d", n, want)
		}
	}
	if n, _ := s.ThrottleCount(ctx(t), "login:acct:a@example.com:1"); n != 3 {
		t.Fatalf("ThrottleCount = %d, want 3", n)
	}
	if n, _ := s.ThrottleCount(ctx(t), "login:acct:b@example.com:1"); n != 0 {
		t.Fatalf("other key count = %d, want 0", n)
	}
	mustNil(t, s.ThrottleReset(ctx(t), "login:acct:a@example.com:1"), "ThrottleReset")
	mustNil(t, s.ThrottleReset(ctx(t), "login:acct:never:1"), "ThrottleReset absent")
	if n, _ := s.ThrottleCount(ctx(t), "login:acct:a@example.com:1"); n != 0 {
		t.Fatalf("ThrottleCount after reset = %d", n)
	}
	n, err = s.ThrottleHit(ctx(t), "login:acct:a@example.com:1", at(15))
	mustNil(t, err, "ThrottleHit after reset")
	if n != 1 {
		t.Fatalf("ThrottleHit after reset = %d, want 1", n)
	}
}

func testThrottleConcurrent(t *testing.T, s auth.Store) {
	const n = 40
	var wg sync.WaitGroup
	got := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.ThrottleHit(ctx(t), "k", at(15)) })
	}
	wg.Wait()
	for i, err := range errs {
		mustNil(t, err, fmt.Sprintf("hit %d", i))
	}
	slices.Sort(got)
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("concurrent ThrottleHit results %v are not 1..%d: lost or duplicated increments", got, n)
		}
	}
}

func testDeleteExpired(t *testing.T, s auth.Store) {
	mustNil(t, s.CreateSession(ctx(t), auth.Session{ID: "old", UserID: "u", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(10)}), "CreateSession old")
	mustNil(t, s.CreateSession(ctx(t), auth.Session{ID: "edge", UserID: "u", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(20)}), "CreateSession edge")
	mustNil(t, s.CreateSession(ctx(t), auth.Session{ID: "live", UserID: "u", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(30)}), "CreateSession live")
	_, err := s.ThrottleHit(ctx(t), "old", at(10))
	mustNil(t, err, "ThrottleHit old")
	_, err = s.ThrottleHit(ctx(t), "live", at(30))
	mustNil(t, err, "ThrottleHit live")
	mustNil(t, s.CreateJanusToken(ctx(t), auth.JanusToken{Token: "jt", Instance: "a", CreatedAt: at(0), ExpiresAt: at(1)}), "CreateJanusToken")

	mustNil(t, s.DeleteExpired(ctx(t), at(20)), "DeleteExpired")
	for _, id := range []string{"old", "edge"} {
		_, err := s.GetSession(ctx(t), id)
		mustIs(t, err, auth.ErrNotFound, "expired session "+id)
	}
	_, err = s.GetSession(ctx(t), "live")
	mustNil(t, err, "live session kept")
	if n, _ := s.ThrottleCount(ctx(t), "old"); n != 0 {
		t.Fatalf("expired throttle counter kept: %d", n)
	}
	if n, _ := s.ThrottleCount(ctx(t), "live"); n != 1 {
		t.Fatalf("live throttle counter = %d, want 1", n)
	}
	if list, _ := s.ListJanusTokens(ctx(t), auth.JanusTokenFilter{}); len(list) != 1 {
		t.Fatalf("DeleteExpired touched Janus tokens: %v", len(list))
	}
}

func testThrottleExpiryFixed(t *testing.T, s auth.Store) {
	// expiresAt is recorded by the first hit only; later hits do not move it.
	for _, exp := range []time.Time{at(10), at(30), at(40)} {
		_, err := s.ThrottleHit(ctx(t), "k", exp)
		mustNil(t, err, "ThrottleHit")
	}
	mustNil(t, s.DeleteExpired(ctx(t), at(20)), "DeleteExpired")
	if n, _ := s.ThrottleCount(ctx(t), "k"); n != 0 {
		t.Fatalf("counter whose first hit expired at %v survived DeleteExpired(%v) with count %d: later hits moved its expiry", at(10), at(20), n)
	}
}
