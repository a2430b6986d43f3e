package proxy

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// refusedVerbs are Janus core and Admin API requests the proxy knows and
// refuses (Janus docs, "The Janus API" and "The Admin API"); they get their
// own denial label, any other verb counts as "other".
var refusedVerbs = map[string]bool{
	"info": true, "ping": true, "server_info": true, "list_sessions": true, "list_handles": true,
	"handle_info": true, "add_token": true, "remove_token": true, "list_tokens": true,
	"message_plugin": true, "query_eventhandler": true, "get_status": true, "set_log_level": true,
}

// refusedVideoRoom are VideoRoom requests the proxy knows and refuses (room
// management; VideoRoom docs, "VideoRoom API").
var refusedVideoRoom = map[string]bool{
	"create": true, "destroy": true, "edit": true, "exists": true, "list": true, "allowed": true, "kick": true,
	"moderate": true, "enable_recording": true, "listparticipants": true, "listforwarders": true,
	"rtp_forward": true, "stop_rtp_forward": true, "play_file": true, "stop_file": true,
}

// refusedSIP are SIP plugin requests the proxy knows and refuses
// (janus_sip.c, "Supported requests").
var refusedSIP = map[string]bool{
	"transfer": true, "recording": true, "message": true, "info": true, "update": true, "subscribe": true,
	"unsubscribe": true, "unregister": true, "keyframe": true, "rfc2543_cancel": true,
}

// denialLabel maps a denial's verb (client text) to the label of
// frontdesk_proxy_denials_total, from a fixed set: a known Janus verb,
// "message:<known VideoRoom request>", "message:sip_<known SIP request>"
// or "message:sip_other", "invalid", "rate_limited",
// "unknown" (empty request), or "other" / "message:other". No client
// string becomes a label.
func denialLabel(verb string) string {
	switch verb {
	case "invalid", "rate_limited", "unknown":
		return verb
	}
	if req, ok := strings.CutPrefix(verb, "message:sip_"); ok {
		if _, known := allowedSIP[req]; known || refusedSIP[req] || req == "unknown" {
			return verb
		}
		return "message:sip_other"
	}
	if req, ok := strings.CutPrefix(verb, "message:"); ok {
		switch {
		case allowedVideoRoom[req] || refusedVideoRoom[req] || req == "invalid" || req == "unknown":
			return verb
		default:
			return "message:other"
		}
	}
	if allowedVerbs[verb] || refusedVerbs[verb] {
		return verb
	}
	return "other"
}

// maxLoggedClientString bounds a client string in a log line or an error
// reason, in bytes.
const maxLoggedClientString = 64

// clip truncates a client string to [maxLoggedClientString] bytes (at a
// rune boundary), marking a cut with "…".
func clip(s string) string {
	if len(s) <= maxLoggedClientString {
		return s
	}
	cut := maxLoggedClientString
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// quoteClip is clip then strconv.Quote: a client string safe for one log
// line (no newlines or control characters) and bounded in length.
func quoteClip(s string) string { return strconv.Quote(clip(s)) }
