package proxy

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// SIPPlugin is the Janus SIP plugin's package name (Janus docs, "SIP
// plugin"), the only plugin a phone ticket may attach.
const SIPPlugin = "janus.plugin.sip"

// SIPAccount is the SIP account a phone ticket's calls go out on, from
// Frontdesk's configuration. The proxy puts it in the SIP plugin's
// "register" request (janus_sip.c, "register": username, secret,
// authuser, display_name, proxy, outbound_proxy); the browser never sees
// any of it, and names of it in Janus's replies are replaced with
// [HiddenSIPAccount].
type SIPAccount struct {
	// Username is the account's SIP URI, e.g. "sip:frontdesk@pbx.example.org".
	Username string
	// AuthUser is the digest-authentication user when it differs from the
	// URI's user part; "" otherwise.
	AuthUser string
	// Secret is the digest password; never logged.
	Secret string
	// DisplayName is the caller name the called party may see.
	DisplayName string
	// Proxy is the registrar/proxy URI, e.g. "sip:pbx.example.org:5060";
	// "" to use the domain of Username.
	Proxy string
	// OutboundProxy is an outbound proxy URI; "" for none.
	OutboundProxy string
	// Domain is the host part of the request URIs dialled numbers get:
	// "sip:<E.164 number>@<Domain>".
	Domain string
}

// HiddenSIPAccount replaces the account's URI and authentication user in
// what Janus sends to a phone ticket's client.
const HiddenSIPAccount = "sip:frontdesk@account.invalid"

// SIP plugin requests a phone ticket may send, with the body members
// each may carry (janus_sip.c, "Supported requests"). "register" carries
// nothing of the browser's (the proxy fills in the account); "call"'s
// uri must be the ticket's number. Everything else ("transfer",
// "recording", "message", "info", "update", "subscribe", "unregister",
// "headers", SRTP and custom-header members, ...) is refused.
var allowedSIP = map[string][]string{
	"register":  {},
	"call":      {"uri"},
	"accept":    {},
	"decline":   {"code"},
	"hangup":    {},
	"hold":      {"direction"},
	"unhold":    {},
	"dtmf_info": {"digit", "duration"},
}

// filterSIPBody applies the phone policy to a SIP plugin message body:
// requests and members outside allowedSIP are refused; register gets the
// account; call gets the ticket's number at the account's domain; accept
// is allowed only for an incoming call from the ticket's number.
func filterSIPBody(raw jsontext.Value, g grant) (jsontext.Value, *denial) {
	var body map[string]jsontext.Value
	if err := jsonv2.Unmarshal(raw, &body); err != nil || body == nil {
		return nil, deny(wire.CodeInvalidJSON, "invalid", "message body is not a JSON object")
	}
	var request string
	_ = jsonv2.Unmarshal(body["request"], &request)
	members, ok := allowedSIP[request]
	if !ok {
		return nil, deny(wire.CodeUnauthorized, "sip_"+orUnknown(request), "SIP request %q is not allowed through Frontdesk", clip(request))
	}
	verb := "sip_" + request
	for name := range body {
		if name != "request" && !slices.Contains(members, name) {
			return nil, deny(wire.CodeUnauthorized, verb, "field %q is not allowed in %s", clip(name), request)
		}
	}
	acct := g.sip
	if acct == nil {
		return nil, deny(wire.CodeUnauthorized, verb, "no phone account is configured for this call")
	}
	switch request {
	case "register":
		body = map[string]jsontext.Value{"request": mustJSON("register"), "username": mustJSON(acct.Username), "secret": mustJSON(acct.Secret)}
		for k, v := range map[string]string{"authuser": acct.AuthUser, "display_name": acct.DisplayName, "proxy": acct.Proxy, "outbound_proxy": acct.OutboundProxy} {
			if v != "" {
				body[k] = mustJSON(v)
			}
		}
	case "call":
		if u, ok := body["uri"]; ok {
			var uri string
			if jsonv2.Unmarshal(u, &uri) != nil || numberOfURI(uri) != g.ticket.Phone {
				return nil, deny(wire.CodeUnauthorized, verb, "the ticket does not grant that number")
			}
		}
		body["uri"] = mustJSON("sip:" + g.ticket.Phone + "@" + acct.Domain)
	case "accept":
		if g.phone == nil || g.phone.incomingFrom() != g.ticket.Phone {
			return nil, deny(wire.CodeUnauthorized, verb, "no incoming call from the ticket's number to accept")
		}
	case "dtmf_info":
		var digit string
		if jsonv2.Unmarshal(body["digit"], &digit) != nil || len(digit) != 1 || !strings.Contains("0123456789*#ABCD", digit) {
			return nil, deny(wire.CodeInvalidJSON, verb, "digit must be one of 0-9 * # A-D")
		}
	case "hold":
		if d, ok := body["direction"]; ok {
			var dir string
			if jsonv2.Unmarshal(d, &dir) != nil || (dir != "sendonly" && dir != "recvonly" && dir != "inactive") {
				return nil, deny(wire.CodeInvalidJSON, verb, "direction must be sendonly, recvonly or inactive")
			}
		}
	}
	b, err := jsonv2.Marshal(body, jsonv2.Deterministic(true))
	if err != nil {
		return nil, deny(wire.CodeInvalidJSON, verb, "cannot encode body")
	}
	return b, nil
}

// numberOfURI returns the E.164 number a SIP or tel URI names
// ("sip:+15550102030@host;params", "tel:+15550102030"), or "".
func numberOfURI(uri string) string {
	var user string
	switch {
	case strings.HasPrefix(uri, "sip:"):
		user, _, _ = strings.Cut(uri[len("sip:"):], "@")
	case strings.HasPrefix(uri, "sips:"):
		user, _, _ = strings.Cut(uri[len("sips:"):], "@")
	case strings.HasPrefix(uri, "tel:"):
		user = uri[len("tel:"):]
	default:
		return ""
	}
	user, _, _ = strings.Cut(user, ";")
	if len(user) < 3 || user[0] != '+' || strings.Trim(user[1:], "0123456789") != "" {
		return ""
	}
	return user
}

// PhoneStep is a step of a phone call the proxy saw in the SIP plugin's
// events on a phone ticket's connection (janus_sip.c, events "calling",
// "ringing", "proceeding", "progress", "accepted", "hangup"), or the end
// of that connection.
type PhoneStep struct {
	// Event is "calling", "ringing", "accepted" or "hangup" ("proceeding"
	// and "progress" are reported as "ringing"; a connection that ended is
	// a "hangup" with Code 0).
	Event string
	// Code and Reason are a hangup's SIP status and reason phrase (RFC
	// 3261 §21).
	Code   int
	Reason string
}

// WithPhoneSteps sets f to be told of every phone step (see [PhoneStep])
// with the ticket of the connection it happened on. f runs on the relay's
// goroutine, in the order of the events, before the client gets the event
// (so the call's record is up to date when the console sees it); it holds
// up that connection's traffic while it runs, a store write or two per
// step.
func WithPhoneSteps(f func(ctx context.Context, t auth.Ticket, step PhoneStep)) Option {
	return func(p *Proxy) { p.phoneSteps = f }
}

// phoneState is what the proxy keeps about a phone ticket's connection:
// the caller of the last incoming call (for accept), and whether a call
// was placed (so its end can be reported).
type phoneState struct {
	mu       sync.Mutex
	incoming string
	placed   bool
	ended    bool
}

func (s *phoneState) incomingFrom() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.incoming
}

// accountMember matches a JSON member that may name the account.
var accountMember = regexp.MustCompile(`"(username|authuser|displayname|display_name)"\s*:\s*"[^"\\]*"`)

// accountUser is the user part of a "sip:user@host" URI.
func accountUser(uri string) string {
	user, _, ok := strings.Cut(strings.TrimPrefix(uri, "sip:"), "@")
	if !ok {
		return ""
	}
	return user
}

// hungUp reports whether the SIP plugin's hangup was seen (or the
// connection ended).
func (s *phoneState) hungUp() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// sipResult is the part of a SIP plugin event the proxy reads.
type sipResult struct {
	Event    string `json:"event"`
	Code     int    `json:"code"`
	Reason   string `json:"reason"`
	Username string `json:"username"`
}

// observeSIP reads a backend message for a phone ticket's connection:
// it reports phone steps and returns the message with the account's names
// replaced by HiddenSIPAccount.
func (p *Proxy) observeSIP(ctx context.Context, g grant, msg []byte) []byte {
	if g.sip != nil {
		for _, secret := range []string{g.sip.Username, g.sip.AuthUser, strings.TrimPrefix(g.sip.Username, "sip:")} {
			if len(secret) > 3 && bytes.Contains(msg, []byte(secret)) {
				msg = bytes.ReplaceAll(msg, []byte(secret), []byte(HiddenSIPAccount))
			}
		}
		// "registered" names the account by its user part alone
		// ({"event":"registered","username":"helpdesk",...}).
		if user := accountUser(g.sip.Username); user != "" && bytes.Contains(msg, []byte(user)) {
			msg = accountMember.ReplaceAllFunc(msg, func(m []byte) []byte {
				if bytes.HasSuffix(m, []byte(`"`+user+`"`)) {
					out := bytes.Clone(bytes.TrimSuffix(m, []byte(`"`+user+`"`))) // m aliases msg
					return append(out, `"`+HiddenSIPAccount+`"`...)
				}
				return m
			})
		}
		if g.sip.Secret != "" && bytes.Contains(msg, []byte(g.sip.Secret)) {
			msg = bytes.ReplaceAll(msg, []byte(g.sip.Secret), []byte("REDACTED"))
		}
	}
	if !bytes.Contains(msg, []byte(SIPPlugin)) {
		return msg
	}
	msgs, err := wire.DecodeMessages(msg)
	if err != nil {
		return msg
	}
	for _, m := range msgs {
		if m.Janus != "event" || m.PluginData == nil || m.PluginData.Plugin != SIPPlugin {
			continue
		}
		var data struct {
			Result sipResult `json:"result"`
		}
		if json := m.PluginData.Data; len(json) == 0 || jsonv2.Unmarshal(json, &data, jsonv2.RejectUnknownMembers(false)) != nil {
			continue
		}
		r := data.Result
		step := PhoneStep{Event: r.Event}
		switch r.Event {
		case "calling":
			g.phone.mu.Lock()
			g.phone.placed = true
			g.phone.mu.Unlock()
		case "ringing", "proceeding", "progress":
			step.Event = "ringing"
		case "accepted":
		case "hangup":
			step.Code, step.Reason = r.Code, clip(r.Reason)
			g.phone.mu.Lock()
			g.phone.ended, g.phone.incoming = true, ""
			g.phone.mu.Unlock()
		case "incomingcall":
			g.phone.mu.Lock()
			g.phone.incoming = numberOfURI(r.Username)
			g.phone.mu.Unlock()
			continue
		default:
			continue
		}
		if p.phoneSteps != nil {
			p.phoneSteps(ctx, g.ticket, step)
		}
	}
	return msg
}

// phoneClosed reports the end of a phone ticket's connection as a hangup
// when a call was placed on it and its end was not seen.
func (p *Proxy) phoneClosed(ctx context.Context, g grant) {
	if g.phone == nil || p.phoneSteps == nil {
		return
	}
	g.phone.mu.Lock()
	report := g.phone.placed && !g.phone.ended
	g.phone.ended = true
	g.phone.mu.Unlock()
	if report {
		p.phoneSteps(ctx, g.ticket, PhoneStep{Event: "hangup"})
	}
}
