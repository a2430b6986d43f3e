package janus_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
)

// BenchmarkClientRoundTrip measures a keepalive round trip through the
// client and the same round trip over a bare WebSocket to the same real
// Janus, interleaved in chunks so drift affects both alike. It reports
// client-us, raw-us (median-free means per op) and client-vs-raw (their
// ratio; target <= 1.15).
//
// It also measures handoff-us: the bare round trip when a reader goroutine
// owns the connection and hands each reply over a channel, the design a
// client on gorilla/websocket needs (gorilla cannot resume a read cut by a
// deadline, so the reading goroutine cannot give the read role to the
// caller between messages, as the client does on gobwas/ws);
// handoff-vs-raw is what that design would cost.
func BenchmarkClientRoundTrip(b *testing.B) {
	inst := janustest.Start(b, janustest.Options{})
	ctx := context.Background()
	tok := "bench-token"
	if err := inst.Admin().AddToken(ctx, tok, videoroom.Plugin); err != nil {
		b.Fatal(err)
	}
	c, err := janus.Dial(ctx, inst.WSURL, janus.WithToken(tok), janus.WithKeepAlive(0))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s, err := c.CreateSession(ctx)
	if err != nil {
		b.Fatal(err)
	}

	d := websocket.Dialer{Subprotocols: []string{janus.Subprotocol}}
	raw, _, err := d.Dial(inst.WSURL, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	rawRT := func(msg string) map[string]any {
		if err := raw.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			b.Fatal(err)
		}
		_, reply, err := raw.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(reply, &m)
		return m
	}
	created := rawRT(`{"janus":"create","transaction":"c","token":"` + tok + `"}`)
	rawSession := strconv.FormatUint(uint64(created["data"].(map[string]any)["id"].(float64)), 10)

	// The hand-off reference: a second bare connection read by its own
	// goroutine.
	ho, _, err := d.Dial(inst.WSURL, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ho.Close()
	replies := make(chan []byte, 1)
	go func() {
		defer close(replies)
		for {
			_, m, err := ho.ReadMessage()
			if err != nil {
				return
			}
			replies <- m
		}
	}()
	hoRT := func(msg string) map[string]any {
		if err := ho.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			b.Fatal(err)
		}
		reply, ok := <-replies
		if !ok {
			b.Fatal("hand-off connection closed")
		}
		var m map[string]any
		_ = json.Unmarshal(reply, &m)
		return m
	}
	hoCreated := hoRT(`{"janus":"create","transaction":"c","token":"` + tok + `"}`)
	hoSession := strconv.FormatUint(uint64(hoCreated["data"].(map[string]any)["id"].(float64)), 10)

	const chunk = 50
	var clientTime, rawTime, hoTime time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := s.KeepAlive(ctx); err != nil {
				b.Fatal(err)
			}
		}
		clientTime += time.Since(start)
		start = time.Now()
		for i := 0; i < n; i++ {
			m := rawRT(`{"janus":"keepalive","session_id":` + rawSession + `,"transaction":"k` + strconv.Itoa(done+i) + `","token":"` + tok + `"}`)
			if m["janus"] != "ack" {
				b.Fatalf("raw keepalive: %v", m)
			}
		}
		rawTime += time.Since(start)
		start = time.Now()
		for i := 0; i < n; i++ {
			m := hoRT(`{"janus":"keepalive","session_id":` + hoSession + `,"transaction":"h` + strconv.Itoa(done+i) + `","token":"` + tok + `"}`)
			if m["janus"] != "ack" {
				b.Fatalf("hand-off keepalive: %v", m)
			}
		}
		hoTime += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(clientTime.Microseconds())/float64(b.N), "client-us")
	b.ReportMetric(float64(rawTime.Microseconds())/float64(b.N), "raw-us")
	b.ReportMetric(float64(clientTime)/float64(rawTime), "client-vs-raw")
	b.ReportMetric(float64(hoTime.Microseconds())/float64(b.N), "handoff-us")
	b.ReportMetric(float64(hoTime)/float64(rawTime), "handoff-vs-raw")
}
