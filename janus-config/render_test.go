package janusconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	dir := t.TempDir()
	p := Params{
		ServerName: "janus-a", BindIP: "10.77.1.2", HTTPPort: 18088, WSPort: 18188, AdminPort: 17088,
		AdminSecret: `s3cr"et\x`, AdminKey: "key-1",
		EventsURL: "http://10.77.1.1:9999/janus/events", EventsUser: "evh", EventsPassword: "pw",
	}
	cfg, err := Render(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != filepath.Join(dir, "janus.jcfg") {
		t.Fatalf("config path %q", cfg)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	checks := []struct{ file, want string }{
		{"janus.jcfg", `admin_secret = "s3cr\"et\\x"`},
		{"janus.jcfg", "token_auth = true"},
		{"janus.jcfg", `server_name = "janus-a"`},
		{"janus.jcfg", "broadcast = true"},
		{"janus.jcfg", `configs_folder = "` + dir + `"`},
		{"janus.transport.http.jcfg", "port = 18088"},
		{"janus.transport.http.jcfg", "admin_port = 17088"},
		{"janus.transport.http.jcfg", `admin_ip = "10.77.1.2"`},
		{"janus.transport.websockets.jcfg", "ws_port = 18188"},
		{"janus.plugin.videoroom.jcfg", `admin_key = "key-1"`},
		{"janus.eventhandler.sampleevh.jcfg", `backend = "http://10.77.1.1:9999/janus/events"`},
		{"janus.eventhandler.sampleevh.jcfg", "enabled = true"},
		{"janus.eventhandler.sampleevh.jcfg", "grouping = true"},
		{"janus.eventhandler.sampleevh.jcfg", `backend_pwd = "pw"`},
		// Without Params.SIP the SIP plugin stays disabled.
		{"janus.jcfg", "libjanus_sip.so"},
	}
	for _, c := range checks {
		if !strings.Contains(read(c.file), c.want) {
			t.Errorf("%s lacks %q:\n%s", c.file, c.want, read(c.file))
		}
	}
	st, err := os.Stat(filepath.Join(dir, "janus.jcfg"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("janus.jcfg mode = %v, %v; want 0600", st.Mode(), err)
	}
}

// TestRenderSIP checks janus.plugin.sip.jcfg and that Params.SIP takes
// libjanus_sip.so out of plugins.disable (and only it).
func TestRenderSIP(t *testing.T) {
	base := Params{ServerName: "j", AdminSecret: "a", AdminKey: "k"}
	tests := []struct {
		name    string
		edit    func(*Params)
		file    string
		want    []string // lines (trimmed) that must be present
		notWant []string // substrings that must be absent
	}{
		{name: "disabled by default", file: "janus.jcfg",
			want: []string{`disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"`}},
		{name: "enabled", edit: func(p *Params) { p.SIP = true }, file: "janus.jcfg",
			want:    []string{`disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"`},
			notWant: []string{"libjanus_sip.so"}},
		{name: "defaults", edit: func(p *Params) { p.SIP = true }, file: "janus.plugin.sip.jcfg",
			want: []string{`rtp_port_range = "10000-19999"`, "register_ttl = 3600", `user_agent = "Frontdesk"`,
				"behind_nat = false", "events = true"},
			notWant: []string{"local_ip", "sdp_ip"}},
		{name: "local ip is also the sdp ip", edit: func(p *Params) { p.SIP = true; p.SIPLocalIP = "10.77.3.2" }, file: "janus.plugin.sip.jcfg",
			want: []string{`local_ip = "10.77.3.2"`, `sdp_ip = "10.77.3.2"`}},
		{name: "every field", file: "janus.plugin.sip.jcfg", edit: func(p *Params) {
			p.SIP, p.SIPLocalIP, p.SIPSDPIP = true, "10.0.0.2", "203.0.113.7"
			p.SIPRTPPortRange, p.SIPRegisterTTL, p.SIPUserAgent = "30000-30100", 120, `Front"desk`
		}, want: []string{`local_ip = "10.0.0.2"`, `sdp_ip = "203.0.113.7"`, `rtp_port_range = "30000-30100"`,
			"register_ttl = 120", `user_agent = "Front\"desk"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			if tc.edit != nil {
				tc.edit(&p)
			}
			dir := t.TempDir()
			if _, err := Render(dir, p); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(string(b), "\n") {
				lines[strings.TrimSpace(l)] = true
			}
			for _, w := range tc.want {
				if !lines[w] {
					t.Errorf("%s lacks the line %q:\n%s", tc.file, w, b)
				}
			}
			for _, nw := range tc.notWant {
				if strings.Contains(string(b), nw) {
					t.Errorf("%s contains %q:\n%s", tc.file, nw, b)
				}
			}
		})
	}
}

func TestRenderNoEvents(t *testing.T) {
	dir := t.TempDir()
	if _, err := Render(dir, Params{ServerName: "j", AdminSecret: "a", AdminKey: "k"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "janus.eventhandler.sampleevh.jcfg"))
	if !strings.Contains(string(b), "enabled = false") {
		t.Fatalf("event handler enabled without a URL:\n%s", b)
	}
}

func TestValidate(t *testing.T) {
	ok := Params{ServerName: "j", AdminSecret: "a", AdminKey: "k"}
	tests := []struct {
		name  string
		edit  func(*Params)
		field string
	}{
		{"no server name", func(p *Params) { p.ServerName = "" }, "ServerName"},
		{"no admin secret", func(p *Params) { p.AdminSecret = "" }, "AdminSecret"},
		{"no admin key", func(p *Params) { p.AdminKey = "" }, "AdminKey"},
		{"events without creds", func(p *Params) { p.EventsURL = "http://x" }, "EventsUser"},
		{"bad port", func(p *Params) { p.HTTPPort = 70000 }, "HTTPPort"},
		{"bad range", func(p *Params) { p.RTPPortRange = "30000-20000" }, "RTPPortRange"},
		{"bad debug", func(p *Params) { p.DebugLevel = 9 }, "DebugLevel"},
		{"sip: bad local ip", func(p *Params) { p.SIP = true; p.SIPLocalIP = "janus.local" }, "SIPLocalIP"},
		{"sip: bad sdp ip", func(p *Params) { p.SIP = true; p.SIPSDPIP = "1.2.3" }, "SIPSDPIP"},
		{"sip: bad range", func(p *Params) { p.SIP = true; p.SIPRTPPortRange = "10000" }, "SIPRTPPortRange"},
		{"sip: negative ttl", func(p *Params) { p.SIP = true; p.SIPRegisterTTL = -1 }, "SIPRegisterTTL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := Render(t.TempDir(), p)
			if !errors.Is(err, ErrInvalidParams) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want ErrInvalidParams naming %s", err, tc.field)
			}
		})
	}
	p := ok
	p.AdminSecret = "a\nb = 1"
	if _, err := Render(t.TempDir(), p); !errors.Is(err, ErrInvalidParams) {
		t.Fatalf("newline in a secret must be refused, got %v", err)
	}
}
