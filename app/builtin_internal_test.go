package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/sfu"
	"github.com/frontdesk/frontdesk/webhookout"
)

// TestBuiltinTokens: a token verifies under the key that made it and only
// for its room; a token of another key, a changed field, or a made-up
// string does not.
func TestBuiltinTokens(t *testing.T) {
	n := newBuiltinNet("shared-secret-0123456789", "http://a:7089", nil)
	same := newBuiltinNet("shared-secret-0123456789", "http://b:7089", nil)
	other := newBuiltinNet("other-secret-0123456789", "http://a:7089", nil)
	tok := n.token(42, 7)
	tests := []struct {
		name  string
		tok   string
		room  uint64
		valid bool
	}{
		{"own token", tok, 42, true},
		{"made by another replica with the same secret", same.token(42, 7), 42, true},
		{"made with another secret", other.token(42, 7), 0, false},
		{"room changed", strings.Replace(tok, "42.", "43.", 1), 0, false},
		{"participant changed", strings.Replace(tok, ".7.", ".8.", 1), 0, false},
		{"mac cut", tok[:len(tok)-2], 0, false},
		{"no mac", "42.7", 0, false},
		{"empty", "", 0, false},
		{"not hex", "42.7.zz", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			room, ok := n.verify(tt.tok)
			if ok != tt.valid || room != tt.room {
				t.Fatalf("verify(%q) = %d, %v; want %d, %v", tt.tok, room, ok, tt.room, tt.valid)
			}
		})
	}
	if !n.local("") || !n.local("http://a:7089/") || n.local("http://b:7089") {
		t.Fatal("local() misjudges where a room lives")
	}
}

// fakeRooms records room operations; rooms it does not hold are gone.
type fakeRooms struct {
	held      map[uint64]bool
	destroyed []uint64
	kicked    [][2]uint64
}

func (f *fakeRooms) DestroyRoom(_ context.Context, id uint64) error {
	if !f.held[id] {
		return sfu.ErrNoSuchRoom
	}
	f.destroyed = append(f.destroyed, id)
	return nil
}

func (f *fakeRooms) Kick(_ context.Context, room, p uint64) error {
	if !f.held[room] {
		return sfu.ErrNoSuchRoom
	}
	f.kicked = append(f.kicked, [2]uint64{room, p})
	return nil
}

// TestBuiltinRoomOperations: the SFU listener performs a room operation
// only with a current signature over its method and path by the shared
// key, and the client treats a room already gone as done.
func TestBuiltinRoomOperations(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rooms := &fakeRooms{held: map[uint64]bool{5: true}}
	holder := newBuiltinNet("shared-secret-0123456789", "", nil)
	srv := httptest.NewServer(holder.handler(api, rooms))
	defer srv.Close()
	peer := newBuiltinNet("shared-secret-0123456789", "http://peer", nil)
	ctx := t.Context()

	if err := peer.kick(ctx, srv.URL, 5, 9); err != nil {
		t.Fatalf("kick: %v", err)
	}
	if err := peer.destroy(ctx, srv.URL, 5); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if err := peer.destroy(ctx, srv.URL, 6); err != nil {
		t.Fatalf("destroying a room already gone: %v", err)
	}
	if len(rooms.kicked) != 1 || rooms.kicked[0] != [2]uint64{5, 9} || len(rooms.destroyed) != 1 || rooms.destroyed[0] != 5 {
		t.Fatalf("kicked %v, destroyed %v", rooms.kicked, rooms.destroyed)
	}

	stale := newBuiltinNet("shared-secret-0123456789", "", nil)
	stale.now = func() time.Time { return time.Now().Add(-2 * controlSkew) }
	path := controlPrefix + "5/" + controlDestroy
	tests := []struct {
		name string
		sig  string
		path string
		want int
	}{
		{"no signature", "", path, http.StatusUnauthorized},
		{"another secret", newBuiltinNet("other-secret-0123456789", "", nil).signature(http.MethodPost, path), path, http.StatusUnauthorized},
		{"signed for another room", peer.signature(http.MethodPost, controlPrefix+"6/"+controlDestroy), path, http.StatusUnauthorized},
		{"too old", stale.signature(http.MethodPost, path), path, http.StatusUnauthorized},
		{"a Janus API request is not an operation", "", "/janus", http.StatusTeapot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tt.path, nil)
			if tt.sig != "" {
				req.Header.Set(webhookout.SignatureHeader, tt.sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("HTTP %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	if len(rooms.destroyed) != 1 {
		t.Fatalf("a refused request destroyed a room: %v", rooms.destroyed)
	}
	srv.Close()
	if err := peer.destroy(ctx, srv.URL, 5); err == nil {
		t.Fatal("destroy on a replica that is gone succeeded")
	}
}
