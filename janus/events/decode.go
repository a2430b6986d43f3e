package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The decoder uses github.com/go-json-experiment/json (the implementation
// behind Go's encoding/json/v2): it parses each byte once, where
// encoding/json validates and then decodes, and the webhook's throughput
// depends on it. Public raw members stay encoding/json.RawMessage.

// envelope is the wire form of the members every event shares (src/events.c).
type envelope struct {
	Emitter   string         `json:"emitter"`
	Type      *int           `json:"type"`
	Subtype   int            `json:"subtype"`
	Timestamp int64          `json:"timestamp"`
	SessionID uint64         `json:"session_id"`
	HandleID  uint64         `json:"handle_id"`
	OpaqueID  string         `json:"opaque_id"`
	Event     jsontext.Value `json:"event"`
}

// ElementError is the error for one element of a batch: Index is its
// position in the posted array (0 for a single object).
type ElementError struct {
	// Index is the element's position, from 0.
	Index int
	// Err is why it was not decoded.
	Err error
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
		var vals []jsontext.Value
		if err := jsonv2.Unmarshal(b, &vals); err != nil {
			return nil, malformed(err)
		}
		if len(vals) == 0 {
			return nil, ErrEmpty
		}
		elems := make([]json.RawMessage, len(vals))
		for i, v := range vals {
			elems[i] = json.RawMessage(v)
		}
		return elems, nil
	case '{':
		if err := validate(b); err != nil {
			return nil, err
		}
		return []json.RawMessage{bytes.Clone(b)}, nil
	}
	if err := validate(b); err != nil {
		return nil, err
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
		if err := validate(b); err != nil {
			return nil, err
		}
		return nil, ErrNotObject
	}
	var env envelope
	if err := jsonv2.Unmarshal(b, &env); err != nil {
		var se *jsonv2.SemanticError
		if errors.As(err, &se) && se.JSONPointer == "/type" {
			return nil, ErrMissingType
		}
		if errors.As(err, &se) {
			return nil, fmt.Errorf("events: envelope member %q: %w", se.JSONPointer, err)
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
		Body:      json.RawMessage(env.Event),
		Raw:       b,
	}
	p, err := decodePayload(ev)
	if err != nil {
		p = &Unknown{Body: ev.Body, Err: err}
	}
	ev.Payload = p
	if pe, ok := p.(*PluginEvent); ok && pe.VideoRoom != nil {
		ev.Room, ev.Participant = pe.VideoRoom.Room, pe.VideoRoom.Participant
	}
	return ev, nil
}

// validate returns nil for valid JSON, else ErrMalformed with the reason.
func validate(b []byte) error {
	if jsontext.Value(b).IsValid() {
		return nil
	}
	var v jsontext.Value
	if err := jsonv2.Unmarshal(b, &v); err != nil {
		return malformed(err)
	}
	return fmt.Errorf("%w: invalid JSON", ErrMalformed)
}

func malformed(err error) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return fmt.Errorf("%w at byte %d: %v", ErrMalformed, se.ByteOffset, se.Err)
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
	if err := jsonv2.Unmarshal(body, v); err != nil {
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

// candidateWire is the wire form of both candidate subtypes.
type candidateWire struct {
	Local       *string `json:"local-candidate"`
	Remote      *string `json:"remote-candidate"`
	StreamID    int     `json:"stream_id"`
	ComponentID int     `json:"component_id"`
}

func decodeWebRTC(subtype int, body []byte) (Payload, error) {
	st := WebRTCSubtype(subtype)
	if st == 0 {
		var probe webrtcProbe
		if err := jsonv2.Unmarshal(body, &probe); err != nil {
			return nil, err
		}
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
		var w candidateWire
		if err := jsonv2.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		c := &CandidateEvent{Remote: st == SubtypeRemoteCandidate, StreamID: w.StreamID, ComponentID: w.ComponentID}
		if c.Remote && w.Remote != nil {
			c.Candidate = *w.Remote
		} else if !c.Remote && w.Local != nil {
			c.Candidate = *w.Local
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
			if err := jsonv2.Unmarshal(body, &probe); err != nil {
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
			if err := jsonv2.Unmarshal(body, &s.Streams); err != nil {
				return nil, err
			}
			return s, nil
		}
		s.Streams = make([]MediaStats, 1)
		if err := jsonv2.Unmarshal(body, &s.Streams[0]); err != nil {
			return nil, err
		}
		return s, nil
	}
	return &Unknown{Body: body}, nil
}

func decodePlugin(body []byte) (Payload, error) {
	p := &PluginEvent{}
	if err := jsonv2.Unmarshal(body, p); err != nil {
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
	if err := jsonv2.Unmarshal(data, vr); err != nil {
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
	if err := jsonv2.Unmarshal(body, t); err != nil {
		return nil, err
	}
	var d transportData
	if len(t.Data) > 0 && jsonv2.Unmarshal(t.Data, &d) == nil {
		t.Event, t.AdminAPI, t.IP, t.Port = d.Event, d.AdminAPI, d.IP, d.Port
	}
	return t, nil
}

func decodeCore(body []byte) (Payload, error) {
	c := &CoreEvent{}
	if err := jsonv2.Unmarshal(body, c); err != nil {
		return nil, err
	}
	if len(c.Info) > 0 {
		var s ServerInfo
		if jsonv2.Unmarshal(c.Info, &s) == nil {
			c.Server = &s
		}
	}
	return c, nil
}
