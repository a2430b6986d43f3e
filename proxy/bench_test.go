package proxy_test

import (
	"encoding/json"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/proxy"
)

// keepaliver does keepalive round trips on a raw Janus API WebSocket.
type keepaliver struct {
	b       *testing.B
	conn    *websocket.Conn
	session string
	token   string
	n       int
}

func newKeepaliver(b *testing.B, url string, h http.Header, token string) *keepaliver {
	d := websocket.Dialer{Subprotocols: []string{janus.Subprotocol}}
	conn, _, err := d.Dial(url, h)
	if err != nil {
		b.Fatal(err)
	}
	k := &keepaliver{b: b, conn: conn, token: token}
	m := k.rt(`{"janus":"create","transaction":"c","token":"` + token + `"}`)
	k.session = strconv.FormatUint(uint64(m["data"].(map[string]any)["id"].(float64)), 10)
	return k
}

func (k *keepaliver) rt(msg string) map[string]any {
	if err := k.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		k.b.Fatal(err)
	}
	_, reply, err := k.conn.ReadMessage()
	if err != nil {
		k.b.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(reply, &m)
	return m
}

// keepalive does one round trip and returns its latency.
func (k *keepaliver) keepalive() time.Duration {
	k.n++
	start := time.Now()
	m := k.rt(`{"janus":"keepalive","session_id":` + k.session + `,"transaction":"k` + strconv.Itoa(k.n) + `","token":"` + k.token + `"}`)
	d := time.Since(start)
	if m["janus"] != "ack" {
		k.b.Fatalf("keepalive: %v", m)
	}
	return d
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkProxyOverhead measures keepalive round trips through the proxy
// and directly to the same real Janus in the same run (interleaved in
// chunks), and reports p50-overhead-us and p99-overhead-us (proxied minus
// direct percentiles), latency-ratio (direct over proxied time on one
// sequential connection) and throughput-ratio (proxied over direct
// round trips per second with 8 connections at once).
// Targets: p50 <= 50 us, p99 <= 200 us, ratio >= 0.8.
func BenchmarkProxyOverhead(b *testing.B) {
	r := newRig(b, proxy.WithRateLimit(1e9, 1<<30), proxy.WithMaxConnsPerTicket(16))
	const room = 901
	r.room(b, room)
	raw, tk := r.ticket(b, room, 1, "bench")
	token := r.tokens[tk.Subject]
	direct := newKeepaliver(b, r.a.WSURL, nil, token)
	if inst, _ := r.pool.Lookup(room); inst.Name() != r.a.Name {
		direct = newKeepaliver(b, r.b.WSURL, nil, token)
	}
	proxied := newKeepaliver(b, r.wsURL(), http.Header{proxy.TicketHeader: {raw}}, "ignored-by-proxy")
	for i := 0; i < 200; i++ { // warm up both paths
		direct.keepalive()
		proxied.keepalive()
	}
	var dl, pl []time.Duration
	var dt, pt time.Duration
	const chunk = 50
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		for i := 0; i < n; i++ {
			d := direct.keepalive()
			dl, dt = append(dl, d), dt+d
		}
		for i := 0; i < n; i++ {
			d := proxied.keepalive()
			pl, pt = append(pl, d), pt+d
		}
	}
	b.StopTimer()
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(percentile(pl, 0.5)-percentile(dl, 0.5)), "p50-overhead-us")
	b.ReportMetric(us(percentile(pl, 0.99)-percentile(dl, 0.99)), "p99-overhead-us")
	b.ReportMetric(float64(dt)/float64(pt), "latency-ratio")
	b.ReportMetric(us(percentile(dl, 0.5)), "direct-p50-us")

	// Throughput: 8 connections doing keepalives at once, direct and then
	// proxied, b.N round trips each way in all.
	const conns = 8
	run := func(url string, h http.Header, token string) float64 {
		ks := make([]*keepaliver, conns)
		for i := range ks {
			ks[i] = newKeepaliver(b, url, h, token)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for _, k := range ks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < b.N/conns+1; i++ {
					k.keepalive()
				}
			}()
		}
		wg.Wait()
		return float64(conns*(b.N/conns+1)) / time.Since(start).Seconds()
	}
	directURL := r.a.WSURL
	if inst, _ := r.pool.Lookup(room); inst.Name() != r.a.Name {
		directURL = r.b.WSURL
	}
	directTP := run(directURL, nil, token)
	proxiedTP := run(r.wsURL(), http.Header{proxy.TicketHeader: {raw}}, "ignored-by-proxy")
	b.ReportMetric(proxiedTP/directTP, "throughput-ratio")
}

// BenchmarkProxyIdleConn measures the memory the proxy holds per idle
// proxied WebSocket (heap plus goroutine stacks), net of the client side,
// which is measured with the same number of direct connections. Reported
// as bytes/conn; target <= 64 KiB.
func BenchmarkProxyIdleConn(b *testing.B) {
	const n = 200
	r := newRig(b, proxy.WithMaxConnsPerTicket(n))
	const room = 902
	r.room(b, room)
	raw, tk := r.ticket(b, room, 1, "idle")
	inst, _ := r.pool.Lookup(room)
	directURL := r.a.WSURL
	if inst.Name() != r.a.Name {
		directURL = r.b.WSURL
	}
	measure := func(url string, h http.Header) float64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		conns := make([]*websocket.Conn, 0, n)
		d := websocket.Dialer{Subprotocols: []string{janus.Subprotocol}}
		for i := 0; i < n; i++ {
			c, resp, err := d.Dial(url, h)
			if err != nil {
				status := 0
				if resp != nil {
					status = resp.StatusCode
				}
				b.Fatalf("connection %d to %s: %v (HTTP %d)", i, url, err, status)
			}
			conns = append(conns, c)
		}
		time.Sleep(200 * time.Millisecond) // let the relays settle into their reads
		runtime.GC()
		runtime.ReadMemStats(&after)
		for _, c := range conns {
			c.Close()
		}
		for r.proxy.Connections() > 0 { // the relays wind down before the next round
			time.Sleep(10 * time.Millisecond)
		}
		return float64((after.HeapInuse+after.StackInuse)-(before.HeapInuse+before.StackInuse)) / n
	}
	var per float64
	for i := 0; i < b.N; i++ {
		clientOnly := measure(directURL, nil)
		withProxy := measure(r.wsURL(), http.Header{proxy.TicketHeader: {raw}})
		per = withProxy - clientOnly
	}
	_ = tk
	b.ReportMetric(per, "bytes/conn")
}
