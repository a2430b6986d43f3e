// Package sfu is Frontdesk's built-in selective forwarding unit: a media
// server on pion/webrtc v4 that speaks the Janus API (janus.c, "The Janus API"
// in Janus's mainpage.dox) and the VideoRoom plugin API (the documentation
// block of plugins/janus_videoroom.c, Janus 1.x multistream format), so
// Janus clients (Frontdesk's janus package, the official janus.js, Janode)
// work against it unchanged.
//
// A Server is created with New and exposes one http.Handler that serves the
// Janus API both over WebSocket (subprotocol "janus-protocol", session and
// handle ids in the body) and over HTTP REST with long-poll
// (POST /janus, POST /janus/<session>, POST /janus/<session>/<handle>,
// GET /janus/<session>?maxev=N). Frontdesk manages rooms from Go with
// CreateRoom, DestroyRoom, RoomExists, Participants, SetAllowed and Kick,
// follows calls through the Emitter it passes with WithEmitter (janus/events
// TypeCall events), can require tokens with WithTokenAuth or, like Janus's
// stored tokens, with WithStoredTokens and AddToken (each token bound to a
// room and forgotten with it), can require Config.AdminKey for VideoRoom
// "create" over the API, and exports metrics with Collector.
//
// The behaviour is pinned by a conformance table (conformance_test.go) that
// runs the same Janus API scenarios against the SFU and against a real
// Janus 1.1.2 started by janus/janustest.
//
// Media: every publisher stream is read by one goroutine and fanned out to
// per-subscriber bounded queues, each drained by the subscriber's own writer
// goroutine, so a slow subscriber drops its own packets (counted in
// Stats.DroppedPackets) instead of stalling the others. NACKs are answered
// from per-subscriber retransmission buffers (pion's NACK responder), gaps
// from publishers are NACKed (pion's NACK generator), PLI and FIR from
// subscribers are forwarded to the publisher, and transport-wide congestion
// control feedback is generated for publishers.
package sfu
