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
