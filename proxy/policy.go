package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// Janus API requests a browser may send (Janus docs, "The Janus API").
// Everything else ("info", "ping", Admin verbs, ...) is refused.
var allowedVerbs = map[string]bool{
	"create": true, "attach": true, "message": true, "trickle": true, "keepalive": true,
	"detach": true, "hangup": true, "destroy": true, "claim": true,
}

// VideoRoom requests a participant may send (VideoRoom docs, "VideoRoom
// Publishers" and "VideoRoom Subscribers"). Room management ("create",
// "destroy", "edit", "kick", "moderate", "allowed", "rtp_forward", "list",
// "listparticipants", "enable_recording", ...) is refused.
var allowedVideoRoom = map[string]bool{
	"join": true, "joinandconfigure": true, "publish": true, "configure": true, "unpublish": true, "start": true,
	"pause": true, "switch": true, "subscribe": true, "unsubscribe": true, "update": true, "leave": true,
}

// Body members a browser may never set: room credentials are the proxy's,
// and recording to files on the Janus host is an admin decision.
var forbiddenBodyFields = []string{"admin_key", "secret", "pin", "record", "filename", "rec_dir", "new_secret", "new_pin"}

// denial is a request refused by the policy, answered to the client as a
// Janus error ({"janus":"error","error":{"code","reason"}}).
type denial struct {
	code   wire.Code
	reason string
	verb   string // for metrics: the Janus verb, or "message:<request>"
}

func deny(code wire.Code, verb, format string, args ...any) *denial {
	return &denial{code: code, verb: verb, reason: fmt.Sprintf(format, args...)}
}

// codeRateLimited is the denial code of a client over its message rate:
// Frontdesk's own, outside Janus's codes (src/apierror.h), which the other
// denials use (wire.CodeUnauthorized, wire.CodeInvalidJSON,
// wire.CodeSessionNotFound, wire.CodeHandleNotFound).
const codeRateLimited wire.Code = 429

// grant is what the policy needs to know about a participant.
type grant struct {
	ticket auth.Ticket
	token  string      // Janus stored token
	pin    string      // room pin
	sip    *SIPAccount // a phone ticket's account (nil otherwise)
	phone  *phoneState // a phone ticket's connection state (nil otherwise)
}

// owner tracks the sessions and handles a client created through the proxy;
// a client may only address its own.
type owner interface {
	ownsSession(id uint64) bool
	ownsHandle(session, handle uint64) bool
}

// clientRequest is a Janus API request as a browser may send it: only these
// members are read, and only these are forwarded (re-encoded), so nothing
// else (apisecret, admin_secret, a token of the client's choosing) can
// reach Janus. It is decoded with JSON v2 semantics: member names match
// exactly (as Janus's own jansson look-ups do) and a duplicated name is
// invalid, so a request cannot mean one thing to the policy and another to
// Janus.
type clientRequest struct {
	Janus       string         `json:"janus"`
	Transaction string         `json:"transaction"`
	SessionID   jsontext.Value `json:"session_id,omitzero"`
	HandleID    jsontext.Value `json:"handle_id,omitzero"`
	Plugin      string         `json:"plugin,omitzero"`
	OpaqueID    jsontext.Value `json:"opaque_id,omitzero"`
	Body        jsontext.Value `json:"body,omitzero"`
	JSEP        jsontext.Value `json:"jsep,omitzero"`
	Candidate   jsontext.Value `json:"candidate,omitzero"`
	Candidates  jsontext.Value `json:"candidates,omitzero"`
}

// forwardedRequest is what the proxy sends to Janus.
type forwardedRequest struct {
	Janus       string         `json:"janus"`
	Transaction string         `json:"transaction"`
	SessionID   uint64         `json:"session_id,omitzero"`
	HandleID    uint64         `json:"handle_id,omitzero"`
	Plugin      string         `json:"plugin,omitzero"`
	OpaqueID    jsontext.Value `json:"opaque_id,omitzero"`
	Body        jsontext.Value `json:"body,omitzero"`
	JSEP        jsontext.Value `json:"jsep,omitzero"`
	Candidate   jsontext.Value `json:"candidate,omitzero"`
	Candidates  jsontext.Value `json:"candidates,omitzero"`
	Token       string         `json:"token"`
}

// forwarded describes a request the policy let through: its bytes and what
// the reply tracker needs to know.
type forwarded struct {
	raw     []byte
	verb    string
	txn     string
	session uint64
	handle  uint64
	pubJoin bool // a publisher's join or joinandconfigure (see tracker)
}

// filter applies the policy to one client request. It returns the request
// to forward (canonical JSON with the proxy's token and, for joins, the
// ticket's room, id, display and the room pin) or a denial, never both.
// sessionID and handleID are the ids from the HTTP path (0 over WebSocket,
// where they come from the body). The transaction is returned either way,
// for the error reply.
func filter(raw []byte, g grant, own owner, sessionID, handleID uint64) (forwarded, string, *denial) {
	var req clientRequest
	if err := jsonv2.Unmarshal(raw, &req); err != nil {
		return forwarded{}, "", deny(wire.CodeInvalidJSON, "invalid", "request is not a JSON object")
	}
	verb, txn := req.Janus, req.Transaction
	if verb == "" {
		return forwarded{}, "", deny(wire.CodeInvalidJSON, "invalid", "missing janus member")
	}
	if txn == "" {
		return forwarded{}, "", deny(wire.CodeInvalidJSON, verb, "missing transaction")
	}
	if !allowedVerbs[verb] {
		return forwarded{}, txn, deny(wire.CodeUnauthorized, verb, "request %q is not allowed through Frontdesk", clip(verb))
	}
	if sessionID == 0 {
		sessionID = uintField(req.SessionID)
	}
	if handleID == 0 {
		handleID = uintField(req.HandleID)
	}
	switch {
	case verb == "create":
		if sessionID != 0 || handleID != 0 {
			return forwarded{}, txn, deny(wire.CodeInvalidJSON, verb, "create takes no session")
		}
	case sessionID == 0 || !own.ownsSession(sessionID):
		return forwarded{}, txn, deny(wire.CodeSessionNotFound, verb, "no such session")
	case handleID != 0 && !own.ownsHandle(sessionID, handleID):
		return forwarded{}, txn, deny(wire.CodeHandleNotFound, verb, "no such handle")
	}
	out := forwardedRequest{Janus: verb, Transaction: txn, SessionID: sessionID, HandleID: handleID,
		OpaqueID: req.OpaqueID, JSEP: req.JSEP, Candidate: req.Candidate, Candidates: req.Candidates, Token: g.token}
	switch verb {
	case "attach":
		want := videoroom.Plugin
		if g.ticket.Phone != "" {
			want = SIPPlugin
		}
		if req.Plugin != want {
			return forwarded{}, txn, deny(wire.CodeUnauthorized, verb, "only %s may be attached", want)
		}
		out.Plugin = req.Plugin
	case "message", "trickle", "detach", "hangup":
		if handleID == 0 {
			return forwarded{}, txn, deny(wire.CodeHandleNotFound, verb, "no such handle")
		}
	}
	pubJoin := false
	if verb == "message" && g.ticket.Phone != "" {
		body, d := filterSIPBody(req.Body, g)
		if d != nil {
			d.verb = "message:" + d.verb
			return forwarded{}, txn, d
		}
		out.Body = body
	} else if verb == "message" {
		body, pj, d := filterBody(req.Body, g)
		if d != nil {
			d.verb = "message:" + d.verb
			return forwarded{}, txn, d
		}
		out.Body, pubJoin = body, pj
	}
	b, err := jsonv2.Marshal(&out)
	if err != nil {
		return forwarded{}, txn, deny(wire.CodeInvalidJSON, verb, "cannot encode request")
	}
	return forwarded{raw: b, verb: verb, txn: txn, session: sessionID, handle: handleID, pubJoin: pubJoin}, txn, nil
}

// filterBody applies the VideoRoom policy to a message body; pubJoin
// reports a publisher's join (join or joinandconfigure, ptype publisher).
func filterBody(raw jsontext.Value, g grant) (out jsontext.Value, pubJoin bool, d *denial) {
	var body map[string]jsontext.Value
	if err := jsonv2.Unmarshal(raw, &body); err != nil || body == nil {
		return nil, false, deny(wire.CodeInvalidJSON, "invalid", "message body is not a JSON object")
	}
	var request string
	_ = jsonv2.Unmarshal(body["request"], &request)
	if !allowedVideoRoom[request] {
		return nil, false, deny(wire.CodeUnauthorized, orUnknown(request), "VideoRoom request %q is not allowed through Frontdesk", clip(request))
	}
	for _, f := range forbiddenBodyFields {
		if _, ok := body[f]; ok {
			return nil, false, deny(wire.CodeUnauthorized, request, "field %q is not allowed", f)
		}
	}
	if _, ok := body["room"]; ok && uintField(body["room"]) != g.ticket.Room {
		return nil, false, deny(wire.CodeUnauthorized, request, "the ticket does not grant that room")
	}
	switch request {
	case "join", "joinandconfigure":
		// joinandconfigure is a publisher's join with its JSEP offer (join
		// and configure in one round trip); it gets join's rules.
		var ptype string
		_ = jsonv2.Unmarshal(body["ptype"], &ptype)
		switch {
		case ptype == "publisher":
			pubJoin = true
			body["id"] = jsontext.Value(strconv.FormatUint(g.ticket.ParticipantID, 10))
			body["display"] = mustJSON(g.ticket.Display)
		case ptype == "subscriber" && request == "join":
		case request == "join":
			return nil, false, deny(wire.CodeUnauthorized, request, "join needs ptype publisher or subscriber")
		default:
			return nil, false, deny(wire.CodeUnauthorized, request, "joinandconfigure needs ptype publisher")
		}
		body["room"] = jsontext.Value(strconv.FormatUint(g.ticket.Room, 10))
		if g.pin != "" {
			body["pin"] = mustJSON(g.pin)
		}
		delete(body, "token")
	case "publish", "configure":
		if _, ok := body["display"]; ok {
			body["display"] = mustJSON(g.ticket.Display)
		}
	}
	b, err := jsonv2.Marshal(body, jsonv2.Deterministic(true))
	if err != nil {
		return nil, false, deny(wire.CodeInvalidJSON, request, "cannot encode body")
	}
	return b, pubJoin, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// uintField reads a JSON number (or numeric string) as uint64; 0 if absent
// or not a non-negative integer.
func uintField(raw []byte) uint64 {
	raw = bytes.Trim(raw, `"`)
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func mustJSON(v any) jsontext.Value {
	b, _ := jsonv2.Marshal(v)
	return b
}

// errorReply is the Janus-style error sent for a denial.
func errorReply(txn string, d *denial, sessionID uint64) []byte {
	b, _ := json.Marshal(wire.Message{Janus: "error", Transaction: txn, SessionID: sessionID,
		Error: &wire.Error{Code: d.code, Reason: d.reason}}) // always encodes
	return b
}
