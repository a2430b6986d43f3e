package sfu

import (
	"encoding/json"
	"strings"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// origin describes where a request came from: the ids in an HTTP path and
// how to make or claim a sink for new sessions.
type origin struct {
	// pathSession and pathHandle come from /janus/<session>/<handle>; they
	// override the body (HTTP transport).
	pathSession, pathHandle uint64
	// viaPath is true over HTTP, where ids only come from the path.
	viaPath bool
	// newSink returns the sink for a session created or claimed here.
	newSink func(old sink) sink
}

// errorReply builds {"janus":"error"} for err (an *apiError).
func errorReply(sessionID uint64, tx string, e *apiError) wire.Message {
	return wire.Message{Janus: "error", SessionID: sessionID, Transaction: tx, Error: &wire.Error{Code: e.code, Reason: e.reason}}
}

// handleRaw decodes one Janus API request and processes it (janus.c,
// janus_process_incoming_request). The reply is a message or, for "info",
// a server_info object.
//
// after, when not nil, must be called once the reply is on its way: it
// starts the asynchronous part, so an "ack" always precedes its "event".
func (s *Server) handleRaw(raw []byte, o origin) (reply any, after func()) {
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return errorReply(0, "", newAPIError(wire.CodeInvalidJSON, "JSON error: %v", err)), nil
	}
	var start func()
	reply = s.process(&req, o, &start)
	return reply, start
}

func (s *Server) process(req *request, o origin, after *func()) any {
	if req.Transaction == nil {
		return errorReply(0, "", newAPIError(wire.CodeMissingMandatoryElement, "Missing mandatory element (transaction)"))
	}
	tx := *req.Transaction
	if req.Janus == nil {
		return errorReply(0, tx, newAPIError(wire.CodeMissingMandatoryElement, "Missing mandatory element (janus)"))
	}
	verb := strings.ToLower(*req.Janus)
	sid, hid := req.SessionID, req.HandleID
	if o.viaPath {
		sid, hid = o.pathSession, o.pathHandle
	}
	if sid == 0 && hid == 0 {
		switch verb {
		case "info":
			return s.info(tx)
		case "ping":
			return wire.Message{Janus: "pong", Transaction: tx}
		case "create":
			if !s.authorized(req.Token) {
				return errorReply(0, tx, newAPIError(wire.CodeUnauthorized, ""))
			}
			var id uint64
			if req.ID != nil {
				id = *req.ID
			}
			se, err := s.createSession(id, o.newSink(nil))
			if err != nil {
				return errorReply(0, tx, err.(*apiError))
			}
			return wire.Message{Janus: "success", Transaction: tx, Data: idJSON(se.id)}
		default:
			return errorReply(0, tx, newAPIError(wire.CodeInvalidRequestPath, "Unhandled request '%s' at this path", *req.Janus))
		}
	}
	if sid == 0 {
		return errorReply(sid, tx, newAPIError(wire.CodeSessionNotFound, ""))
	}
	if !s.authorized(req.Token) {
		return errorReply(sid, tx, newAPIError(wire.CodeUnauthorized, ""))
	}
	se := s.session(sid)
	if se == nil {
		return errorReply(sid, tx, newAPIError(wire.CodeSessionNotFound, "No such session %d", sid))
	}
	se.touch()
	var h *handle
	if hid > 0 {
		if h = se.handle(hid); h == nil {
			return errorReply(sid, tx, newAPIError(wire.CodeHandleNotFound, "No such handle %d in session %d", hid, sid))
		}
	}
	pathErr := func() any {
		return errorReply(sid, tx, newAPIError(wire.CodeInvalidRequestPath, "Unhandled request '%s' at this path", *req.Janus))
	}
	switch verb {
	case "keepalive":
		return wire.Message{Janus: "ack", SessionID: sid, Transaction: tx}
	case "attach":
		if h != nil {
			return pathErr()
		}
		if req.Plugin == nil {
			return errorReply(sid, tx, newAPIError(wire.CodeMissingMandatoryElement, "Missing mandatory element (plugin)"))
		}
		if *req.Plugin != PluginName {
			return errorReply(sid, tx, newAPIError(wire.CodePluginNotFound, "No such plugin '%s'", *req.Plugin))
		}
		nh, err := s.attach(se, req.OpaqueID)
		if err != nil {
			return errorReply(sid, tx, err.(*apiError))
		}
		return wire.Message{Janus: "success", SessionID: sid, Transaction: tx, Data: idJSON(nh.id)}
	case "destroy":
		if h != nil {
			return pathErr()
		}
		s.destroySession(se)
		return wire.Message{Janus: "success", SessionID: sid, Transaction: tx}
	case "detach":
		if h == nil {
			return pathErr()
		}
		s.detachHandle(h, true)
		return wire.Message{Janus: "success", SessionID: sid, Transaction: tx}
	case "hangup":
		if h == nil {
			return pathErr()
		}
		h.vr.hangup("Janus API")
		return wire.Message{Janus: "success", SessionID: sid, Transaction: tx}
	case "claim":
		se.mu.Lock()
		old := se.sink
		se.sink = o.newSink(old)
		se.mu.Unlock()
		if old != nil && old != se.sink {
			old.sessionOver(sid)
		}
		return wire.Message{Janus: "success", SessionID: sid, Transaction: tx}
	case "message":
		if h == nil {
			return pathErr()
		}
		if req.Body == nil {
			return errorReply(sid, tx, newAPIError(wire.CodeMissingMandatoryElement, "Missing mandatory element (body)"))
		}
		var jsep *wire.JSEP
		if req.JSEP != nil {
			var err *apiError
			if jsep, err = parseJSEP(*req.JSEP); err != nil {
				return errorReply(sid, tx, err)
			}
		}
		data, start := h.vr.message(tx, *req.Body, jsep)
		if start != nil {
			*after = start
			return wire.Message{Janus: "ack", SessionID: sid, Transaction: tx}
		}
		return wire.Message{Janus: "success", SessionID: sid, Sender: h.id, Transaction: tx, PluginData: &wire.PluginData{Plugin: PluginName, Data: rawJSON(data)}}
	case "trickle":
		if h == nil {
			return pathErr()
		}
		if req.Candidate == nil && req.Candidates == nil {
			return errorReply(sid, tx, newAPIError(wire.CodeMissingMandatoryElement, "Missing mandatory element (candidate|candidates)"))
		}
		if req.Candidate != nil && req.Candidates != nil {
			return errorReply(sid, tx, newAPIError(wire.CodeInvalidJSON, "Can't have both candidate and candidates"))
		}
		var cands []candidate
		if req.Candidate != nil {
			var c candidate
			if err := json.Unmarshal(*req.Candidate, &c); err != nil {
				return errorReply(sid, tx, newAPIError(wire.CodeInvalidElementType, "Invalid element type (candidate should be an object)"))
			}
			cands = append(cands, c)
		} else if err := json.Unmarshal(*req.Candidates, &cands); err != nil {
			return errorReply(sid, tx, newAPIError(wire.CodeInvalidElementType, "Invalid element type (candidates should be an array)"))
		}
		h.vr.trickle(cands)
		return wire.Message{Janus: "ack", SessionID: sid, Transaction: tx}
	default:
		return errorReply(sid, tx, newAPIError(wire.CodeUnknownRequest, "Unknown request '%s'", *req.Janus))
	}
}

// authorized checks a request's token when token auth is on.
func (s *Server) authorized(token string) bool {
	return s.tokenValid == nil || (token != "" && s.tokenValid(token))
}

func parseJSEP(raw json.RawMessage) (*wire.JSEP, *apiError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, newAPIError(wire.CodeInvalidJSONObject, "Invalid jsep object")
	}
	var j wire.JSEP
	for _, f := range []struct {
		name string
		dst  *string
	}{{"type", &j.Type}, {"sdp", &j.SDP}} {
		v, ok := m[f.name]
		if !ok {
			return nil, newAPIError(wire.CodeMissingMandatoryElement, "JSEP error: missing mandatory element (%s)", f.name)
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return nil, newAPIError(wire.CodeInvalidElementType, "JSEP error: invalid element type (%s should be a string)", f.name)
		}
	}
	j.Type = strings.ToLower(j.Type)
	if j.Type != "offer" && j.Type != "answer" {
		return nil, newAPIError(wire.CodeJSEPUnknownType, "JSEP error: unknown wire.Message type '%s'", j.Type)
	}
	if v, ok := m["trickle"]; ok {
		var t bool
		if json.Unmarshal(v, &t) == nil {
			j.Trickle = &t
		}
	}
	return &j, nil
}

// info is the reply to {"janus":"info"}: a subset of Janus's server_info.
func (s *Server) info(tx string) any {
	return map[string]any{
		"janus":           "server_info",
		"transaction":     tx,
		"name":            "Frontdesk SFU",
		"version":         1102,
		"version_string":  "1.1.2",
		"author":          "Frontdesk",
		"session-timeout": int(s.cfg.SessionTimeout.Seconds()),
		"plugins": map[string]any{
			PluginName: map[string]any{"name": "Frontdesk VideoRoom (Pion)", "version_string": "0.0.16", "package": PluginName},
		},
		"transports":             map[string]any{},
		"accepting-new-sessions": true,
		"data_channels":          false,
		"ice-lite":               false,
		"full-trickle":           false,
		"api_secret":             false,
		"auth_token":             s.tokenValid != nil,
	}
}
