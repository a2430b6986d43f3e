package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

const setupConfig = `
log:
  format: json
http:
  listen: "127.0.0.1:0"
`

// TestFirstAdminWhileServing follows the README's first minutes: the server
// starts with no admin and logs the setup page and code; `user add` against
// the running server's store explains what to do instead of only "locked";
// the code from the log makes the first admin in the browser; the next
// start logs no code.
func TestFirstAdminWhileServing(t *testing.T) {
	p := startServe(t, setupConfig)
	rec := p.logs.waitFor(t, setupLogMsg, 5*time.Second)
	code, _ := rec["code"].(string)
	if rec["url"] != p.base+"/setup" || len(code) != 14 || rec["level"] != "WARN" {
		t.Fatalf("setup log record %v, want url %s/setup and a code", rec, p.base)
	}

	// `user add` while the server holds the store.
	var out, errb bytes.Buffer
	environ := []string{"FRONTDESK_STORE_DATA_DIR=" + p.cmd.Dir}
	status := run(context.Background(), []string{"user", "add", "--email", "ada@example.com", "--role", "admin"},
		&env{stdin: strings.NewReader("a-long-enough-password\n"), stdout: &out, stderr: &errb, environ: environ})
	for _, want := range []string{"in use by a running Frontdesk server", "Stop the server", "/setup", "setup code"} {
		if status != exitError || !strings.Contains(errb.String(), want) {
			t.Fatalf("user add on a served store: status %d, stderr %q lacks %q", status, errb.String(), want)
		}
	}

	post := func(body map[string]string) (int, map[string]any) {
		js, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", p.base+"/api/v1/setup", bytes.NewReader(js))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", p.base)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	const password = "first-admin-password"
	if st, v := post(map[string]string{"code": "AAAA-AAAA-AAAA", "email": "ada@example.com", "password": password}); st != 403 || v["field"] != "code" {
		t.Fatalf("wrong code: %d %v", st, v)
	}
	if st, v := post(map[string]string{"code": code, "email": "ada@example.com", "password": password}); st != 201 {
		t.Fatalf("setup with the logged code: %d %v", st, v)
	}
	if st, v := post(map[string]string{"code": code, "email": "eve@example.com", "password": password}); st != 409 || v["reason"] != "setup_done" {
		t.Fatalf("second setup: %d %v", st, v)
	}
	if strings.Contains(p.logs.String(), password) {
		t.Fatal("the password reached the log")
	}

	// The same data directory, started again: an admin exists, no code.
	dir := p.cmd.Dir
	_ = p.cmd.Process.Kill()
	<-p.done
	p2 := startServeIn(t, setupConfig, dir)
	p2.logs.waitFor(t, "listening", 5*time.Second)
	time.Sleep(200 * time.Millisecond) // the setup line follows "listening" at once when it comes
	if strings.Contains(p2.logs.String(), setupLogMsg) {
		t.Fatalf("a server with an admin logged a setup code:\n%s", p2.logs)
	}
}

// TestBootstrapAdminSkipsSetup: with FRONTDESK_AUTH_BOOTSTRAP_ADMIN_* the
// first start makes that admin, who can sign in, and logs no setup code.
func TestBootstrapAdminSkipsSetup(t *testing.T) {
	const password = "bootstrap-admin-password"
	p := startServe(t, setupConfig, "FRONTDESK_AUTH_BOOTSTRAP_ADMIN_EMAIL=root@example.com",
		"FRONTDESK_AUTH_BOOTSTRAP_ADMIN_PASSWORD="+password)
	js, _ := json.Marshal(map[string]string{"email": "root@example.com", "password": password})
	req, _ := http.NewRequest("POST", p.base+"/api/v1/auth/login", bytes.NewReader(js))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", p.base)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("bootstrap admin login: %d", resp.StatusCode)
	}
	resp, err = http.Get(p.base + "/api/v1/setup")
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Needed bool }
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Needed || strings.Contains(p.logs.String(), setupLogMsg) {
		t.Fatalf("setup still offered next to a bootstrap admin (needed %v):\n%s", st.Needed, p.logs)
	}
}

func TestSetupURL(t *testing.T) {
	tests := []struct {
		name, public, addr, want string
	}{
		{"loopback", "", "127.0.0.1:8080", "http://127.0.0.1:8080/setup"},
		{"any IPv4", "", "0.0.0.0:8080", "http://localhost:8080/setup"},
		{"any IPv6", "", "[::]:9000", "http://localhost:9000/setup"},
		{"no host", "", ":8080", "http://localhost:8080/setup"},
		{"public URL wins", "https://desk.example.com/", "0.0.0.0:8080", "https://desk.example.com/setup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := setupURL(tc.public, tc.addr); got != tc.want {
				t.Fatalf("setupURL(%q, %q) = %q, want %q", tc.public, tc.addr, got, tc.want)
			}
		})
	}
}
