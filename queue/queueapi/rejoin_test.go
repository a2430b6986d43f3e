package queueapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
)

func TestAPIRejoinAndHangUp(t *testing.T) {
	a := newAPIEnv(t)
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", queueBody, &q, 201)
	if q.Timeouts.RejoinGrace == nil || *q.Timeouts.RejoinGrace != queue.Seconds(30*time.Second) {
		t.Fatalf("rejoin_grace default %v, want 30", q.Timeouts.RejoinGrace)
	}
	a.mustDo("PUT", "/hosts/ann", "boss", "admin", map[string]any{"name": "Ann", "queues": []string{string(q.ID)}}, nil, 200)
	var j struct {
		Entry queueapi.EntryJSON `json:"entry"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"a"}}`, &j, 201)
	a.mustDo("PUT", "/hosts/me/availability", "ann", "host", `{"state":"available"}`, nil, 200)
	var acc struct {
		Call queueapi.CallJSON `json:"call"`
	}
	a.mustDo("POST", string("/entries/"+j.Entry.ID+"/accept"), "ann", "host", nil, &acc, 200)
	call, err := a.env.Engine.Store().GetCall(t.Context(), queue.CallID(acc.Call.ID))
	if err != nil {
		t.Fatal(err)
	}
	ev := func(kind queue.ProgressKind, feed uint64) {
		t.Helper()
		if err := a.env.Engine.CallProgress(t.Context(), queue.Progress{Kind: kind, Instance: call.Room.Instance, RoomID: call.Room.ID, FeedID: feed}); err != nil {
			t.Fatal(err)
		}
	}
	var callerCall queueapi.CallJSON
	a.mustDo("GET", string("/entries/"+j.Entry.ID+"/call"), "bob", "caller", nil, &callerCall, 200)
	ev(queue.ProgressJoined, callerCall.FeedID)
	ev(queue.ProgressWebRTCUp, callerCall.FeedID)
	ev(queue.ProgressLeaving, callerCall.FeedID) // the caller's page reloads

	var hostView queueapi.EntryJSON
	a.mustDo("GET", string("/entries/"+j.Entry.ID), "ann", "host", nil, &hostView, 200)
	want := a.env.Clock.Now().Add(30 * time.Second)
	if hostView.State != queue.EntryInCall || hostView.PeerAwayUntil == nil || !hostView.PeerAwayUntil.Equal(want) ||
		hostView.CallerAway == nil || hostView.HostAway != nil {
		t.Fatalf("host's view while the caller is away: %+v", hostView)
	}
	var callerView queueapi.EntryJSON
	a.mustDo("GET", string("/entries/"+j.Entry.ID), "bob", "caller", nil, &callerView, 200)
	if callerView.PeerAwayUntil != nil {
		t.Fatalf("caller's view: peer (host) away %v, want none", callerView.PeerAwayUntil)
	}
	hostWS, _, err := wsDial(t, a, "user=ann&role=host", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer hostWS.Close()
	readMsg(t, hostWS, "host", func(m map[string]any) bool {
		cur, _ := m["current"].(map[string]any)
		return cur != nil && cur["id"] == string(j.Entry.ID) && cur["peer_away_until"] == want.Format(time.RFC3339Nano)
	})
	callerWS, _, err := wsDial(t, a, string("user=bob&entry="+j.Entry.ID), "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer callerWS.Close()
	readMsg(t, callerWS, "entry", func(m map[string]any) bool {
		call, _ := m["call"].(map[string]any)
		return call != nil && call["peer_away_until"] == nil && m["entry"].(map[string]any)["caller_away_until"] != nil
	})
	var hostCall queueapi.CallJSON
	a.mustDo("GET", string("/entries/"+j.Entry.ID+"/call"), "ann", "host", nil, &hostCall, 200)
	if hostCall.PeerAwayUntil == nil || !hostCall.PeerAwayUntil.Equal(want) {
		t.Fatalf("host's call view: %+v", hostCall)
	}
	// After the reload: a fresh ticket for the same feed, and the call goes on.
	var again queueapi.CallJSON
	a.mustDo("GET", string("/entries/"+j.Entry.ID+"/call"), "bob", "caller", nil, &again, 200)
	if again.FeedID != callerCall.FeedID || again.ID != callerCall.ID || again.Ticket == "" {
		t.Fatalf("call after reload %+v, want the same call and feed as %+v", again, callerCall)
	}
	ev(queue.ProgressJoined, again.FeedID)
	raw := a.mustDo("GET", string("/entries/"+j.Entry.ID), "ann", "host", nil, nil, 200)
	if strings.Contains(raw, "away_until") {
		t.Fatalf("still away after the rejoin: %s", raw)
	}

	// Hang-up by the caller: at once; again is 409; strangers see 404.
	a.mustDo("POST", string("/entries/"+j.Entry.ID+"/complete"), "eve", "caller", nil, nil, 404)
	a.mustDo("POST", string("/entries/"+j.Entry.ID+"/complete"), "bob", "caller", nil, nil, 204)
	a.mustDo("POST", string("/entries/"+j.Entry.ID+"/complete"), "bob", "caller", nil, nil, 409)
	if en := a.entry(string(j.Entry.ID)); en.State != queue.EntryCompleted {
		t.Fatalf("after the caller's complete: %s", en.State)
	}

	// rejoin_grace round-trips and is validated.
	body := strings.Replace(strings.Replace(queueBody, `"grace":30}`, `"grace":30,"rejoin_grace":0}`, 1), `"slug":"it-help"`, `"slug":"no-rejoin"`, 1)
	var q0 queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", body, &q0, 201)
	if q0.Timeouts.RejoinGrace == nil || *q0.Timeouts.RejoinGrace != 0 {
		t.Fatalf("explicit 0 came back as %v", q0.Timeouts.RejoinGrace)
	}
	bad := strings.Replace(strings.Replace(queueBody, `"grace":30}`, `"grace":30,"rejoin_grace":-1}`, 1), `"slug":"it-help"`, `"slug":"bad"`, 1)
	a.mustDo("POST", "/queues", "boss", "admin", bad, nil, 400)
}
