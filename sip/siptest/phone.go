package siptest

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/janustest"
)

// AnswerMode is what a [Phone] does with an incoming call.
type AnswerMode int

const (
	// AnswerAuto answers at once (200 OK with a PCMU answer) after 180 Ringing.
	AnswerAuto AnswerMode = iota
	// AnswerNever rings (180 Ringing) and never answers: the call ends when
	// the caller CANCELs (caller gets 487 Request Terminated) or when the
	// registrar's NoAnswerTimeout passes (caller gets 408 Request Timeout).
	AnswerNever
)

// Side says who ended a call.
type Side string

const (
	// SideNone: the call has not ended.
	SideNone Side = ""
	// SidePhone: the phone hung up ([Phone.Hangup]).
	SidePhone Side = "phone"
	// SideRemote: the caller hung up (BYE or CANCEL) or the registrar
	// cancelled the call.
	SideRemote Side = "remote"
)

// PhoneOptions are the settings of [StartPhone].
type PhoneOptions struct {
	// User is the account's user part, e.g. "+15550001234"; it must be one
	// of the registrar's RegistrarOptions.Users. Required.
	User string
	// Answer is what the phone does with calls. Default AnswerAuto.
	Answer AnswerMode
	// ToneHz is the frequency of the sine tone the phone sends in calls
	// (PCMU, 8 kHz mono, half full scale, 60 s then silence). Default 440.
	ToneHz int
}

// Call is what a [Phone] saw of one incoming call (baresip's ctrl_tcp
// events: the call's first event, CALL_INCOMING or CALL_REMOTE_SDP, then
// CALL_ESTABLISHED, CALL_RTCP and CALL_CLOSED). Times are when the
// test process read the event, within a millisecond or so of baresip's.
type Call struct {
	// ID is baresip's call id (the SIP Call-ID).
	ID string
	// Peer is the caller's URI (From), e.g. "sip:host-1@10.78.4.2".
	Peer string
	// IncomingAt is when the INVITE arrived (the call's first event).
	IncomingAt time.Time
	// EstablishedAt is when the call was answered (CALL_ESTABLISHED); zero
	// if never.
	EstablishedAt time.Time
	// ClosedAt is when the call ended (CALL_CLOSED); zero while it lasts.
	ClosedAt time.Time
	// ClosedBy says who ended it ([SideNone] while it lasts).
	ClosedBy Side
	// CloseReason is baresip's text for the end, e.g. "Connection reset by
	// peer" after a BYE, or the phone's own "Rejected by user"-style text.
	CloseReason string
	// RTCPReceived is the count of RTP packets the phone has received in
	// the call, from baresip's latest CALL_RTCP event (rtcp_stats.rx.sent;
	// sent about once a second, so it lags up to a second).
	RTCPReceived int64
	// RTCPLost is the count of RTP packets lost (rtcp_stats.rx.lost).
	RTCPLost int64

	dump string // this call's sndfile dump of received audio
}

// Audio is what a phone received in a call, measured on the decoded audio
// that baresip's sndfile module writes ("dump-*-dec.wav": 8 kHz mono
// signed 16-bit, one write per decoded RTP packet).
type Audio struct {
	// Bytes is the decoded audio in bytes (2 per sample).
	Bytes int64
	// Packets is Bytes in 20 ms PCMU packets (320 decoded bytes each).
	Packets int64
	// RMS is the root mean square of the samples, 0..32767: near 0 for
	// silence, about 11600 for a half-scale sine.
	RMS float64
}

// Phone is a running baresip (Debian's baresip 1.0) in its own network
// namespace, registered at a [Registrar] as User with answer mode Answer,
// sending a tone from a WAV file (module aufile) and recording the audio
// it receives (module sndfile). The test drives and watches it through
// baresip's ctrl_tcp socket (JSON in netstrings): events for calls,
// commands such as "hangup".
type Phone struct {
	// Account is the phone's SIP account.
	Account Account
	// URI is what to call, "sip:User@registrar-IP".
	URI string
	// Namespace is the phone's network namespace.
	Namespace *janustest.Namespace
	// LogPath is baresip's log.
	LogPath string

	t       testing.TB
	proc    *process
	dumpDir string
	conn    net.Conn
	wg      sync.WaitGroup // the ctrl_tcp reader

	mu       sync.Mutex
	calls    []*Call
	events   []string        // every ctrl_tcp event, raw, for the failure log
	hangups  map[string]bool // call ids the phone was told to hang up
	pending  map[string]chan ctrlResponse
	changed  chan struct{} // closed and replaced on every state change
	readErr  error
	tokenSeq int
}

// ctrlResponse is ctrl_tcp's reply to a command.
type ctrlResponse struct {
	OK   bool   `json:"ok"`
	Data string `json:"data"`
}

// ctrlMessage is any ctrl_tcp message: a response or an event.
type ctrlMessage struct {
	Response  bool   `json:"response"`
	Event     bool   `json:"event"`
	OK        bool   `json:"ok"`
	Data      string `json:"data"`
	Token     string `json:"token"`
	Type      string `json:"type"`
	ID        string `json:"id"`
	PeerURI   string `json:"peeruri"`
	Param     string `json:"param"`
	Direction string `json:"direction"`
	// RTCP is set on CALL_RTCP events (once a second during a call):
	// rx.sent counts the RTP packets received, rx.lost those lost.
	RTCP *struct {
		Rx struct {
			Sent int64 `json:"sent"`
			Lost int64 `json:"lost"`
		} `json:"rx"`
	} `json:"rtcp_stats"`
}

// ansi matches the terminal colour codes in baresip's command output.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// ctrlPort is the ctrl_tcp port on the phone's IP.
const ctrlPort = 4444

// StartPhone starts baresip in a new network namespace, registers it at reg
// as opts.User and waits until the registration succeeded (ctrl_tcp
// "reginfo" shows OK). It stops in t.Cleanup (SIGTERM, so it unregisters),
// showing its log (password redacted) when the test failed.
func StartPhone(t testing.TB, reg *Registrar, opts PhoneOptions) *Phone {
	t.Helper()
	Require(t)
	acc := reg.Account(opts.User)
	if opts.ToneHz == 0 {
		opts.ToneHz = 440
	}
	ns := janustest.NewNamespace(t, nsPrefix, nsBase)
	dir := t.TempDir()
	p := &Phone{
		Account: acc, URI: reg.URI(acc.User), Namespace: ns,
		LogPath: filepath.Join(dir, "baresip.log"), t: t, dumpDir: filepath.Join(dir, "received"),
		hangups: map[string]bool{}, pending: map[string]chan ctrlResponse{}, changed: make(chan struct{}),
	}
	tone := filepath.Join(dir, "tone.wav")
	if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
		tone, "synth", "60", "sine", strconv.Itoa(opts.ToneHz), "vol", "0.5").CombinedOutput(); err != nil {
		t.Fatalf("siptest: sox: %v: %s", err, out)
	}
	conf := filepath.Join(dir, "baresip")
	for _, d := range []string{conf, p.dumpDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatalf("siptest: %v", err)
		}
	}
	answer := "auto"
	if opts.Answer == AnswerNever {
		answer = "manual"
	}
	// Module menu provides the ctrl_tcp commands (hangup, reginfo, ...);
	// aubridge is a player that plays nowhere; sndfile records the
	// decoded received audio.
	config := strings.Join([]string{
		"poll_method epoll",
		"sip_listen " + ns.IP + ":5060",
		"net_interface " + ns.Interface,
		"module_path /usr/lib/baresip/modules",
		"audio_source aufile," + tone,
		"audio_player aubridge,nil",
		"audio_alert aubridge,nil",
		"audio_srate 8000",
		"audio_channels 1",
		"rtp_ports 10000-10999",
		"module g711.so",
		"module aufile.so",
		"module aubridge.so",
		"module sndfile.so",
		"snd_path " + p.dumpDir,
		"module_tmp uuid.so",
		"module_tmp account.so",
		"module_app menu.so",
		"module_app ctrl_tcp.so",
		fmt.Sprintf("ctrl_tcp_listen %s:%d", ns.IP, ctrlPort),
		"",
	}, "\n")
	accounts := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;answermode=%s;audio_codecs=PCMU;regint=600\n",
		acc.User, acc.Domain, acc.Password, answer)
	for name, content := range map[string]string{"config": config, "accounts": accounts} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(content), 0o600); err != nil {
			t.Fatalf("siptest: %v", err)
		}
	}
	proc, err := startProcess(ns, p.LogPath, "baresip", "-f", conf)
	if err != nil {
		t.Fatal(err)
	}
	p.proc = proc
	t.Cleanup(func() {
		if p.conn != nil {
			_ = p.conn.Close()
		}
		p.wg.Wait()
		proc.stop()
		if t.Failed() {
			p.mu.Lock()
			evs := strings.Join(p.events, "\n")
			p.mu.Unlock()
			t.Logf("siptest: baresip %s log tail:\n%s\nctrl_tcp events:\n%s", acc.User, proc.logTail(40, acc.Password), redact(evs, acc.Password))
		}
	})
	if err := waitFor(10*time.Second, func() error {
		if !proc.running() {
			return errors.New("baresip exited")
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ns.IP, strconv.Itoa(ctrlPort)), time.Second)
		if err == nil {
			p.conn = c
		}
		return err
	}); err != nil {
		t.Fatalf("siptest: baresip ctrl_tcp: %v; log:\n%s", err, proc.logTail(40, acc.Password))
	}
	p.wg.Add(1)
	go p.read()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(10*time.Second, func() error {
		out, err := p.Command(ctx, "reginfo")
		if err == nil && !strings.Contains(ansi.ReplaceAllString(out, ""), " OK ") {
			err = fmt.Errorf("not registered: %q", out)
		}
		return err
	}); err != nil {
		t.Fatalf("siptest: phone %s did not register: %v; log:\n%s", acc.User, err, proc.logTail(40, acc.Password))
	}
	return p
}

// read is the ctrl_tcp reader goroutine; it ends when the connection is
// closed (in t.Cleanup) or baresip exits.
func (p *Phone) read() {
	defer p.wg.Done()
	br := bufio.NewReader(p.conn)
	for {
		b, err := readNetstring(br)
		if err != nil {
			p.mu.Lock()
			p.readErr = err
			for tok, ch := range p.pending {
				close(ch)
				delete(p.pending, tok)
			}
			p.notifyLocked()
			p.mu.Unlock()
			return
		}
		var m ctrlMessage
		if err := json.Unmarshal(b, &m); err != nil {
			continue
		}
		p.handle(m, b, time.Now())
	}
}

// readNetstring reads one netstring, "<len>:<bytes>,".
func readNetstring(br *bufio.Reader) ([]byte, error) {
	head, err := br.ReadString(':')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(head[:len(head)-1])
	if err != nil || n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("siptest: bad netstring length %q", head)
	}
	b := make([]byte, n+1)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, err
	}
	if b[n] != ',' {
		return nil, errors.New("siptest: netstring without ','")
	}
	return b[:n], nil
}

// handle applies one ctrl_tcp message.
func (p *Phone) handle(m ctrlMessage, raw []byte, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.notifyLocked()
	if m.Response {
		if ch, ok := p.pending[m.Token]; ok {
			ch <- ctrlResponse{OK: m.OK, Data: m.Data}
			delete(p.pending, m.Token)
		}
		return
	}
	if !m.Event {
		return
	}
	p.events = append(p.events, at.Format("15:04:05.000 ")+string(raw))
	if m.ID == "" || m.Direction != "incoming" {
		return
	}
	// The first event of a call is CALL_INCOMING, or with answermode=auto
	// (which answers before telling) CALL_REMOTE_SDP: either is the INVITE.
	c := p.callLocked(m.ID)
	if c == nil {
		c = &Call{ID: m.ID, Peer: m.PeerURI, IncomingAt: at}
		p.calls = append(p.calls, c)
	}
	switch m.Type {
	case "CALL_ESTABLISHED":
		c.EstablishedAt = at
		// sndfile has opened the call's dump by now (when the audio
		// stream started); names hold the time in seconds, so the call's
		// is the newest one no earlier call has.
		used := map[string]bool{}
		for _, o := range p.calls {
			used[o.dump] = true
		}
		for _, f := range p.dumps() {
			if !used[f] && f > c.dump {
				c.dump = f
			}
		}
	case "CALL_RTCP":
		if m.RTCP != nil {
			c.RTCPReceived, c.RTCPLost = m.RTCP.Rx.Sent, m.RTCP.Rx.Lost
		}
	case "CALL_CLOSED":
		c.ClosedAt, c.CloseReason, c.ClosedBy = at, m.Param, SideRemote
		if p.hangups[m.ID] {
			c.ClosedBy = SidePhone
		}
	}
}

func (p *Phone) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Phone) callLocked(id string) *Call {
	for i := len(p.calls) - 1; i >= 0; i-- {
		if p.calls[i].ID == id {
			return p.calls[i]
		}
	}
	return nil
}

// Command sends a ctrl_tcp command (a menu command such as "hangup",
// "reginfo", "listcalls", "callstat") and returns its output text. It fails
// with an error when baresip answers ok=false, the connection ends or ctx
// ends.
func (p *Phone) Command(ctx context.Context, command string) (string, error) {
	p.mu.Lock()
	if p.readErr != nil {
		p.mu.Unlock()
		return "", fmt.Errorf("siptest: ctrl_tcp: %w", p.readErr)
	}
	p.tokenSeq++
	tok := "t" + strconv.Itoa(p.tokenSeq)
	ch := make(chan ctrlResponse, 1)
	p.pending[tok] = ch
	p.mu.Unlock()
	b, _ := json.Marshal(map[string]string{"command": command, "token": tok})
	if _, err := fmt.Fprintf(p.conn, "%d:%s,", len(b), b); err != nil {
		return "", fmt.Errorf("siptest: ctrl_tcp %s: %w", command, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return "", fmt.Errorf("siptest: ctrl_tcp %s: connection closed", command)
		}
		if !r.OK {
			return r.Data, fmt.Errorf("siptest: ctrl_tcp %s: %s", command, strings.TrimSpace(r.Data))
		}
		return r.Data, nil
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.pending, tok)
		p.mu.Unlock()
		return "", fmt.Errorf("siptest: ctrl_tcp %s: %w", command, ctx.Err())
	}
}

// Hangup hangs up the phone's current call (ctrl_tcp "hangup": BYE when
// answered, a 486 Busy Here-style rejection while ringing); the call's
// ClosedBy becomes SidePhone.
func (p *Phone) Hangup(ctx context.Context) error {
	p.mu.Lock()
	if n := len(p.calls); n > 0 {
		p.hangups[p.calls[n-1].ID] = true
	}
	p.mu.Unlock()
	_, err := p.Command(ctx, "hangup")
	return err
}

// Calls returns a copy of every call the phone has seen, oldest first.
func (p *Phone) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Call, len(p.calls))
	for i, c := range p.calls {
		out[i] = *c
	}
	return out
}

// WaitCall waits until the phone's latest call that began at or after
// since satisfies cond, and returns it; it fails with ctx's error (wrapped)
// if that does not happen first.
func (p *Phone) WaitCall(ctx context.Context, since time.Time, cond func(Call) bool) (Call, error) {
	for {
		p.mu.Lock()
		ch := p.changed
		var last *Call
		if n := len(p.calls); n > 0 && !p.calls[n-1].IncomingAt.Before(since) {
			c := *p.calls[n-1]
			last = &c
		}
		p.mu.Unlock()
		if last != nil && cond(*last) {
			return *last, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if last != nil {
				return *last, fmt.Errorf("siptest: phone %s: call %+v: %w", p.Account.User, *last, ctx.Err())
			}
			return Call{}, fmt.Errorf("siptest: phone %s: no call since %s: %w", p.Account.User, since.Format(time.RFC3339Nano), ctx.Err())
		}
	}
}

// Received measures the audio the phone has received in call c (from
// Calls or WaitCall), so far.
func (p *Phone) Received(c Call) (Audio, error) {
	if c.dump == "" {
		return Audio{}, nil
	}
	b, err := os.ReadFile(c.dump)
	if err != nil {
		return Audio{}, fmt.Errorf("siptest: received audio: %w", err)
	}
	const wavHeader = 44 // RIFF/fmt/data header that libsndfile writes for PCM
	if len(b) <= wavHeader {
		return Audio{}, nil
	}
	pcm := b[wavHeader:]
	pcm = pcm[:len(pcm)&^1]
	var sum float64
	for i := 0; i < len(pcm); i += 2 {
		s := float64(int16(binary.LittleEndian.Uint16(pcm[i:])))
		sum += s * s
	}
	a := Audio{Bytes: int64(len(pcm)), Packets: int64(len(pcm)) / 320}
	if n := len(pcm) / 2; n > 0 {
		a.RMS = math.Sqrt(sum / float64(n))
	}
	return a, nil
}

// dumps returns the received-audio dump files ("dump-<yyyy-mm-dd-hh-mm-ss>-dec.wav").
func (p *Phone) dumps() []string {
	files, _ := filepath.Glob(filepath.Join(p.dumpDir, "dump-*-dec.wav"))
	return files
}

// LogTail returns the last n lines of baresip's log, password redacted.
func (p *Phone) LogTail(n int) string { return p.proc.logTail(n, p.Account.Password) }
