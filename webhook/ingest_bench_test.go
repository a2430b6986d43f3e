package webhook

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/bus"
	"github.com/frontdesk/frontdesk/janus/events"
)

// batchTemplate is 20 events captured from a real Janus 1.1.2 (a publisher's
// life: handle, VideoRoom, JSEP-free WebRTC, media state and stats events),
// as a grouped array, split around each "timestamp" value so every posted
// batch can get fresh timestamps (and so pass the dedupe window).
type batchTemplate struct {
	parts [][]byte // len(parts) == events+1; timestamps go between parts
}

var tsRe = regexp.MustCompile(`"timestamp": ?[0-9]+`)

func loadBatchTemplate(tb testing.TB, n int) batchTemplate {
	tb.Helper()
	f, err := os.Open("../janus/events/testdata/captured-janus-1.1.2.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var picked [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(picked) < n {
		line := sc.Bytes()
		ev, err := events.Decode(line)
		if err != nil {
			tb.Fatal(err)
		}
		// Skip SDP-carrying JSEP events and transport noise: the mix is what
		// a busy room produces (plugin, handle, webrtc, media events).
		if ev.Type == events.TypeJSEP || ev.Type == events.TypeTransport {
			continue
		}
		picked = append(picked, bytes.Clone(line))
	}
	if len(picked) < n {
		tb.Fatalf("only %d usable events in the capture", len(picked))
	}
	body := append(append([]byte("["), bytes.Join(picked, []byte(","))...), ']')
	var t batchTemplate
	last := 0
	for _, loc := range tsRe.FindAllIndex(body, -1) {
		t.parts = append(t.parts, append(body[last:loc[0]:loc[0]], `"timestamp":`...))
		last = loc[1]
	}
	t.parts = append(t.parts, body[last:])
	if len(t.parts) != n+1 {
		tb.Fatalf("template has %d timestamps, want %d", len(t.parts)-1, n)
	}
	return t
}

// render writes the batch with timestamps base, base+1, ... into buf.
func (t batchTemplate) render(buf []byte, base int64) []byte {
	buf = buf[:0]
	for i, p := range t.parts {
		buf = append(buf, p...)
		if i < len(t.parts)-1 {
			buf = strconv.AppendInt(buf, base+int64(i), 10)
		}
	}
	return buf
}

// BenchmarkIngest posts batches of 20 realistic events over loopback HTTP
// (a real net/http server on 127.0.0.1) to the real handler publishing on a
// real bus with one draining subscriber, and reports throughput (events/s)
// and the 99th percentile of the client-observed acknowledgement time
// (p99-ack-ms). Each poster stands for one Janus instance: sampleevh posts
// from one thread and waits for each reply, so "janus=1" is one instance
// and "janus=4" four instances posting at once.
func BenchmarkIngest(b *testing.B) {
	for _, posters := range []int{1, 4} {
		b.Run("janus="+strconv.Itoa(posters), func(b *testing.B) { benchIngest(b, posters) })
	}
}

func benchIngest(b *testing.B, posters int) {
	const perBatch = 20
	tmpl := loadBatchTemplate(b, perBatch)

	evbus, err := bus.New()
	if err != nil {
		b.Fatal(err)
	}
	sub, err := evbus.Subscribe(bus.Filter{}, bus.WithBuffer(65536), bus.WithName("bench"))
	if err != nil {
		b.Fatal(err)
	}
	var consumed atomic.Int64
	var consumer sync.WaitGroup
	consumer.Go(func() {
		for range sub.C() {
			consumed.Add(1)
		}
	})
	h, err := New(Config{Username: testUser, Password: testPwd}, evbus)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer func() {
		srv.Close()
		evbus.Close()
		consumer.Wait()
	}()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: posters * 2, DisableCompression: true}}
	defer client.CloseIdleConnections()

	var seq atomic.Int64
	base := time.Now().UnixMicro()
	var mu sync.Mutex
	var lat []time.Duration

	var next atomic.Int64
	next.Store(int64(b.N))
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range posters {
		wg.Go(func() { poster(b, client, srv.URL, tmpl, base, &seq, &next, &mu, &lat) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p99 := lat[min(len(lat)-1, len(lat)*99/100)]
	b.ReportMetric(float64(len(lat)*perBatch)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ack-ms")
	if d := sub.Dropped(); d > 0 {
		b.Logf("bus subscriber dropped %d events", d)
	}
}

// poster is one Janus instance posting: it takes batches from next until none are left.
func poster(b *testing.B, client *http.Client, url string, tmpl batchTemplate, base int64, seq, next *atomic.Int64, mu *sync.Mutex, lat *[]time.Duration) {
	const perBatch = 20
	buf := make([]byte, 0, 16<<10)
	local := make([]time.Duration, 0, 1024)
	defer func() {
		mu.Lock()
		*lat = append(*lat, local...)
		mu.Unlock()
	}()
	for next.Add(-1) >= 0 {
		buf = tmpl.render(buf, base+seq.Add(perBatch))
		req, _ := http.NewRequest(http.MethodPost, url+DefaultPath, bytes.NewReader(buf))
		req.SetBasicAuth(testUser, testPwd)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		local = append(local, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			b.Errorf("status %d", resp.StatusCode)
			return
		}
	}
}

// BenchmarkServeHTTP measures the handler alone (no network): one goroutine
// serving batches of 20 captured events with fresh timestamps, publishing
// to a bus with one subscriber that is never read (so every event is also
// dropped and counted). It isolates the server-side cost per batch.
func BenchmarkServeHTTP(b *testing.B) {
	const perBatch = 20
	tmpl := loadBatchTemplate(b, perBatch)
	evbus, err := bus.New()
	if err != nil {
		b.Fatal(err)
	}
	defer evbus.Close()
	if _, err := evbus.Subscribe(bus.Filter{}, bus.WithBuffer(1)); err != nil {
		b.Fatal(err)
	}
	h, err := New(Config{Username: testUser, Password: testPwd}, evbus)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Now().UnixMicro()
	buf := make([]byte, 0, 16<<10)
	rd := bytes.NewReader(nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i++
		buf = tmpl.render(buf, base+i*perBatch)
		rd.Reset(buf)
		r := httptest.NewRequest(http.MethodPost, DefaultPath, rd)
		r.SetBasicAuth(testUser, testPwd)
		w.Body.Reset()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "events/s")
}
