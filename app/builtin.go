package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/sfu"
	"github.com/frontdesk/frontdesk/webhookout"
)

// builtinNet lets the replicas of a cluster use each other's built-in
// SFUs. A room lives in the process that created it; its call record holds
// that replica's advertised URL (queue.Room.Addr, sfu.advertise_url). Any
// replica's /janus proxy then dials the holder's SFU listener with a token
// for one room and participant, and any replica destroys the room or
// kicks a participant with a signed request to the holder. Tokens and
// signatures come from one key every replica derives from the shared
// secret (sfu.secret, else cluster.secret); a single replica uses a random
// key and never leaves its process.
type builtinNet struct {
	key    []byte
	self   string // this replica's advertise URL; "" for a single replica
	client *http.Client
	now    func() time.Time
}

// Paths of the room operations on an SFU listener, under the advertised
// base URL: POST with a [webhookout.SignatureHeader] over "<method> <path>".
const (
	controlPrefix   = "/frontdesk/v1/rooms/"
	controlDestroy  = "destroy"
	controlKick     = "kick"
	controlSkew     = time.Minute // how far a signature's time may be from ours
	controlTimeout  = 5 * time.Second
	builtinTokenSep = "."
)

// Errors of the room operations between replicas.
var (
	// errBuiltinUnreachable: the replica holding the room did not answer.
	errBuiltinUnreachable = errors.New("app: the replica holding the built-in SFU room did not answer")
	// errBuiltinRefused: it answered with an unexpected status.
	errBuiltinRefused = errors.New("app: the replica holding the built-in SFU room refused the request")
)

// newBuiltinNet derives the key from secret ("" draws a random one, for a
// single replica) and remembers self, this replica's advertise URL.
func newBuiltinNet(secret string, self string, random []byte) *builtinNet {
	key := random
	if secret != "" {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("frontdesk built-in SFU v1"))
		key = m.Sum(nil)
	}
	return &builtinNet{key: key, self: strings.TrimSuffix(self, "/"), client: &http.Client{Timeout: controlTimeout}, now: time.Now}
}

// local reports whether a room whose call record holds addr lives in this
// process ("" is a room made by a single replica).
func (n *builtinNet) local(addr string) bool {
	return addr == "" || strings.TrimSuffix(addr, "/") == n.self
}

// token is participant's token for room on any replica's SFU:
// "<room>.<participant>.<hex HMAC-SHA256(key, room, participant)>".
func (n *builtinNet) token(room, participant uint64) string {
	return strconv.FormatUint(room, 10) + builtinTokenSep + strconv.FormatUint(participant, 10) +
		builtinTokenSep + hex.EncodeToString(n.tokenMAC(room, participant))
}

func (n *builtinNet) tokenMAC(room, participant uint64) []byte {
	m := hmac.New(sha256.New, n.key)
	var b [17]byte
	b[0] = 't'
	binary.BigEndian.PutUint64(b[1:9], room)
	binary.BigEndian.PutUint64(b[9:], participant)
	m.Write(b[:])
	return m.Sum(nil)
}

// verify returns the room a token made by token is for; ok is false for
// anything else.
func (n *builtinNet) verify(tok string) (room uint64, ok bool) {
	r, rest, ok1 := strings.Cut(tok, builtinTokenSep)
	p, mac, ok2 := strings.Cut(rest, builtinTokenSep)
	if !ok1 || !ok2 {
		return 0, false
	}
	room, err1 := strconv.ParseUint(r, 10, 64)
	part, err2 := strconv.ParseUint(p, 10, 64)
	got, err3 := hex.DecodeString(mac)
	if err1 != nil || err2 != nil || err3 != nil || !hmac.Equal(got, n.tokenMAC(room, part)) {
		return 0, false
	}
	return room, true
}

// tokenAuth is the SFU's token check (sfu.WithTokenAuth): a token made by
// token for a room that exists on srv.
func (n *builtinNet) tokenAuth(exists func(room uint64) bool) func(string) bool {
	return func(tok string) bool {
		room, ok := n.verify(tok)
		return ok && exists(room)
	}
}

// signature is the signature header of a room operation.
func (n *builtinNet) signature(method, path string) string {
	return webhookout.Sign(hex.EncodeToString(n.key), n.now(), []byte(method+" "+path))
}

// destroy destroys room on the replica at addr; a room already gone is
// fine. Errors wrap errBuiltinUnreachable or errBuiltinRefused.
func (n *builtinNet) destroy(ctx context.Context, addr string, room uint64) error {
	return n.call(ctx, addr, fmt.Sprintf("%s%d/%s", controlPrefix, room, controlDestroy))
}

// kick removes participant from room on the replica at addr (VideoRoom
// "kick"); a participant or room already gone is fine.
func (n *builtinNet) kick(ctx context.Context, addr string, room, participant uint64) error {
	return n.call(ctx, addr, fmt.Sprintf("%s%d/%s/%d", controlPrefix, room, controlKick, participant))
}

func (n *builtinNet) call(ctx context.Context, addr, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(addr, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errBuiltinRefused, err)
	}
	req.Header.Set(webhookout.SignatureHeader, n.signature(http.MethodPost, path))
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", errBuiltinUnreachable, err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusNotFound: // done, or already gone
		return nil
	}
	return fmt.Errorf("%w: HTTP %d", errBuiltinRefused, resp.StatusCode)
}

// roomOps is the part of the built-in SFU the room operations use.
type roomOps interface {
	DestroyRoom(ctx context.Context, id uint64) error
	Kick(ctx context.Context, room, participantID uint64) error
}

// handler serves the SFU listener: the room operations of the other
// replicas (signed; 401 otherwise; 204 done; 404 no such room or
// participant) under controlPrefix, and the SFU's Janus API (token auth)
// everywhere else.
func (n *builtinNet) handler(api http.Handler, ops roomOps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.HandleFunc("POST "+controlPrefix+"{room}/"+controlDestroy, func(w http.ResponseWriter, r *http.Request) {
		room, ok := n.authorized(w, r)
		if !ok {
			return
		}
		n.answer(w, ops.DestroyRoom(r.Context(), room))
	})
	mux.HandleFunc("POST "+controlPrefix+"{room}/"+controlKick+"/{participant}", func(w http.ResponseWriter, r *http.Request) {
		room, ok := n.authorized(w, r)
		if !ok {
			return
		}
		part, err := strconv.ParseUint(r.PathValue("participant"), 10, 64)
		if err != nil {
			http.Error(w, "participant is not a number", http.StatusBadRequest)
			return
		}
		n.answer(w, ops.Kick(r.Context(), room, part))
	})
	return mux
}

// authorized checks a room operation's signature and returns its room.
func (n *builtinNet) authorized(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	err := webhookout.Verify(hex.EncodeToString(n.key), r.Header.Get(webhookout.SignatureHeader),
		[]byte(r.Method+" "+r.URL.Path), n.now(), controlSkew)
	if err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return 0, false
	}
	room, err := strconv.ParseUint(r.PathValue("room"), 10, 64)
	if err != nil {
		http.Error(w, "room is not a number", http.StatusBadRequest)
		return 0, false
	}
	return room, true
}

func (n *builtinNet) answer(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, sfu.ErrNoSuchRoom), errors.Is(err, sfu.ErrNoSuchFeed):
		w.WriteHeader(http.StatusNotFound)
	default:
		http.Error(w, "room operation failed", http.StatusInternalServerError)
	}
}
