package sfu

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// forwardRig is one publisher and n subscribers on a target, reused across
// the b.N ramp of a sub-benchmark.
type forwardRig struct {
	pub       *pubSession
	subs      []*subSession
	forwarded func() uint64 // packets delivered to subscribers so far
	extraCPU  func() time.Duration
	seq, aseq uint16
	ts        uint32
}

// benchVideoRate is the publisher's paced video rate, in packets/s.
const benchVideoRate = 1000

func setupRig(b *testing.B, tg target, n int, room uint64) *forwardRig {
	j := tg.client(b)
	api := tg.api(b)
	rig := &forwardRig{}
	rig.pub = &pubSession{sid: j.create()}
	rig.pub.hid = j.attach(rig.pub.sid)
	e := j.message(rig.pub.sid, rig.pub.hid, msg{"request": "join", "ptype": "publisher", "room": room, "display": "bench"}, nil)
	rig.pub.id = e.data().id("id")
	rig.pub.peer = newTestPublisher(b, api)
	e = j.message(rig.pub.sid, rig.pub.hid, msg{"request": "publish"}, rig.pub.peer.offer(b))
	rig.pub.peer.answer(b, jsepOf(b, e))
	j.wait(rig.pub.sid, func(m msg) bool { return m.str("janus") == "webrtcup" })
	for range n {
		ss := &subSession{sid: j.create()}
		ss.hid = j.attach(ss.sid)
		e := j.message(ss.sid, ss.hid, msg{"request": "join", "ptype": "subscriber", "room": room, "streams": []msg{{"feed": rig.pub.id}}}, nil)
		ss.peer = newTestSubscriber(b, api)
		ans := ss.peer.answer(b, jsepOf(b, e))
		j.message(ss.sid, ss.hid, msg{"request": "start"}, ans)
		j.wait(ss.sid, func(m msg) bool { return m.str("janus") == "webrtcup" })
		rig.subs = append(rig.subs, ss)
	}
	rig.forwarded = func() uint64 {
		var t uint64
		for _, s := range rig.subs {
			t += uint64(s.peer.video.Load() + s.peer.audio.Load())
		}
		return t
	}
	return rig
}

// run publishes count video packets at benchVideoRate (and Opus every
// 20 ms) and returns packets delivered, wall time and CPU time used.
func (rig *forwardRig) run(count int) (delivered uint64, wall, cpu time.Duration) {
	before := rig.forwarded()
	cpu0 := processCPU() + rig.extraCPU()
	start := time.Now()
	p := rig.pub.peer
	tick := time.NewTicker(time.Second / benchVideoRate)
	defer tick.Stop()
	for i := range count {
		<-tick.C
		rig.seq++
		rig.ts += 90
		_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: rig.seq, Timestamp: rig.ts, Marker: i%10 == 9}, Payload: vp8Key})
		if i%20 == 0 {
			rig.aseq++
			_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: rig.aseq, Timestamp: rig.ts * 48 / 90}, Payload: []byte{0xf8, 0xff, 0xfe}})
		}
	}
	time.Sleep(100 * time.Millisecond) // let queues drain
	wall = time.Since(start)
	cpu = processCPU() + rig.extraCPU() - cpu0
	return rig.forwarded() - before, wall, cpu
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// netnsCPU sums user+system time of the processes in a network namespace
// (the real Janus of janustest), from /proc/<pid>/stat.
func netnsCPU(ns string) time.Duration {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, pid := range strings.Fields(string(out)) {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(u+st) * 10 * time.Millisecond // USER_HZ 100
	}
	return total
}

// BenchmarkSFUForward publishes one audio+video feed (video paced at
// 1000 packets/s, audio 50/s) to N subscribers through the built-in SFU
// and, when janustest can start one, through a real Janus in the same run.
//
// Metrics: pkts/s is packets delivered to subscribers per wall second;
// pkts/cpu-s is delivered packets per CPU second (per-core throughput);
// cpu-per-sub-us is CPU microseconds per wall second per subscriber. CPU
// is the whole test process (SFU plus the in-process Pion peers, which
// encrypt and decrypt every packet), so it overstates the SFU's own cost.
// cpu-vs-janus is (this process CPU with the SFU) / (this process CPU with
// Janus + Janus's CPU): the same peers, only the forwarder differs.
func BenchmarkSFUForward(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, hs := newTestSFU(b, Config{}, WithLogger(quiet))
	sfu := target{name: "sfu", dial: func(t testing.TB) rawConn { return dialWS(t, wsURLOf(hs.URL)) }, api: func(t testing.TB) *webrtc.API { return testAPI(t, true, []string{"lo"}, nil) }}

	var janus *target
	var janusNS string
	if janustest.Available() == "" {
		inst := janustest.Start(b, janustest.Options{DebugLevel: 2})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		token := "bench-" + newTx()
		err := inst.Admin().AddToken(ctx, token, PluginName)
		cancel()
		if err != nil {
			b.Fatalf("add token: %v", err)
		}
		janusNS = inst.Namespace
		janus = &target{name: "janus", dial: func(t testing.TB) rawConn { return dialWS(t, inst.WSURL) }, token: token, adminKey: inst.AdminKey,
			api: func(t testing.TB) *webrtc.API { return testAPI(t, false, []string{inst.HostInterface}, nil) }}
	} else {
		b.Logf("no real Janus here (%s): cpu-vs-janus not reported", janustest.Available())
	}

	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			room, err := srv.CreateRoom(context.Background(), RoomConfig{})
			if err != nil {
				b.Fatal(err)
			}
			rig := setupRig(b, sfu, n, room)
			rig.extraCPU = func() time.Duration { return 0 }
			var jrig *forwardRig
			if janus != nil {
				j := janus.client(b)
				sid := j.create()
				hid := j.attach(sid)
				d := j.request(sid, hid, msg{"request": "create", "admin_key": janus.adminKey, "publishers": 3})
				jrig = setupRig(b, *janus, n, d.id("room"))
				jrig.extraCPU = func() time.Duration { return netnsCPU(janusNS) }
			}
			dropped0 := srv.Stats().DroppedPackets
			b.ResetTimer()
			delivered, wall, cpu := rig.run(b.N)
			b.StopTimer()
			b.ReportMetric(float64(delivered)/wall.Seconds(), "pkts/s")
			if cpu > 0 {
				b.ReportMetric(float64(delivered)/cpu.Seconds(), "pkts/cpu-s")
			}
			b.ReportMetric(float64(cpu.Microseconds())/wall.Seconds()/float64(n), "cpu-per-sub-us")
			b.ReportMetric(float64(srv.Stats().DroppedPackets-dropped0), "dropped")
			if jrig != nil {
				jd, jwall, jcpu := jrig.run(b.N)
				if jcpu > 0 {
					// normalise by delivered packets so a forwarder that drops is not favoured
					sfuPer := cpu.Seconds() / float64(max(delivered, 1))
					janusPer := jcpu.Seconds() / float64(max(jd, 1))
					b.ReportMetric(sfuPer/janusPer, "cpu-vs-janus")
					b.ReportMetric(float64(jd)/jwall.Seconds(), "janus-pkts/s")
				}
			}
		})
	}
}
