package sfu

import (
	"bufio"
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

// The benchmark's peers (one publisher, N subscribers) run in a child
// process (this test binary running TestPeerHelperProcess), so the CPU the
// benchmark measures is the forwarder's alone: this process for the SFU,
// the janus process for Janus.

// forwardRig is one publisher and n subscribers on a target.
type forwardRig struct {
	pub       *pubSession
	subs      []*subSession
	seq, aseq uint16
	ts        uint32
}

// benchVideoRate is the publisher's paced video rate, in packets/s.
const benchVideoRate = 1000

func setupRig(t testing.TB, tg target, n int, room uint64) *forwardRig {
	j := tg.client(t)
	api := tg.api(t)
	rig := &forwardRig{}
	rig.pub = &pubSession{sid: j.create()}
	rig.pub.hid = j.attach(rig.pub.sid)
	e := j.message(rig.pub.sid, rig.pub.hid, msg{"request": "join", "ptype": "publisher", "room": room, "display": "bench"}, nil)
	rig.pub.id = e.data().id("id")
	rig.pub.peer = newTestPublisher(t, api)
	e = j.message(rig.pub.sid, rig.pub.hid, msg{"request": "publish"}, rig.pub.peer.offer(t))
	rig.pub.peer.answer(t, jsepOf(t, e))
	j.wait(rig.pub.sid, func(m msg) bool { return m.str("janus") == "webrtcup" })
	for range n {
		ss := &subSession{sid: j.create()}
		ss.hid = j.attach(ss.sid)
		e := j.message(ss.sid, ss.hid, msg{"request": "join", "ptype": "subscriber", "room": room, "streams": []msg{{"feed": rig.pub.id}}}, nil)
		ss.peer = newTestSubscriber(t, api)
		ans := ss.peer.answer(t, jsepOf(t, e))
		j.message(ss.sid, ss.hid, msg{"request": "start"}, ans)
		j.wait(ss.sid, func(m msg) bool { return m.str("janus") == "webrtcup" })
		rig.subs = append(rig.subs, ss)
	}
	return rig
}

func (rig *forwardRig) delivered() uint64 {
	var t uint64
	for _, s := range rig.subs {
		t += uint64(s.peer.video.Load() + s.peer.audio.Load())
	}
	return t
}

// run publishes count video packets at benchVideoRate (and Opus every
// 20 packets) and returns the packets delivered to subscribers.
func (rig *forwardRig) run(count int) uint64 {
	before := rig.delivered()
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
	return rig.delivered() - before
}

// TestPeerHelperProcess is the benchmark's peer process: it does nothing
// unless started by BenchmarkSFUForward with SFU_BENCH_PEERS set. It reads
// "RUN <count>" lines on stdin and answers "DONE <delivered>".
func TestPeerHelperProcess(t *testing.T) {
	if os.Getenv("SFU_BENCH_PEERS") == "" {
		return
	}
	env := func(k string) string { return os.Getenv("SFU_BENCH_" + k) }
	n, _ := strconv.Atoi(env("N"))
	room, _ := strconv.ParseUint(env("ROOM"), 10, 64)
	loop := env("LOOPBACK") == "1"
	tg := target{
		dial:  func(t testing.TB) rawConn { return dialWS(t, env("URL")) },
		token: env("TOKEN"),
		api:   func(t testing.TB) *webrtc.API { return testAPI(t, loop, []string{env("IFACE")}, nil) },
	}
	rig := setupRig(t, tg, n, room)
	fmt.Println("READY")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) != 2 || f[0] != "RUN" {
			return
		}
		count, _ := strconv.Atoi(f[1])
		fmt.Println("DONE", rig.run(count))
	}
}

// peerProcess is a running TestPeerHelperProcess.
type peerProcess struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startPeers(b *testing.B, vars map[string]string) *peerProcess {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeerHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SFU_BENCH_PEERS=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, "SFU_BENCH_"+k+"="+v)
	}
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &peerProcess{cmd: cmd, in: in, out: bufio.NewScanner(outPipe)}
	b.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	for p.out.Scan() {
		if p.out.Text() == "READY" {
			return p
		}
	}
	b.Fatalf("peer process did not get ready: %v", p.out.Err())
	return nil
}

func (p *peerProcess) run(b *testing.B, count int) uint64 {
	fmt.Fprintf(p.in, "RUN %d\n", count)
	for p.out.Scan() {
		if f := strings.Fields(p.out.Text()); len(f) == 2 && f[0] == "DONE" {
			n, _ := strconv.ParseUint(f[1], 10, 64)
			return n
		}
	}
	b.Fatalf("peer process ended: %v", p.out.Err())
	return 0
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
// 1000 packets/s, audio 50/s; b.N is the number of video packets) to N
// subscribers through the built-in SFU and, when janustest can start one,
// through a real Janus in the same run. The peers run in a child process.
//
// Metrics: pkts/s is packets delivered to subscribers per wall second;
// pkts/cpu-s is delivered packets per CPU second of the forwarder (its
// per-core throughput); cpu-per-sub-us is forwarder CPU microseconds per
// wall second per subscriber; cpu-vs-janus is the SFU's CPU per delivered
// packet over Janus's (target <= 1.5).
func BenchmarkSFUForward(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, hs := newTestSFU(b, Config{}, WithLogger(quiet))

	var inst *janustest.Instance
	var token string
	if janustest.Available() == "" {
		inst = janustest.Start(b, janustest.Options{DebugLevel: 2})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		token = "bench-" + newTx()
		err := inst.Admin().AddToken(ctx, token, PluginName)
		cancel()
		if err != nil {
			b.Fatalf("add token: %v", err)
		}
	} else {
		b.Logf("no real Janus here (%s): cpu-vs-janus not reported", janustest.Available())
	}

	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			room, err := srv.CreateRoom(context.Background(), RoomConfig{})
			if err != nil {
				b.Fatal(err)
			}
			peers := startPeers(b, map[string]string{"URL": wsURLOf(hs.URL), "ROOM": fmt.Sprint(room), "N": fmt.Sprint(n), "IFACE": "lo", "LOOPBACK": "1"})
			var jpeers *peerProcess
			if inst != nil {
				j := newJanusT(b, dialWS(b, inst.WSURL), token)
				sid := j.create()
				hid := j.attach(sid)
				d := j.request(sid, hid, msg{"request": "create", "admin_key": inst.AdminKey})
				jpeers = startPeers(b, map[string]string{"URL": inst.WSURL, "TOKEN": token, "ROOM": fmt.Sprint(d.id("room")), "N": fmt.Sprint(n), "IFACE": inst.HostInterface})
			}
			dropped0 := srv.Stats().DroppedPackets
			b.ResetTimer()
			cpu0, start := processCPU(), time.Now()
			delivered := peers.run(b, b.N)
			wall, cpu := time.Since(start), processCPU()-cpu0
			b.StopTimer()
			b.ReportMetric(float64(delivered)/wall.Seconds(), "pkts/s")
			if cpu > 0 {
				b.ReportMetric(float64(delivered)/cpu.Seconds(), "pkts/cpu-s")
			}
			b.ReportMetric(float64(cpu.Microseconds())/wall.Seconds()/float64(n), "cpu-per-sub-us")
			b.ReportMetric(float64(srv.Stats().DroppedPackets-dropped0), "dropped")
			if jpeers != nil {
				j0 := netnsCPU(inst.Namespace)
				jstart := time.Now()
				jd := jpeers.run(b, b.N)
				jwall, jcpu := time.Since(jstart), netnsCPU(inst.Namespace)-j0
				b.ReportMetric(float64(jd)/jwall.Seconds(), "janus-pkts/s")
				if jcpu > 0 && jd > 0 && delivered > 0 {
					b.ReportMetric((cpu.Seconds()/float64(delivered))/(jcpu.Seconds()/float64(jd)), "cpu-vs-janus")
					b.ReportMetric(float64(jcpu.Microseconds())/jwall.Seconds()/float64(n), "janus-cpu-per-sub-us")
				}
			}
		})
	}
}
