package auth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
)

// Audit event kinds (AuditRecord.Kind).
const (
	AuditSignup          = "signup"                    // a caller signed up
	AuditUserCreate      = "user.create"               // an admin (or the CLI) created an account; Detail names the role
	AuditUserDelete      = "user.delete"               // an admin deleted an account
	AuditUserDisable     = "user.disable"              // an admin disabled an account (its sessions end)
	AuditUserEnable      = "user.enable"               // an admin re-enabled an account
	AuditRoleChange      = "role.change"               // an admin changed a role; Detail is "old -> new"
	AuditPasswordChange  = "password.change"           // a user changed their password
	AuditLoginSuccess    = "login.success"             // a login succeeded
	AuditLoginFailure    = "login.failure"             // a login (or current-password check) failed; Detail says why
	AuditLoginThrottled  = "login.throttled"           // a login was refused by the throttle
	AuditLogout          = "logout"                    // a session ended (or all of a user's sessions)
	AuditTokenCreate     = "token.create"              // an API token was issued; SubjectID is its ID
	AuditTokenRevoke     = "token.revoke"              // an API token was revoked; SubjectID is its ID
	AuditBootstrapAdmin  = "bootstrap.admin"           // the first admin was created from the environment
	AuditJanusTokenStray = "janus_token.stray_removed" // reconcile removed unknown Janus stored tokens
)

// NewAuditID returns a fresh [AuditRecord] ID for a record made at at: the
// Unix milliseconds of at as 13 decimal digits, "-", then 48 random bits
// as 12 hex digits, so IDs sort by creation within the same Time.
func NewAuditID(at time.Time) string {
	return fmt.Sprintf("%013d-%s", at.UnixMilli(), idgen.Hex(6))
}

// event describes one audit event.
type event struct {
	kind, actor, subject, addr, detail string
}

// audit records ev in the store and logs it. A store failure is logged, not
// returned: losing an audit record must not fail the user's request, but it
// is visible in the logs.
func (s *Service) audit(ctx context.Context, ev event) {
	now := s.nowMS()
	rec := AuditRecord{
		ID:   NewAuditID(now),
		Time: now, Kind: ev.kind, ActorID: ev.actor, SubjectID: ev.subject, Addr: ev.addr, Detail: ev.detail,
	}
	s.logFor(ctx).LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("kind", ev.kind), slog.String("actor", ev.actor), slog.String("subject", ev.subject),
		slog.String("addr", ev.addr), slog.String("detail", ev.detail))
	if err := s.store.AppendAudit(ctx, rec); err != nil {
		s.logFor(ctx).ErrorContext(ctx, "audit record lost", "kind", ev.kind, "err", err)
	}
}

// Audit returns audit records matching f, newest first.
func (s *Service) Audit(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	recs, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("auth: audit: %w", err)
	}
	return recs, nil
}
