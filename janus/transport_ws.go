package janus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Subprotocol is wire.Subprotocol.
const Subprotocol = wire.Subprotocol

const (
	// wsMaxMessage caps one received message (all its frames), in bytes.
	wsMaxMessage = 16 << 20
	// wsBufferSize is the read and write buffer size, in bytes.
	wsBufferSize = 16 << 10
	// idleHandover is how long the read role stays free after a caller
	// gave it back before the transport's own reader goroutine takes it.
	// Events that arrive in that window wait at most this long; calls made
	// back to back meanwhile read their replies themselves.
	idleHandover = time.Millisecond
	// midMessageTimeout bounds the wait for the rest of a message whose
	// first byte has arrived; a server stalled that long mid-frame is
	// treated as lost.
	midMessageTimeout = 30 * time.Second
)

// errInterrupted reports a wait for the next message cut short on purpose
// (another goroutine wants the read role, or the reader's context ended).
var errInterrupted = errors.New("janus: read interrupted")

// aLongTimeAgo is a read deadline in the past: it wakes a blocked read at
// once without consuming any byte.
var aLongTimeAgo = time.Unix(1, 0)

// wsTransport is the Janus API over one WebSocket connection (RFC 6455
// frames read and written with gobwas/ws); session and handle ids travel in
// the message body.
//
// Reading is leader/follower. At most one goroutine holds the read role at
// a time and reads whole messages, delivering each in order. A caller
// waiting for its reply (await) takes the role itself when it is free, so
// the reply wakes the very goroutine that wants it, as on a bare
// connection; a hand-off between a reader goroutine and the caller costs a
// thread wake-up that, on a virtual machine, can double a loopback round
// trip. When no caller reads, the transport's own reader goroutine takes
// the role (after idleHandover) so events keep flowing; a caller that
// arrives while it waits for the next message interrupts that wait with a
// read deadline in the past (only ever between messages, never inside one)
// and takes over. Callers that find the role taken wait for their reply or
// for the role, whichever comes first.
type wsTransport struct {
	conn    net.Conn
	deliver deliverFunc
	log     *slog.Logger

	// Owned by the holder of the read role.
	br  *bufio.Reader
	rd  wsutil.Reader
	ctl bytes.Buffer // replies to control frames, written after each

	writeMu sync.Mutex
	bw      *bufio.Writer // under writeMu

	mu          sync.Mutex
	reading     bool          // the read role is held (or in lead)
	boundary    bool          // the holder waits for a message's first byte
	interrupted bool          // that wait was interrupted (deadline in the past)
	readBy      time.Time     // the read deadline when none is pending
	waiters     int           // callers waiting for the role or their reply
	tokenOut    bool          // the role is in lead, for one of the waiters
	lead        chan struct{} // capacity 1: the read role, handed to a waiter
	wakeReader  chan struct{} // capacity 1: the reader goroutine should look
	handover    *time.Timer   // wakes the reader goroutine after idleHandover
	// deadlineTimer interrupts the holder's wait at a caller's deadline.
	deadlineTimer *time.Timer

	doneCh   chan struct{}
	errMu    sync.Mutex
	failure  error
	readDone chan struct{}
	closeMu  sync.Once
}

func dialWS(ctx context.Context, url string, header http.Header, deliver deliverFunc, log *slog.Logger) (*wsTransport, error) {
	status := 0
	d := ws.Dialer{
		Protocols:       []string{Subprotocol},
		Timeout:         10 * time.Second,
		ReadBufferSize:  wsBufferSize,
		WriteBufferSize: wsBufferSize,
		OnStatusError:   func(s int, _ []byte, _ io.Reader) { status = s },
	}
	if len(header) > 0 {
		d.Header = ws.HandshakeHeaderHTTP(header)
	}
	conn, br, hs, err := d.Dial(ctx, url)
	if err != nil {
		if status != 0 {
			return nil, fmt.Errorf("janus: websocket dial %s: %w (HTTP %d)", url, err, status)
		}
		return nil, fmt.Errorf("janus: websocket dial %s: %w", url, err)
	}
	if hs.Protocol != Subprotocol {
		conn.Close()
		return nil, fmt.Errorf("janus: websocket dial %s: server did not accept subprotocol %q", url, Subprotocol)
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, wsBufferSize)
	}
	t := &wsTransport{
		conn:       conn,
		deliver:    deliver,
		log:        log,
		br:         br,
		bw:         bufio.NewWriterSize(conn, wsBufferSize),
		lead:       make(chan struct{}, 1),
		wakeReader: make(chan struct{}, 1),
		doneCh:     make(chan struct{}),
		readDone:   make(chan struct{}),
	}
	t.rd = wsutil.Reader{
		Source:         br,
		State:          ws.StateClientSide,
		MaxFrameSize:   wsMaxMessage,
		MaxMessageSize: wsMaxMessage,
		OnIntermediate: wsutil.ControlFrameHandler(&t.ctl, ws.StateClientSide),
	}
	t.handover = time.AfterFunc(time.Hour, t.poke)
	t.handover.Stop()
	t.deadlineTimer = time.AfterFunc(time.Hour, t.interrupt)
	t.deadlineTimer.Stop()
	t.reading = true // the reader goroutine starts with the role
	go t.readLoop()
	return t, nil
}

// poke wakes the reader goroutine to look at the read role.
func (t *wsTransport) poke() {
	select {
	case t.wakeReader <- struct{}{}:
	default:
	}
}

// readLoop is the transport's own reader: it holds the read role whenever
// no caller does, so events are delivered when nobody waits for a reply.
func (t *wsTransport) readLoop() {
	defer close(t.readDone)
	for {
		for {
			err := t.readOne()
			if err != nil && !errors.Is(err, errInterrupted) {
				t.fail(err)
				return
			}
			t.mu.Lock()
			if t.waiters > 0 {
				t.handToWaiterLocked()
				t.mu.Unlock()
				break
			}
			t.mu.Unlock()
		}
		// A caller has the role; wait until it is free again.
		for {
			select {
			case <-t.wakeReader:
			case <-t.doneCh:
				return
			}
			t.mu.Lock()
			if !t.reading {
				t.reading = true
				t.mu.Unlock()
				break
			}
			t.mu.Unlock()
		}
	}
}

// await returns the reply that deliver puts in ch, reading the connection
// itself while it holds the read role. It returns ctx.Err() when ctx ends
// first, context.DeadlineExceeded when deadline (zero: none) passes first,
// or the transport's failure.
func (t *wsTransport) await(ctx context.Context, deadline time.Time, ch <-chan *Message) (*Message, error) {
	var expired <-chan time.Time
	for {
		select {
		case m := <-ch:
			return m, nil
		default:
		}
		t.mu.Lock()
		if !t.reading {
			// The handover timer is left running: a stale poke is
			// harmless, and moving a running timer later (in release)
			// is cheaper than arming a stopped one, which may wake a
			// thread to watch the new timer.
			t.reading = true
			t.mu.Unlock()
			return t.readFor(ctx, deadline, ch)
		}
		t.interruptLocked()
		t.waiters++
		t.mu.Unlock()
		if expired == nil && !deadline.IsZero() {
			tm := time.NewTimer(time.Until(deadline))
			defer tm.Stop()
			expired = tm.C
		}
		select {
		case m := <-ch:
			t.leave()
			return m, nil
		case <-t.lead:
			t.mu.Lock()
			t.waiters--
			t.tokenOut = false
			t.mu.Unlock()
			return t.readFor(ctx, deadline, ch)
		case <-ctx.Done():
			t.leave()
			return nil, ctx.Err()
		case <-expired:
			t.leave()
			return nil, context.DeadlineExceeded
		case <-t.doneCh:
			t.leave()
			select {
			case m := <-ch:
				return m, nil
			default:
			}
			return nil, t.errOrClosed()
		}
	}
}

// leave ends a wait that did not take the read role. If the role was
// handed to the waiters and none is left to take it, it is given back.
func (t *wsTransport) leave() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.waiters--
	if t.tokenOut && t.waiters == 0 {
		<-t.lead // every waiter that could have taken it has left
		t.tokenOut = false
		t.freeLocked()
	}
}

// readFor reads, as holder of the read role, until the reply arrives in ch,
// ctx ends or deadline (zero: none) passes, then passes the role on.
// Either end interrupts a wait for the next message; a message already
// begun is read whole.
func (t *wsTransport) readFor(ctx context.Context, deadline time.Time, ch <-chan *Message) (*Message, error) {
	stop := func() bool { return false }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, t.interrupt)
	}
	if !deadline.IsZero() {
		// One timer serves every holder in turn: each call's deadline is
		// later than the last one's, so this only moves it later. A fire
		// meant for an earlier holder is a harmless spurious interrupt.
		t.deadlineTimer.Reset(time.Until(deadline))
	}
	for {
		select {
		case m := <-ch:
			stop()
			t.release()
			return m, nil
		default:
		}
		err := ctx.Err()
		if err == nil && !deadline.IsZero() && !time.Now().Before(deadline) {
			err = context.DeadlineExceeded
		}
		if err != nil {
			stop()
			t.release()
			return nil, err
		}
		if err := t.readOne(); err != nil && !errors.Is(err, errInterrupted) {
			stop()
			t.fail(err)
			select {
			case m := <-ch:
				return m, nil
			default:
			}
			return nil, t.errOrClosed()
		}
	}
}

// release passes the read role on: to a waiting caller, else (after
// idleHandover) to the reader goroutine.
func (t *wsTransport) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.waiters > 0 {
		t.handToWaiterLocked()
		return
	}
	t.freeLocked()
}

// handToWaiterLocked puts the read role in lead for one of the waiters.
func (t *wsTransport) handToWaiterLocked() {
	t.tokenOut = true
	t.lead <- struct{}{} // never blocks: there is one role
}

// freeLocked frees the read role; the reader goroutine takes it after
// idleHandover unless a caller takes it first.
func (t *wsTransport) freeLocked() {
	t.reading = false
	t.handover.Reset(idleHandover)
}

// interrupt cuts short the holder's wait for the next message, if it is
// waiting; the holder then looks again at who should read.
func (t *wsTransport) interrupt() {
	t.mu.Lock()
	t.interruptLocked()
	t.mu.Unlock()
}

func (t *wsTransport) interruptLocked() {
	if t.boundary && !t.interrupted {
		t.interrupted = true
		_ = t.conn.SetReadDeadline(aLongTimeAgo)
	}
}

// readOne waits for the next message and delivers it. Only the holder of
// the read role calls it. The wait for the first byte may be interrupted
// (errInterrupted, nothing consumed); once a message has begun it is read
// whole, within midMessageTimeout. Other errors mean the connection is
// unusable.
//
// The read deadline is in the past only while an interrupt is pending, and
// otherwise midMessageTimeout after the first byte of the last message (or
// none before any): a holder that waits longer than that at a boundary
// gets errInterrupted and simply waits again.
func (t *wsTransport) readOne() error {
	t.mu.Lock()
	t.boundary = true
	t.mu.Unlock()
	_, err := t.br.Peek(1)
	var ne net.Error
	timeout := err != nil && errors.As(err, &ne) && ne.Timeout()
	t.mu.Lock()
	t.boundary = false
	wasInterrupted := t.interrupted
	t.interrupted = false
	if timeout || wasInterrupted || (err == nil && time.Until(t.readBy) < midMessageTimeout/2) {
		// Clear an interrupt's (or a quiet spell's) past deadline; keep
		// the rest of a message bounded without moving the deadline on
		// every message.
		t.readBy = time.Now().Add(midMessageTimeout)
		_ = t.conn.SetReadDeadline(t.readBy)
	}
	t.mu.Unlock()
	if err != nil {
		if timeout || wasInterrupted {
			return errInterrupted
		}
		return fmt.Errorf("%w: %v", ErrConnectionLost, err)
	}
	b, err := t.readMessage()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConnectionLost, err)
	}
	if b == nil {
		return nil // a control frame
	}
	msgs, err := decodeMessages(b)
	if err != nil {
		t.log.Warn("janus: dropping undecodable message", "err", err)
		return nil
	}
	for _, m := range msgs {
		t.deliver(m)
	}
	return nil
}

// readMessage reads one frame and, for a data frame, the rest of its
// message: the payload, or nil after a control frame (answered: a ping
// with a pong; a close is an error).
func (t *wsTransport) readMessage() ([]byte, error) {
	hdr, err := t.rd.NextFrame()
	if err != nil {
		return nil, err
	}
	if hdr.OpCode.IsControl() {
		err := wsutil.ControlFrameHandler(&t.ctl, ws.StateClientSide)(hdr, &t.rd)
		t.flushControl()
		if err != nil {
			return nil, err
		}
		return nil, nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(hdr.Length, wsBufferSize)))
	_, err = buf.ReadFrom(&t.rd)
	t.flushControl()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// flushControl writes the replies to control frames read so far.
func (t *wsTransport) flushControl() {
	if t.ctl.Len() == 0 {
		return
	}
	t.writeMu.Lock()
	_ = t.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = t.conn.Write(t.ctl.Bytes())
	t.writeMu.Unlock()
	t.ctl.Reset()
}

// fail records the first failure and marks the transport done.
func (t *wsTransport) fail(err error) {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	select {
	case <-t.doneCh:
		return
	default:
	}
	t.failure = err
	close(t.doneCh)
}

func (t *wsTransport) send(ctx context.Context, deadline time.Time, req *request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("janus: encode %s: %w", req.Janus, err)
	}
	select {
	case <-t.doneCh:
		return t.errOrClosed()
	default:
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	if deadline.IsZero() {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = t.conn.SetWriteDeadline(deadline)
	err = wsutil.WriteClientMessage(t.bw, ws.OpText, b)
	if err == nil {
		err = t.bw.Flush()
	}
	if err != nil {
		t.fail(fmt.Errorf("%w: %v", ErrConnectionLost, err))
		return t.errOrClosed()
	}
	return nil
}

func (t *wsTransport) watch(uint64)   {}
func (t *wsTransport) unwatch(uint64) {}

func (t *wsTransport) done() <-chan struct{} { return t.doneCh }

func (t *wsTransport) err() error {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.failure
}

// errOrClosed is the failure, or ErrClosed after close.
func (t *wsTransport) errOrClosed() error {
	if err := t.err(); err != nil {
		return err
	}
	return ErrClosed
}

func (t *wsTransport) close() error {
	t.closeMu.Do(func() {
		t.writeMu.Lock()
		_ = t.conn.SetWriteDeadline(time.Now().Add(time.Second))
		body := ws.NewCloseFrameBody(ws.StatusNormalClosure, "")
		_ = ws.WriteFrame(t.conn, ws.MaskFrameInPlace(ws.NewCloseFrame(body)))
		t.writeMu.Unlock()
		t.errMu.Lock()
		select {
		case <-t.doneCh:
		default:
			close(t.doneCh)
		}
		t.errMu.Unlock()
		t.handover.Stop()
		t.deadlineTimer.Stop()
		_ = t.conn.Close()
		<-t.readDone
	})
	return nil
}
