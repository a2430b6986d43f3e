package auth

import (
	"context"
	"fmt"
	"log/slog"
)

// Audit event kinds (AuditRecord.Kind).
const (
	AuditSignup          = "signup"
	AuditUserCreate      = "user.create"
	AuditUserDelete      = "user.delete"
	AuditUserDisable     = "user.disable"
	AuditUserEnable      = "user.enable"
	AuditRoleChange      = "role.change"
	AuditPasswordChange  = "password.change"
	AuditLoginSuccess    = "login.success"
	AuditLoginFailure    = "login.failure"
	AuditLoginThrottled  = "login.throttled"
	AuditLogout          = "logout"
	AuditTokenCreate     = "token.create"
	AuditTokenRevoke     = "token.revoke"
	AuditBootstrapAdmin  = "bootstrap.admin"
	AuditJanusTokenStray = "janus_token.stray_removed"
)

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
		ID:   fmt.Sprintf("%013d-%s", now.UnixMilli(), randomHex(6)),
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
