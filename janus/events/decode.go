package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The decoder uses github.com/go-json-experiment/json (the implementation
// behind Go's encoding/json/v2): it parses each byte once, where
// encoding/json validates and then decodes, and the webhook's throughput
// depends on it. Public raw members stay encoding/json.RawMessage.

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

// DecodeBatch decodes a body posted by the sample event handler: a single
// event object, or an array of them (grouping = true). It returns every
// event that decoded, in order; err joins an *ElementError for each array
// element that did not (not an object, no integer "type", mistyped envelope
// member). A body that is not valid JSON, or is empty, fails as a whole
// (ErrMalformed with the byte offset, ErrEmpty, ErrNotObject) with no
// events. The events alias one private copy of body.
func DecodeBatch(body []byte) ([]*Event, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	if b[0] != '[' && b[0] != '{' {
		if err := validate(b); err != nil {
			return nil, err
		}
		return nil, ErrNotObject
	}
	buf := bytes.Clone(b)
	dec := jsontext.NewDecoder(bytes.NewBuffer(buf))
	if buf[0] == '{' {
		ev, err := decodeObject(dec, buf)
		if err != nil {
			if errors.Is(err, ErrMalformed) {
				return nil, err
			}
			return nil, errors.Join(&ElementError{Index: 0, Err: err})
		}
		if err := expectEOF(dec); err != nil {
			return nil, err
		}
		return []*Event{ev}, nil
	}
	if _, err := dec.ReadToken(); err != nil { // '['
		return nil, malformed(err)
	}
	var evs []*Event
	var errs []error
	for i := 0; ; i++ {
		switch dec.PeekKind() {
		case ']':
			if _, err := dec.ReadToken(); err != nil {
				return nil, malformed(err)
			}
			if err := expectEOF(dec); err != nil {
				return nil, err
			}
			if len(evs) == 0 && len(errs) == 0 {
				return nil, ErrEmpty
			}
			return evs, errors.Join(errs...)
		case '{':
			ev, err := decodeObject(dec, buf)
			if errors.Is(err, ErrMalformed) {
				return nil, err
			}
			if err != nil {
				errs = append(errs, &ElementError{Index: i, Err: err})
				continue
			}
			evs = append(evs, ev)
		case 0:
			_, err := dec.ReadToken()
			return nil, malformed(err)
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, malformed(err)
			}
			errs = append(errs, &ElementError{Index: i, Err: ErrNotObject})
		}
	}
}

func expectEOF(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			return fmt.Errorf("%w at byte %d: data after the top-level value", ErrMalformed, dec.InputOffset())
		}
		return malformed(err)
	}
	return nil
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
	dec := jsontext.NewDecoder(bytes.NewBuffer(b))
	ev, err := decodeObject(dec, b)
	if err != nil {
		return nil, err
	}
	if err := expectEOF(dec); err != nil {
		return nil, err
	}
	return ev, nil
}

// decodeObject reads one event object from dec, whose input is buf, in a
// single pass: the envelope members are parsed as they come and the "event"
// member is kept as a slice of buf, decoded into the typed payload after.
// Syntax errors are ErrMalformed (the decoder cannot go on); envelope
// errors leave dec after the object.
func decodeObject(dec *jsontext.Decoder, buf []byte) (*Event, error) {
	start := dec.InputOffset()
	if _, err := dec.ReadToken(); err != nil { // '{'
		return nil, malformed(err)
	}
	ev := &Event{}
	var (
		haveType bool
		envErr   error
	)
	for dec.PeekKind() != '}' {
		rawName, err := dec.ReadValue()
		if err != nil {
			return nil, malformed(err)
		}
		// Slice the name from buf: the decoder's own slices are only valid
		// until its next read.
		nameEnd := dec.InputOffset()
		rawName = jsontext.Value(buf[nameEnd-int64(len(rawName)) : nameEnd])
		if bytes.IndexByte(rawName, '\\') >= 0 {
			rawName = quotedName(rawName)
		}
		name := rawName[1 : len(rawName)-1]
		v, err := dec.ReadValue()
		if err != nil {
			return nil, malformed(err)
		}
		end := dec.InputOffset()
		var merr error
		switch string(name) {
		case "emitter":
			ev.Emitter, merr = stringValue(v)
		case "type":
			var t int64
			if t, merr = intValue(v); merr == nil && v.Kind() != 'n' {
				ev.Type, haveType = Type(t), true
			} else {
				merr = ErrMissingType
			}
		case "subtype":
			var st int64
			st, merr = intValue(v)
			ev.Subtype = int(st)
		case "timestamp":
			ev.Timestamp, merr = intValue(v)
		case "session_id":
			ev.SessionID, merr = uintValue(v)
		case "handle_id":
			ev.HandleID, merr = uintValue(v)
		case "opaque_id":
			ev.OpaqueID, merr = stringValue(v)
		case "event":
			ev.Body = json.RawMessage(buf[end-int64(len(v)) : end])
		}
		if merr != nil && envErr == nil {
			if errors.Is(merr, ErrMissingType) {
				envErr = merr
			} else {
				envErr = fmt.Errorf("events: envelope member %q: %w", string(name), merr)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return nil, malformed(err)
	}
	ev.Raw = bytes.TrimLeft(buf[start:dec.InputOffset()], " \t\r\n,")
	if envErr != nil {
		return nil, envErr
	}
	if !haveType {
		return nil, ErrMissingType
	}
	if len(ev.Body) > 0 && ev.Body[0] == 'n' { // null
		ev.Body = nil
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

// quotedName re-quotes an escaped member name without escapes, so names
// are compared by their bytes (Janus never escapes its member names).
func quotedName(raw jsontext.Value) jsontext.Value {
	u, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return raw
	}
	return append(append([]byte{'"'}, u...), '"')
}

var errNotString = errors.New("not a string")

func stringValue(v jsontext.Value) (string, error) {
	switch v.Kind() {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return string(v[1 : len(v)-1]), nil
		}
		s, err := jsontext.AppendUnquote(nil, v)
		return string(s), err
	case 'n':
		return "", nil
	}
	return "", errNotString
}

var errNotInteger = errors.New("not an integer")

func intValue(v jsontext.Value) (int64, error) {
	if v.Kind() == 'n' {
		return 0, nil
	}
	if v.Kind() != '0' {
		return 0, errNotInteger
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, errNotInteger
	}
	return n, nil
}

func uintValue(v jsontext.Value) (uint64, error) {
	if v.Kind() == 'n' {
		return 0, nil
	}
	if v.Kind() != '0' {
		return 0, errNotInteger
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, errNotInteger
	}
	return n, nil
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
