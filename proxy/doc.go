// Package proxy serves the Janus API to browsers at /janus, over WebSocket
// (subprotocol janus-protocol) and HTTP REST with long-poll, and relays it
// to the Janus instance (or built-in SFU) holding the participant's room.
//
// Every client presents a call ticket (auth.Ticket, a short-lived signed
// JWT) in the "Frontdesk-Ticket" header, as a WebSocket subprotocol
// "frontdesk-ticket.<jwt>", or in the "ticket" query parameter (redacted
// from logs). An invalid ticket is refused with 401 before any backend is
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
package proxy
