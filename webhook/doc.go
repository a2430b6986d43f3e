// Package webhook is the HTTP endpoint the Janus sample event handler
// (janus.eventhandler.sampleevh) posts to. It authenticates the post (HTTP
// Basic auth, optional source-address allow-list), ties it to the emitter
// its credentials belong to (per-instance [Source] credentials: an instance
// may only post its own events, and no post may carry a reserved emitter
// such as the built-in SFU's), decodes the single event
// or grouped array (optionally gzip-compressed) with package janus/events,
// drops retransmitted duplicates, correlates events to VideoRoom rooms and
// participants, updates the [Tracker] of known Janus instances, hands the
// batch to the event bus without blocking, and only then replies.
//
// Janus treats any HTTP reply as delivered and retries only on transport
// errors (events/janus_sampleevh.c), so the reply is sent after the events
// are safely on the bus, and never waits for whoever consumes them.
package webhook
