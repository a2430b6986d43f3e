// Package proxy serves the Janus API to browsers at /janus, over WebSocket
// (subprotocol janus-protocol) and HTTP REST with long-poll, and relays it
// to the Janus instance (or built-in SFU) holding the participant's room.
//
// Every client presents a call ticket (auth.Ticket, a short-lived signed
// JWT) in the "Frontdesk-Ticket" header, as a WebSocket subprotocol
// "frontdesk-ticket.<jwt>", in the path (/janus/t/<jwt>[/<session>
// [/<handle>]]), or in the "ticket" query parameter (both redacted from
// logs). An invalid ticket is refused with 401 before any backend is
// dialled; the backend is dialled before the client is upgraded, so a
// backend failure reaches the client as HTTP 502.
//
// Each request passes a message-level policy (policy.go): only create,
// attach (VideoRoom only), message, trickle, keepalive, detach, hangup,
// destroy and claim; only participant VideoRoom requests, in the ticket's
// room, with "id" and "display" forced from the ticket, the room pin added
// by the proxy, and the participant's Janus stored token put on every
// request. A refused request gets a Janus-style error and is never
// forwarded.
//
// A publisher join refused with VideoRoom 436 (the ticket's id is already
// in the room: the same participant's earlier connection, left behind by a
// network blip) makes the proxy ask its Evicter to kick that stale
// participant, so the client's retry joins (WithEvicter). Over HTTP the
// refusal arrives in a long-poll, which the proxy reads while a join on
// that session awaits its result.
//
// # Third-party Janus clients
//
// An unmodified Janus client connects with server "<base>/janus/t/<ticket>"
// (http(s):// for the REST transport, ws(s):// for WebSocket), the ticket
// coming from GET /api/v1/entries/{id}/call. The official janus.js builds
// every HTTP URL as server + "/" + session [+ "/" + handle] and sets no
// custom header, so the path is the one place its ticket survives. A page
// on another origin must be in the allow-list (http.allowed_origins,
// WithAllowedOrigins); the proxy answers its CORS preflights (OPTIONS) and
// adds Access-Control-Allow-Origin, without credentials. The client joins
// the room of the call as a VideoRoom publisher or subscriber; room, id and
// display are forced from the ticket. docs/janus-clients.md is the
// integrator's version of this.
//
// # Limits
//
// Labels of frontdesk_proxy_denials_total come from a fixed set (known
// Janus and VideoRoom verbs, else "other"), and client strings in log lines
// and error reasons are clipped to 64 bytes and quoted. Client messages are
// rate limited per WebSocket connection and, over HTTP, per participant
// (WithRateLimit); WebSocket connections are capped per participant across
// tickets (WithMaxConnsPerParticipant). Close ends pending long-polls at
// once with a keepalive, so graceful shutdown does not wait for them.
package proxy
