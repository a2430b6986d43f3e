package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/config"
)

// envOf returns a getenv over m.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// secretFile writes a Docker-secret-like file (with the trailing newline
// an editor adds) and returns its path.
func secretFile(t *testing.T, value string) string {
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderJanus(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	env := map[string]string{
		"JANUS_SERVER_NAME":          "janus-1",
		"JANUS_ADMIN_SECRET_FILE":    secretFile(t, "adm-secret-1"),
		"JANUS_ADMIN_KEY":            "adm-key-1",
		"JANUS_RTP_PORT_RANGE":       "20000-20099",
		"JANUS_NAT_1_1_MAPPING":      "203.0.113.7",
		"JANUS_TURN_SERVER":          "coturn",
		"TURN_SHARED_SECRET_FILE":    secretFile(t, "turn-shared"),
		"JANUS_TURN_TTL":             "48h",
		"JANUS_EVENTS_URL":           "http://frontdesk:8080/janus/events",
		"JANUS_EVENTS_USER":          "janus",
		"JANUS_EVENTS_PASSWORD_FILE": secretFile(t, "evh-pass"),
	}
	dir := filepath.Join(t.TempDir(), "conf")
	cfgPath, err := renderJanus(dir, envOf(env), now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	jcfg := string(b)
	user := strconv.FormatInt(now.Add(48*time.Hour).Unix(), 10) + ":janus-1"
	mac := hmac.New(sha1.New, []byte("turn-shared"))
	mac.Write([]byte(user))
	pwd := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, want := range []string{`admin_secret = "adm-secret-1"`, `rtp_port_range = "20000-20099"`, `nat_1_1_mapping = "203.0.113.7"`,
		`turn_server = "coturn"`, `turn_port = 3478`, `turn_user = "` + user + `"`, `turn_pwd = "` + pwd + `"`, "broadcast = true"} {
		if !strings.Contains(jcfg, want) {
			t.Errorf("janus.jcfg lacks %s:\n%s", want, jcfg)
		}
	}
	if strings.Contains(jcfg, "turn-shared") {
		t.Error("the TURN shared secret itself reached Janus's config")
	}
	evh, _ := os.ReadFile(filepath.Join(dir, "janus.eventhandler.sampleevh.jcfg"))
	if !strings.Contains(string(evh), `backend_pwd = "evh-pass"`) || !strings.Contains(string(evh), `backend = "http://frontdesk:8080/janus/events"`) {
		t.Errorf("sampleevh config:\n%s", evh)
	}
	vr, _ := os.ReadFile(filepath.Join(dir, "janus.plugin.videoroom.jcfg"))
	if !strings.Contains(string(vr), `admin_key = "adm-key-1"`) {
		t.Errorf("videoroom config:\n%s", vr)
	}
	if !strings.Contains(jcfg, "libjanus_sip.so") {
		t.Errorf("the SIP plugin is loaded without JANUS_SIP")
	}
	sipEnv := maps.Clone(env)
	sipEnv["JANUS_SIP"], sipEnv["JANUS_SIP_LOCAL_IP"] = "true", "10.0.0.2"
	sipDir := filepath.Join(t.TempDir(), "sip")
	sipCfg, err := renderJanus(sipDir, envOf(sipEnv), now)
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := os.ReadFile(sipCfg)
	sip, _ := os.ReadFile(filepath.Join(sipDir, "janus.plugin.sip.jcfg"))
	if strings.Contains(string(sb), "libjanus_sip.so") || !strings.Contains(string(sip), `local_ip = "10.0.0.2"`) {
		t.Errorf("JANUS_SIP=true: janus.jcfg disables it or janus.plugin.sip.jcfg lacks local_ip:\n%s", sip)
	}
	if fi, err := os.Stat(cfgPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("janus.jcfg mode %v, %v; want 0600", fi.Mode(), err)
	}

	bad := []struct {
		name   string
		change func(m map[string]string)
		want   string
	}{
		{"no admin secret", func(m map[string]string) { delete(m, "JANUS_ADMIN_SECRET_FILE") }, "AdminSecret"},
		{"unreadable secret file", func(m map[string]string) { m["JANUS_ADMIN_KEY_FILE"] = "/nonexistent/key" }, "JANUS_ADMIN_KEY"},
		{"turn without secret", func(m map[string]string) { delete(m, "TURN_SHARED_SECRET_FILE") }, "TURN_SHARED_SECRET"},
		{"bad ttl", func(m map[string]string) { m["JANUS_TURN_TTL"] = "soon" }, "JANUS_TURN_TTL"},
		{"bad port", func(m map[string]string) { m["JANUS_TURN_PORT"] = "x" }, "JANUS_TURN_PORT"},
		{"bad sip switch", func(m map[string]string) { m["JANUS_SIP"] = "yes" }, "JANUS_SIP"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range env {
				m[k] = v
			}
			tt.change(m)
			_, err := renderJanus(filepath.Join(t.TempDir(), "c"), envOf(m), now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want it to name %s", err, tt.want)
			}
		})
	}
}

// TestRenderFrontdesk renders the file and loads it with package config,
// exactly as the frontdesk container does: strict decoding and validation
// accept it, and the secrets arrive intact.
func TestRenderFrontdesk(t *testing.T) {
	env := map[string]string{
		"JANUS_INSTANCES":         "janus-1, janus-2",
		"JANUS_ADMIN_SECRET_FILE": secretFile(t, `adm"secret\with:odd chars`),
		"JANUS_ADMIN_KEY_FILE":    secretFile(t, "adm-key"),
		"EVENTS_PASSWORD_FILE":    secretFile(t, "evh-pass"),
		"TURN_SHARED_SECRET_FILE": secretFile(t, "turn-shared"),
		"MONGODB_URI":             "mongodb://mongo:27017/?replicaSet=rs0",
	}
	path := filepath.Join(t.TempDir(), "run", "frontdesk.yaml")
	if err := renderFrontdesk(path, envOf(env)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	cfg, err := config.Load(&config.Flags{ConfigPath: path}, []string{
		"FRONTDESK_STORE_DRIVER=mongodb",
		"FRONTDESK_TURN_URLS=turn:turn.example.com:3478?transport=udp",
	})
	if err != nil {
		t.Fatalf("config rejected the rendered file: %v", err)
	}
	if n := len(cfg.Janus.Instances); n != 2 {
		t.Fatalf("%d instances, want 2", n)
	}
	in := cfg.Janus.Instances[1]
	if in.Name != "janus-2" || in.WSURL != "ws://janus-2:8188/" || in.AdminURL != "http://janus-2:7088/admin" ||
		in.AdminSecret.Reveal() != `adm"secret\with:odd chars` || in.AdminKey.Reveal() != "adm-key" {
		t.Errorf("instance %+v", in)
	}
	if in.EventsUser != "janus-2" || in.EventsPassword.Reveal() != instanceEventsPassword("evh-pass", "janus-2") ||
		cfg.Events.User != "" || cfg.Events.Password != "" {
		t.Errorf("events credentials: instance %q, shared %q (want the instance's own only)", in.EventsUser, cfg.Events.User)
	}
	if cfg.TURN.SharedSecret.Reveal() != "turn-shared" ||
		cfg.Store.MongoDB.URI.Reveal() != env["MONGODB_URI"] || cfg.Store.MongoDB.Database != "frontdesk" {
		t.Errorf("secrets not carried over: %s", cfg.Redacted())
	}

	t.Run("instances without secrets", func(t *testing.T) {
		err := renderFrontdesk(filepath.Join(t.TempDir(), "f"), envOf(map[string]string{"JANUS_INSTANCES": "janus-1"}))
		if err == nil || !strings.Contains(err.Error(), "JANUS_ADMIN_SECRET") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	if err := run([]string{"probe", srv.URL + "/healthz"}, envOf(nil), io.Discard); err != nil {
		t.Fatalf("healthy: %v", err)
	}
	if err := run([]string{"probe", srv.URL + "/readyz"}, envOf(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unhealthy: %v", err)
	}
	if err := run([]string{"probe"}, envOf(nil), io.Discard); !errors.Is(err, errUsage) {
		t.Fatalf("no URL: %v", err)
	}
}

// TestEventsCredentialsPerInstance: from the one EVENTS_PASSWORD secret,
// each Janus's event handler gets its own credentials, and Frontdesk's
// rendered file lists exactly those as that instance's, so a post made
// with janus-1's credentials can only carry janus-1's events.
func TestEventsCredentialsPerInstance(t *testing.T) {
	master := secretFile(t, "evh-master")
	path := filepath.Join(t.TempDir(), "frontdesk.yaml")
	if err := renderFrontdesk(path, envOf(map[string]string{"JANUS_INSTANCES": "janus-1,janus-2",
		"JANUS_ADMIN_SECRET": "s", "JANUS_ADMIN_KEY": "k", "EVENTS_PASSWORD_FILE": master})); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(&config.Flags{ConfigPath: path}, nil)
	if err != nil {
		t.Fatalf("config rejected the rendered file: %v", err)
	}
	seen := map[string]bool{}
	for _, in := range cfg.Janus.Instances {
		dir := filepath.Join(t.TempDir(), "conf")
		if _, err := renderJanus(dir, envOf(map[string]string{"JANUS_SERVER_NAME": in.Name, "JANUS_ADMIN_SECRET": "s",
			"JANUS_ADMIN_KEY": "k", "JANUS_EVENTS_URL": "http://frontdesk:8080/janus/events", "EVENTS_PASSWORD_FILE": master}), time.Now()); err != nil {
			t.Fatal(err)
		}
		evh, _ := os.ReadFile(filepath.Join(dir, "janus.eventhandler.sampleevh.jcfg"))
		for _, want := range []string{`backend_user = "` + in.EventsUser + `"`, `backend_pwd = "` + in.EventsPassword.Reveal() + `"`} {
			if in.EventsUser != in.Name || in.EventsPassword == "" || !strings.Contains(string(evh), want) {
				t.Errorf("%s: Frontdesk expects user %q; sampleevh config lacks %s:\n%s", in.Name, in.EventsUser, want, evh)
			}
		}
		if strings.Contains(string(evh), "evh-master") || seen[in.EventsPassword.Reveal()] {
			t.Errorf("%s: the master secret or another instance's password reached its config", in.Name)
		}
		seen[in.EventsPassword.Reveal()] = true
	}
	if len(seen) != 2 {
		t.Fatalf("%d instances with events credentials, want 2", len(seen))
	}
}
