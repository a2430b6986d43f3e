package auth_test

import (
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/auth"
)

func TestAuditFilterMatch(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := auth.AuditRecord{ID: "r", Time: t0, Kind: auth.AuditRoleChange, ActorID: "admin", SubjectID: "u1"}
	cases := []struct {
		name string
		f    auth.AuditFilter
		want bool
	}{
		{"zero filter", auth.AuditFilter{}, true},
		{"since equal is inside", auth.AuditFilter{Since: t0}, true},
		{"since after", auth.AuditFilter{Since: t0.Add(time.Millisecond)}, false},
		{"until equal is outside", auth.AuditFilter{Until: t0}, false},
		{"until after", auth.AuditFilter{Until: t0.Add(time.Millisecond)}, true},
		{"kind same", auth.AuditFilter{Kind: auth.AuditRoleChange}, true},
		{"kind other", auth.AuditFilter{Kind: auth.AuditLogout}, false},
		{"user as actor", auth.AuditFilter{UserID: "admin"}, true},
		{"user as subject", auth.AuditFilter{UserID: "u1"}, true},
		{"user other", auth.AuditFilter{UserID: "u2"}, false},
		{"limit ignored", auth.AuditFilter{Limit: 1}, true},
		{"all fields, one wrong", auth.AuditFilter{Since: t0, Until: t0.Add(time.Second), Kind: auth.AuditRoleChange, UserID: "u2"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Match(rec); got != c.want {
				t.Errorf("%+v.Match = %v, want %v", c.f, got, c.want)
			}
		})
	}
}
