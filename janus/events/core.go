package events

import "encoding/json"

// SessionEvent is a TypeSession body (src/events.c): Name is "created",
// "destroyed" or "timeout"; Transport names the transport instance that
// created the session (only on "created").
type SessionEvent struct {
	Name      string         `json:"name"`
	Transport *TransportInfo `json:"transport,omitempty"`
}

// TransportInfo identifies a transport instance: the transport package (e.g.
// "janus.transport.websockets") and Janus's opaque hash of the connection.
type TransportInfo struct {
	Transport string `json:"transport"`
	ID        string `json:"id"`
}

// HandleEvent is a TypeHandle body (src/events.c): Name is "attached" or
// "detached"; Plugin the plugin package (e.g. "janus.plugin.videoroom");
// OpaqueID and Token as given by the client on attach, when present.
type HandleEvent struct {
	Name     string `json:"name"`
	Plugin   string `json:"plugin"`
	OpaqueID string `json:"opaque_id,omitempty"`
	// Token is the core token used to attach. It is a credential: never log
	// it or send it to a browser.
	Token string `json:"token,omitempty"`
}

// ExternalEvent is a TypeExternal body, posted through the Admin API
// (message_eventhandler): a free-form Schema label and Data object.
type ExternalEvent struct {
	Schema string          `json:"schema"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// JSEPEvent is a TypeJSEP body: Owner is "local" (Janus's SDP) or "remote"
// (the client's), and JSEP the offer or answer.
type JSEPEvent struct {
	Owner string `json:"owner"`
	JSEP  struct {
		Type string `json:"type"`
		SDP  string `json:"sdp"`
	} `json:"jsep"`
}

// TransportEvent is a TypeTransport body (src/events.c): the transport
// package, Janus's hash of the transport instance, and the transport's own
// data. For the HTTP and WebSocket transports, Data holds "event" (e.g.
// "request", "connected", "disconnected"), "admin_api", "ip" and "port",
// decoded into the fields below when present.
type TransportEvent struct {
	Transport string          `json:"transport"`
	ID        string          `json:"id"`
	Data      json.RawMessage `json:"data,omitempty"`

	Event    string `json:"-"`
	AdminAPI bool   `json:"-"`
	IP       string `json:"-"`
	Port     int    `json:"-"`
}

// CoreEvent is a TypeCore body: Status "started" (with Info, the server_info
// reply of the Janus API "info" request) or "shutdown" (with Signum, the
// signal that stopped it, 0 when none).
type CoreEvent struct {
	Status string          `json:"status"`
	Signum int             `json:"signum,omitempty"`
	Info   json.RawMessage `json:"info,omitempty"`

	// Server holds a few members of Info, decoded when present.
	Server *ServerInfo `json:"-"`
}

// ServerInfo is the part of the Janus server_info reply Frontdesk uses.
type ServerInfo struct {
	Name           string `json:"name"`
	Version        int    `json:"version"`
	VersionString  string `json:"version_string"`
	ServerName     string `json:"server-name"`
	LocalIP        string `json:"local-ip"`
	SessionTimeout int    `json:"session-timeout"`
}

func (*SessionEvent) isPayload()   {}
func (*HandleEvent) isPayload()    {}
func (*ExternalEvent) isPayload()  {}
func (*JSEPEvent) isPayload()      {}
func (*TransportEvent) isPayload() {}
func (*CoreEvent) isPayload()      {}
