package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// envelope is the wire form of the members every event shares (src/events.c).
type envelope struct {
	Emitter   string          `json:"emitter"`
	Type      *int            `json:"type"`
	Subtype   int             `json:"subtype"`
	Timestamp int64           `json:"timestamp"`
	SessionID uint64          `json:"session_id"`
	HandleID  uint64          `json:"handle_id"`
	OpaqueID  string          `json:"opaque_id"`
	Event     json.RawMessage `json:"event"`
}

// ElementError is the error for one element of a batch: Index is its
// position in the posted array (0 for a single object).
type ElementError struct {
	Index int
	Err   error
}

// Error returns "event N: <reason>".
func (e *ElementError) Error() string { return "event " + strconv.Itoa(e.Index) + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *ElementError) Unwrap() error { return e.Err }

// Split returns the events of a body posted by the sample event handler: a
// single JSON object, or a JSON array of objects (grouping = true). Errors:
// ErrEmpty for an empty body or array, ErrMalformed (with the reason and
// byte offset) for invalid JSON, ErrNotObject for any other JSON value. The
// returned elements are copies, independent of body.
func Split(body []byte) ([]json.RawMessage, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	switch b[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(b, &elems); err != nil {
			return nil, malformed(err)
		}
		if len(elems) == 0 {
			return nil, ErrEmpty
		}
		return elems, nil
	case '{':
		if !json.Valid(b) {
			var v any
			return nil, malformed(json.Unmarshal(b, &v))
		}
		return []json.RawMessage{bytes.Clone(b)}, nil
	}
	if !json.Valid(b) {
		var v any
		return nil, malformed(json.Unmarshal(b, &v))
	}
	return nil, ErrNotObject
}

// DecodeBatch splits body with [Split] and decodes every element with
// [Decode]. It returns every event that decoded; err joins an *ElementError
// for each element that did not (or is the Split error, with no events).
func DecodeBatch(body []byte) ([]*Event, error) {
	elems, err := Split(body)
	if err != nil {
		return nil, err
	}
	evs := make([]*Event, 0, len(elems))
	var errs []error
	for i, raw := range elems {
		ev, err := Decode(raw)
		if err != nil {
			errs = append(errs, &ElementError{Index: i, Err: err})
			continue
		}
		evs = append(evs, ev)
	}
	return evs, errors.Join(errs...)
}

// Decode decodes one event object. raw is retained as Event.Raw (not
// copied). It fails only when raw is not a JSON object (ErrMalformed,
// ErrNotObject), has no integer "type" (ErrMissingType), or has envelope
// members of the wrong JSON type; a body that does not fit its typed struct
// still decodes, as an [Unknown] payload carrying the reason.
func Decode(raw []byte) (*Event, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	if b[0] != '{' {
		if !json.Valid(b) {
			var v any
			return nil, malformed(json.Unmarshal(b, &v))
		}
		return nil, ErrNotObject
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "type" {
			return nil, ErrMissingType
		}
		if errors.As(err, &te) {
			return nil, fmt.Errorf("events: envelope member %q: %w", te.Field, err)
		}
		return nil, malformed(err)
	}
	if env.Type == nil {
		return nil, ErrMissingType
	}
	ev := &Event{
		Emitter:   env.Emitter,
		Type:      Type(*env.Type),
		Subtype:   env.Subtype,
		Timestamp: env.Timestamp,
		SessionID: env.SessionID,
		HandleID:  env.HandleID,
		OpaqueID:  env.OpaqueID,
		Body:      env.Event,
		Raw:       b,
	}
	p, err := decodePayload(ev)
	if err != nil {
		p = &Unknown{Body: env.Event, Err: err}
	}
	ev.Payload = p
	if pe, ok := p.(*PluginEvent); ok && pe.VideoRoom != nil {
		ev.Room, ev.Participant = pe.VideoRoom.Room, pe.VideoRoom.Participant
	}
	return ev, nil
}

func malformed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w at byte %d: %v", ErrMalformed, se.Offset, se)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

// errNoBody is the Unknown.Err of a known type whose "event" is missing.
var errNoBody = errors.New(`no "event" object`)

func decodePayload(ev *Event) (Payload, error) {
	body := bytes.TrimSpace(ev.Body)
	if len(body) == 0 || string(body) == "null" {
		if ev.Type.known() {
			return nil, errNoBody
		}
		return &Unknown{Body: ev.Body}, nil
	}
	switch ev.Type {
	case TypeSession:
		return into(body, &SessionEvent{})
	case TypeHandle:
		return into(body, &HandleEvent{})
	case TypeExternal:
		return into(body, &ExternalEvent{})
	case TypeJSEP:
		return into(body, &JSEPEvent{})
	case TypeWebRTC:
		return decodeWebRTC(ev.Subtype, body)
	case TypeMedia:
		return decodeMedia(ev.Subtype, body)
	case TypePlugin:
		return decodePlugin(body)
	case TypeTransport:
		return decodeTransport(body)
	case TypeCore:
		return decodeCore(body)
	}
	return &Unknown{Body: ev.Body}, nil
}

func (t Type) known() bool {
	switch t {
	case TypeSession, TypeHandle, TypeExternal, TypeJSEP, TypeWebRTC, TypeMedia, TypePlugin, TypeTransport, TypeCore:
		return true
	}
	return false
}

func into[T Payload](body []byte, v T) (Payload, error) {
	if err := json.Unmarshal(body, v); err != nil {
		return nil, err
	}
	return v, nil
}

// webrtcProbe tells WebRTC bodies apart when an old Janus sends no subtype.
type webrtcProbe struct {
	ICE        *string `json:"ice"`
	Local      *string `json:"local-candidate"`
	Remote     *string `json:"remote-candidate"`
	Pair       *string `json:"selected-pair"`
	DTLS       *string `json:"dtls"`
	Connection *string `json:"connection"`
}

func decodeWebRTC(subtype int, body []byte) (Payload, error) {
	var probe webrtcProbe
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, err
	}
	st := WebRTCSubtype(subtype)
	if st == 0 {
		switch {
		case probe.ICE != nil:
			st = SubtypeICEState
		case probe.Local != nil:
			st = SubtypeLocalCandidate
		case probe.Remote != nil:
			st = SubtypeRemoteCandidate
		case probe.Pair != nil:
			st = SubtypeSelectedPair
		case probe.DTLS != nil:
			st = SubtypeDTLSState
		case probe.Connection != nil:
			st = SubtypeConnection
		}
	}
	switch st {
	case SubtypeICEState:
		return into(body, &ICEStateEvent{})
	case SubtypeLocalCandidate, SubtypeRemoteCandidate:
		c := &CandidateEvent{Remote: st == SubtypeRemoteCandidate}
		if err := json.Unmarshal(body, c); err != nil {
			return nil, err
		}
		if c.Remote && probe.Remote != nil {
			c.Candidate = *probe.Remote
		} else if !c.Remote && probe.Local != nil {
			c.Candidate = *probe.Local
		}
		return c, nil
	case SubtypeSelectedPair:
		return into(body, &SelectedPairEvent{})
	case SubtypeDTLSState:
		return into(body, &DTLSStateEvent{})
	case SubtypeConnection:
		return into(body, &ConnectionEvent{})
	}
	return &Unknown{Body: body}, nil
}

// mediaProbe tells media bodies apart when an old Janus sends no subtype.
type mediaProbe struct {
	Receiving json.RawMessage `json:"receiving"`
	SlowLink  json.RawMessage `json:"slow_link"`
}

func decodeMedia(subtype int, body []byte) (Payload, error) {
	st := MediaSubtype(subtype)
	if st == 0 {
		if body[0] == '[' {
			st = SubtypeMediaStats
		} else {
			var probe mediaProbe
			if err := json.Unmarshal(body, &probe); err != nil {
				return nil, err
			}
			switch {
			case probe.Receiving != nil:
				st = SubtypeMediaState
			case probe.SlowLink != nil:
				st = SubtypeSlowLink
			default:
				st = SubtypeMediaStats
			}
		}
	}
	switch st {
	case SubtypeMediaState:
		return into(body, &MediaStateEvent{})
	case SubtypeSlowLink:
		return into(body, &SlowLinkEvent{})
	case SubtypeMediaStats:
		s := &MediaStatsEvent{}
		if body[0] == '[' {
			if err := json.Unmarshal(body, &s.Streams); err != nil {
				return nil, err
			}
			return s, nil
		}
		s.Streams = make([]MediaStats, 1)
		if err := json.Unmarshal(body, &s.Streams[0]); err != nil {
			return nil, err
		}
		return s, nil
	}
	return &Unknown{Body: body}, nil
}

func decodePlugin(body []byte) (Payload, error) {
	p := &PluginEvent{}
	if err := json.Unmarshal(body, p); err != nil {
		return nil, err
	}
	if p.Plugin != PluginVideoRoom {
		return p, nil
	}
	data := bytes.TrimSpace(p.Data)
	if len(data) == 0 || data[0] != '{' {
		p.DataErr = errors.New("videoroom data is not an object")
		return p, nil
	}
	vr := &VideoRoomEvent{}
	if err := json.Unmarshal(data, vr); err != nil {
		p.DataErr = fmt.Errorf("videoroom data: %w", err)
		return p, nil
	}
	vr.Kind = videoRoomKindOf(vr.Event)
	p.VideoRoom = vr
	return p, nil
}

// transportData is the data HTTP and WebSocket transports attach.
type transportData struct {
	Event    string `json:"event"`
	AdminAPI bool   `json:"admin_api"`
	IP       string `json:"ip"`
	Port     int    `json:"port"`
}

func decodeTransport(body []byte) (Payload, error) {
	t := &TransportEvent{}
	if err := json.Unmarshal(body, t); err != nil {
		return nil, err
	}
	var d transportData
	if len(t.Data) > 0 && json.Unmarshal(t.Data, &d) == nil {
		t.Event, t.AdminAPI, t.IP, t.Port = d.Event, d.AdminAPI, d.IP, d.Port
	}
	return t, nil
}

func decodeCore(body []byte) (Payload, error) {
	c := &CoreEvent{}
	if err := json.Unmarshal(body, c); err != nil {
		return nil, err
	}
	if len(c.Info) > 0 {
		var s ServerInfo
		if json.Unmarshal(c.Info, &s) == nil {
			c.Server = &s
		}
	}
	return c, nil
}
