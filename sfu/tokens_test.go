package sfu

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStoredTokens: with stored tokens on, nothing but info and ping works
// without a token added for an existing room; the token dies with its room.
func TestStoredTokens(t *testing.T) {
	s, hs := newTestSFU(t, Config{}, WithStoredTokens())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	room, err := s.CreateRoom(ctx, RoomConfig{Description: "call c1", IsPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddToken(ctx, room+1, "tok-x"); !errors.Is(err, ErrNoSuchRoom) {
		t.Fatalf("token for an unknown room: %v, want ErrNoSuchRoom", err)
	}
	h := dialHTTP(hs.URL+"/janus", "")
	for _, tok := range []string{"", "tok-unknown"} {
		r, err := h.send(ctx, msg{"janus": "create", "token": tok})
		if err != nil {
			t.Fatal(err)
		}
		wantCoreError(t, r, 403)
	}
	if err := s.AddToken(ctx, room, "tok-1"); err != nil {
		t.Fatal(err)
	}
	j := newJanusT(t, h, "tok-1")
	sid := j.create()
	hid := j.attach(sid)
	if data := j.request(sid, hid, msg{"request": "exists", "room": room}); data["exists"] != true {
		t.Fatalf("exists with a stored token: %v", data)
	}
	if err := s.DestroyRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	r, err := h.send(ctx, msg{"janus": "keepalive", "session_id": sid, "token": "tok-1"})
	if err != nil {
		t.Fatal(err)
	}
	wantCoreError(t, r, 403)

	// Without WithStoredTokens there is nothing to add to.
	plain, _ := newTestSFU(t, Config{})
	if err := plain.AddToken(ctx, room, "tok-1"); !errors.Is(err, ErrNoTokenAuth) {
		t.Fatalf("AddToken without stored tokens: %v", err)
	}
}
