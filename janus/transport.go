package janus

import (
	"context"
	"time"
)

// transport moves Janus API messages. Every message it receives (a reply to
// send, or an event) is handed to the deliver function given when it was
// made, in the order received.
type transport interface {
	// send writes req; replies arrive through deliver. deadline (zero:
	// none) bounds the request along with ctx.
	send(ctx context.Context, deadline time.Time, req *request) error
	// await returns the reply deliver puts in ch (buffered), or ctx.Err()
	// when ctx ends first, context.DeadlineExceeded when deadline (zero:
	// none) passes first, or the transport's failure. The WebSocket
	// transport reads the connection in the caller's goroutine meanwhile
	// (see wsTransport).
	await(ctx context.Context, deadline time.Time, ch <-chan *Message) (*Message, error)
	// watch starts receiving the events of a session (HTTP long-poll);
	// a no-op where events arrive anyway (WebSocket).
	watch(sessionID uint64)
	// unwatch stops receiving the events of a session and waits for that.
	unwatch(sessionID uint64)
	// done is closed when the transport has failed or been closed; err then
	// says why (nil after close).
	done() <-chan struct{}
	err() error
	// close shuts the transport and waits for its goroutines.
	close() error
}

// deliverFunc receives decoded messages from a transport, one at a time and
// in the order received. It must not block: it runs on whichever goroutine
// reads (the transport's reader or a caller in await).
type deliverFunc func(*Message)
