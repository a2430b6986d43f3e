package mongotest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// FerretDB 1.24 (SQLite handler) runs findAndModify, update and $inc as
// "query, then write the new document by _id", with no isolation between
// the two steps, so two connections racing on one document can both match
// it and the second write wins (a lost $inc, a document claimed twice, a
// compare-and-set on Version that both sides win). MongoDB guarantees that
// a single-document write is atomic, and Frontdesk's MongoDB store relies
// on that. serializer restores it for tests: a loopback TCP proxy in front
// of FerretDB that runs one write command at a time across all connections
// (it holds one lock from forwarding a write until its reply has been
// forwarded). Reads (find, count, aggregate, ...) are not locked: MongoDB
// does not isolate a read from concurrent writes to other documents either,
// and a single SQLite statement never exposes half a document. The proxy
// makes the embedded server slower, never less correct.

// maxMessage bounds a wire message (MongoDB's maxMessageSizeBytes is 48 MB).
const maxMessage = 48 << 20

// moreToCome is OP_MSG flag bit 1: the sender will not wait for a reply (on
// a request) or more replies follow (on a reply).
const moreToCome = 1 << 1

// opMsg is the OP_MSG opcode (MongoDB wire protocol).
const opMsg = 2013

// serializer forwards connections from its listener to backend.
type serializer struct {
	ln      net.Listener
	backend string
	cmd     sync.Mutex // held while one command is in flight

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// startSerializer listens on a loopback port and forwards to backend.
func startSerializer(backend string) (*serializer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mongotest: serializer listen: %w", err)
	}
	s := &serializer{ln: ln, backend: backend, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the address clients connect to.
func (s *serializer) Addr() string { return s.ln.Addr().String() }

// Close stops accepting, closes every connection and waits for the
// goroutines to end.
func (s *serializer) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *serializer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *serializer) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	_ = c.Close()
}

func (s *serializer) accept() {
	defer s.wg.Done()
	for {
		client, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			s.conns = nil // refuse late tracking after Close
			s.mu.Unlock()
			return
		}
		server, err := net.Dial("tcp", s.backend)
		if err != nil {
			_ = client.Close()
			continue
		}
		if !s.track(client) || !s.track(server) {
			_ = client.Close()
			_ = server.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(client)
			defer s.untrack(server)
			s.relay(client, server)
		}()
	}
}

// relay forwards requests from client to server and their replies back,
// one command at a time across all connections.
func (s *serializer) relay(client, server net.Conn) {
	for {
		req, err := readMessage(client)
		if err != nil {
			return
		}
		if err := s.roundTrip(req, client, server); err != nil {
			return
		}
	}
}

func (s *serializer) roundTrip(req []byte, client, server net.Conn) error {
	if !readOnly[commandName(req)] {
		s.cmd.Lock()
		defer s.cmd.Unlock()
	}
	if _, err := server.Write(req); err != nil {
		return err
	}
	if flagMoreToCome(req) {
		return nil // fire-and-forget request: no reply
	}
	for {
		resp, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err := client.Write(resp); err != nil {
			return err
		}
		if !flagMoreToCome(resp) {
			return nil
		}
	}
}

// readMessage reads one wire message: a little-endian int32 total length
// (including itself) followed by the rest of the message.
func readMessage(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(hdr[:]))
	if n < 16 || n > maxMessage {
		return nil, errors.New("mongotest: bad wire message length")
	}
	msg := make([]byte, n)
	copy(msg, hdr[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// flagMoreToCome reports whether msg is an OP_MSG with the moreToCome bit.
// Header: length, requestID, responseTo, opCode (int32 each), then for
// OP_MSG a uint32 flagBits.
func flagMoreToCome(msg []byte) bool {
	if len(msg) < 20 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return false
	}
	return binary.LittleEndian.Uint32(msg[16:20])&moreToCome != 0
}

// readOnly lists the commands that run without the write lock. Anything
// else (insert, update, delete, findAndModify, createIndexes, drop, and any
// command this list does not know) is serialized.
var readOnly = map[string]bool{
	"find": true, "getMore": true, "count": true, "aggregate": true, "distinct": true,
	"listIndexes": true, "listCollections": true, "listDatabases": true, "killCursors": true,
	"hello": true, "isMaster": true, "ismaster": true, "ping": true, "buildInfo": true,
	"buildinfo": true, "endSessions": true,
}

// commandName returns the name of an OP_MSG command: the first key of the
// body (kind 0) section, which follows the 16-byte header, the 4-byte flag
// bits, the section kind byte and the document's 4-byte length, and starts
// with its BSON type byte. It returns "" for anything else.
func commandName(msg []byte) string {
	const start = 16 + 4 + 1 + 4 + 1
	if len(msg) <= start || binary.LittleEndian.Uint32(msg[12:16]) != opMsg || msg[20] != 0 {
		return ""
	}
	end := bytes.IndexByte(msg[start:], 0)
	if end < 0 {
		return ""
	}
	return string(msg[start : start+end])
}
