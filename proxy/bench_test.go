package proxy_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
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

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// tcpRelay is the cheapest relay there is: io.Copy both ways between a
// loopback listener and one backend address, no WebSocket framing and no
// policy. BenchmarkProxyOverhead runs it against the same Janus in the same
// run as a reference for what any relay costs on the machine at hand.
type tcpRelay struct {
	ln      net.Listener
	backend string
	wg      sync.WaitGroup // the accept loop and every copy loop
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
}

// startTCPRelay relays to backend ("host:port") until the benchmark ends
// and returns the relay's address.
func startTCPRelay(tb testing.TB, backend string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &tcpRelay{ln: ln, backend: backend, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.accept()
	tb.Cleanup(func() {
		_ = ln.Close()
		r.mu.Lock()
		for c := range r.conns {
			_ = c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return ln.Addr().String()
}

func (r *tcpRelay) track(c net.Conn) {
	r.mu.Lock()
	r.conns[c] = struct{}{}
	r.mu.Unlock()
}

func (r *tcpRelay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		bk, err := net.Dial("tcp", r.backend)
		if err != nil {
			_ = c.Close()
			continue
		}
		r.track(c)
		r.track(bk)
		r.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer r.wg.Done()
			_, _ = io.Copy(dst, src)
			_ = dst.Close() // ends the other direction too
			_ = src.Close()
		}
		go pipe(bk, c)
		go pipe(c, bk)
	}
}

// path is one way to reach Janus in BenchmarkProxyOverhead.
type path struct {
	url    string
	header http.Header
	token  string
}

// BenchmarkProxyOverhead measures keepalive round trips through the proxy
// and directly to the same real Janus in the same run. A bare TCP relay
// (tcpRelay) to the same Janus runs alongside as the machine's reference:
// what a relay with no work at all costs here.
//
// Latency: one sequential connection per path, interleaved in chunks of
// 50 round trips. Reported: p50-overhead-us and p99-overhead-us (proxied
// minus direct percentiles), latency-ratio (direct over proxied time),
// direct-p50-us, and tcp-relay-p50-overhead-us.
//
// Throughput: 8 connections per path doing keepalives at once, in five
// interleaved rounds (direct, TCP relay, proxy) of max(b.N/5, 4000) round
// trips per path, so that the machine's drift hits every path alike. Reported: throughput-ratio (median over
// rounds of proxied over direct round trips per second),
// tcp-relay-throughput-ratio (the same for the bare relay) and
// direct-rt/s (median direct round trips per second).
//
// Targets: p50 <= 50 us, p99 <= 200 us, throughput-ratio >= 0.8.
func BenchmarkProxyOverhead(b *testing.B) {
	r := newRig(b, proxy.WithRateLimit(1e9, 1<<30), proxy.WithMaxConnsPerParticipant(16))
	const room = 901
	r.room(b, room)
	raw, tk := r.ticket(b, room, 1, "bench")
	token := r.tokens[tk.Subject]
	directURL := r.a.WSURL
	if inst, _ := r.pool.Lookup(room); inst.Name() != r.a.Name {
		directURL = r.b.WSURL
	}
	u, err := url.Parse(directURL)
	if err != nil {
		b.Fatal(err)
	}
	relayURL := "ws://" + startTCPRelay(b, u.Host) + u.Path
	direct := path{url: directURL, token: token}
	relay := path{url: relayURL, token: token}
	proxied := path{url: r.wsURL(), header: http.Header{proxy.TicketHeader: {raw}}, token: "ignored-by-proxy"}
	paths := []path{direct, relay, proxied}

	ks := make([]*keepaliver, len(paths))
	for i, p := range paths {
		ks[i] = newKeepaliver(b, p.url, p.header, p.token)
	}
	for i := 0; i < 200; i++ { // warm up every path
		for _, k := range ks {
			k.keepalive()
		}
	}
	lat := make([][]time.Duration, len(paths))
	total := make([]time.Duration, len(paths))
	const chunk = 50
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		for i, k := range ks {
			for j := 0; j < n; j++ {
				d := k.keepalive()
				lat[i], total[i] = append(lat[i], d), total[i]+d
			}
		}
	}
	b.StopTimer()
	for _, k := range ks {
		_ = k.conn.Close()
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	over := func(i int, p float64) float64 { return us(percentile(lat[i], p) - percentile(lat[0], p)) }
	b.ReportMetric(over(2, 0.5), "p50-overhead-us")
	b.ReportMetric(over(2, 0.99), "p99-overhead-us")
	b.ReportMetric(over(1, 0.5), "tcp-relay-p50-overhead-us")
	b.ReportMetric(float64(total[0])/float64(total[2]), "latency-ratio")
	b.ReportMetric(us(percentile(lat[0], 0.5)), "direct-p50-us")

	// A round is at least 4,000 round trips (a few hundred ms here):
	// shorter bursts measure the scheduler's luck more than the relay.
	const conns, rounds = 8, 5
	perRound := max(b.N/rounds, 4000)
	run := func(p path) float64 {
		ks := make([]*keepaliver, conns)
		for i := range ks {
			ks[i] = newKeepaliver(b, p.url, p.header, p.token)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for _, k := range ks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perRound/conns; i++ {
					k.keepalive()
				}
			}()
		}
		wg.Wait()
		rate := float64(conns*(perRound/conns)) / time.Since(start).Seconds()
		for _, k := range ks {
			_ = k.conn.Close()
		}
		return rate
	}
	var directTP, relayRatio, proxyRatio []float64
	for i := 0; i < rounds; i++ {
		d := run(direct)
		directTP = append(directTP, d)
		relayRatio = append(relayRatio, run(relay)/d)
		proxyRatio = append(proxyRatio, run(proxied)/d)
		for r.proxy.Connections() > 0 { // the proxy's connections for this ticket wind down
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.ReportMetric(median(proxyRatio), "throughput-ratio")
	b.ReportMetric(median(relayRatio), "tcp-relay-throughput-ratio")
	b.ReportMetric(median(directTP), "direct-rt/s")
}

// BenchmarkProxyIdleConn measures the memory the proxy holds per idle
// proxied WebSocket (heap plus goroutine stacks), net of the client side,
// which is measured with the same number of direct connections. Reported
// as bytes/conn; target <= 64 KiB.
func BenchmarkProxyIdleConn(b *testing.B) {
	const n = 200
	r := newRig(b, proxy.WithMaxConnsPerParticipant(n))
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
