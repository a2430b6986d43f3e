package app

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
)

// phoneLines gives phone legs a line (queue.PhoneLines): the least-loaded
// healthy Janus instance with the SIP plugin (janus.instances[].sip) and a
// stored token there limited to janus.plugin.sip.
type phoneLines struct {
	pool     *pool.Pool
	tokens   pluginTokens
	sip      map[string]bool // instances with the SIP plugin
	accounts config.Phone
	queues   queueSlugs
}

// pluginTokens mints and revokes stored tokens for one plugin
// (tokens.Manager).
type pluginTokens interface {
	MintPluginToken(ctx context.Context, instance, plugin string) (string, error)
	RevokeToken(ctx context.Context, instance, token string) error
}

// queueSlugs reads a queue (the engine's GetQueue).
type queueSlugs interface {
	GetQueue(ctx context.Context, idOrSlug string) (queue.Queue, error)
}

// OpenLine implements queue.PhoneLines.
func (l *phoneLines) OpenLine(ctx context.Context, queueID queue.QueueID) (string, string, error) {
	q, err := l.queues.GetQueue(ctx, string(queueID))
	if err != nil {
		return "", "", fmt.Errorf("app: phone line: %w", err)
	}
	if l.accounts.AccountFor(q.Slug) == nil {
		return "", "", fmt.Errorf("app: no SIP account serves queue %s: %w", q.Slug, queue.ErrNoPhone)
	}
	best, load := "", 0
	for _, st := range l.pool.Statuses() {
		if !l.sip[st.Name] || st.State != pool.StateHealthy {
			continue
		}
		if best == "" || st.Load < load {
			best, load = st.Name, st.Load
		}
	}
	if best == "" {
		return "", "", fmt.Errorf("app: no healthy Janus instance with the SIP plugin: %w", queue.ErrNoPhone)
	}
	tok, err := l.tokens.MintPluginToken(ctx, best, proxy.SIPPlugin)
	if err != nil {
		return "", "", fmt.Errorf("app: phone line: %w", err)
	}
	return best, tok, nil
}

// CloseLine implements queue.PhoneLines.
func (l *phoneLines) CloseLine(ctx context.Context, instance, token string) error {
	return l.tokens.RevokeToken(ctx, instance, token)
}

// phoneCredentials is the part of the engine a phone ticket's resolution
// reads.
type phoneCredentials interface {
	PhoneCredentials(ctx context.Context, callID queue.CallID, number string) (queue.QueueID, queue.PhoneLeg, error)
	GetQueue(ctx context.Context, idOrSlug string) (queue.Queue, error)
}

// resolvePhone finds a phone ticket's instance, token and SIP account.
func (r *resolver) resolvePhone(ctx context.Context, t auth.Ticket) (proxy.Target, error) {
	if r.pool == nil || r.phones == nil {
		return proxy.Target{}, fmt.Errorf("%w: no phone lines configured", proxy.ErrRoomUnavailable)
	}
	qid, leg, err := r.phones.PhoneCredentials(ctx, queue.CallID(t.CallID), t.Phone)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	if leg.Instance != t.Instance {
		return proxy.Target{}, fmt.Errorf("%w: the ticket's phone line moved", proxy.ErrRoomUnavailable)
	}
	q, err := r.phones.GetQueue(ctx, string(qid))
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	acct := r.accounts.AccountFor(q.Slug)
	if acct == nil {
		return proxy.Target{}, fmt.Errorf("%w: no SIP account serves the queue", proxy.ErrRoomUnavailable)
	}
	inst, err := r.pool.Instance(leg.Instance)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	c := inst.Config()
	return proxy.Target{Instance: c.Name, WSURL: c.WSURL, HTTPURL: c.HTTPURL, Token: leg.Token, SIP: sipAccount(acct)}, nil
}

// sipAccount is the proxy's view of a configured account.
func sipAccount(a *config.SIPAccount) *proxy.SIPAccount {
	domain := a.Domain
	if domain == "" {
		domain = config.SIPDomain(a.Username)
	}
	return &proxy.SIPAccount{Username: a.Username, AuthUser: a.AuthUser, Secret: a.Secret.Reveal(), DisplayName: a.DisplayName,
		Proxy: a.Proxy, OutboundProxy: a.OutboundProxy, Domain: domain}
}

// phoneStep turns a step the proxy saw into the engine's phone progress.
func (a *App) phoneStep(ctx context.Context, t auth.Ticket, s proxy.PhoneStep) {
	ev := queue.PhoneEvent{Code: s.Code, Reason: s.Reason}
	switch s.Event {
	case "calling":
		ev.Kind = queue.PhoneEventCalling
	case "ringing":
		ev.Kind = queue.PhoneEventRinging
	case "accepted":
		ev.Kind = queue.PhoneEventAnswered
	case "hangup":
		ev.Kind = queue.PhoneEventHangup
	default:
		return
	}
	if err := a.engine.PhoneProgress(context.WithoutCancel(ctx), queue.CallID(t.CallID), t.Phone, ev); err != nil {
		a.log.Warn("app: phone progress", "call", t.CallID, "event", s.Event, "err", err)
	}
}
