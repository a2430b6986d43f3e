package auth_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
)

// TestSecretsNeverLogged drives every credential path with a debug-level
// JSON logger and checks no secret appears in the log or the audit records.
func TestSecretsNeverLogged(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef-signing-key")
	keys, err := auth.NewKeyRing("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	ev := newEnvKeys(t, keys)
	ctx := t.Context()
	const pw = "Sup3r-Secret-Passw0rd"
	const wrongPW = "Wr0ng-Secret-Passw0rd"
	var secrets []string
	add := func(s ...string) { secrets = append(secrets, s...) }
	add(pw, wrongPW, string(key), base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key))

	c := ev.client()
	wantCode(t, "signup", c.do("POST", "/api/v1/auth/signup", map[string]string{"email": "a@example.com", "password": pw}), 201)
	wantCode(t, "bad login", c.do("POST", "/api/v1/auth/login", map[string]string{"email": "a@example.com", "password": wrongPW}), 401)
	wantCode(t, "unknown login", c.do("POST", "/api/v1/auth/login", map[string]string{"email": "b@example.com", "password": wrongPW}), 401)
	c.login("a@example.com", pw)
	add(c.cookies[auth.SessionCookieName], c.csrf)

	r := c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ci", "scopes": []string{"read"}})
	wantCode(t, "token", r, 201)
	var tok struct {
		Secret string `json:"secret"`
	}
	r.json(t, &tok)
	add(tok.Secret, tok.Secret[len("fdt_")+25:])
	bot := ev.client()
	bot.bearer = tok.Secret
	wantCode(t, "bearer", bot.do("GET", "/api/v1/auth/me", nil), 200)
	bot.bearer = tok.Secret[:len(tok.Secret)-3] + "xyz"
	wantCode(t, "bad bearer", bot.do("GET", "/api/v1/auth/me", nil), 401)

	wantCode(t, "password change", c.do("POST", "/api/v1/auth/password", map[string]string{"current": pw, "new": pw + "-2"}), 204)
	add(pw + "-2")

	g := ev.client()
	wantCode(t, "guest", g.do("POST", "/api/v1/auth/guest", map[string]string{"display_name": "G"}), 201)
	add(g.cookies[auth.GuestCookieName])

	ticket, _, err := ev.svc.IssueTicket(auth.Ticket{CallID: "c1", Room: 42, Instance: "janus-a", Subject: "u", ParticipantID: 7, Display: "D", Role: auth.CallHost})
	if err != nil {
		t.Fatal(err)
	}
	add(ticket)
	if _, err := ev.svc.VerifyTicket(ticket + "x"); err == nil {
		t.Fatal("tampered ticket verified")
	}

	// Formatting the key ring must not print keys either.
	ev.svc.Store() // keep the service referenced
	slogFrom(ev).Info("key ring", "keys", keys, "as_string", fmt.Sprint(keys), "go_string", fmt.Sprintf("%#v", keys))

	logs := ev.logs.String()
	if !strings.Contains(logs, "login.failure") || !strings.Contains(logs, "call ticket issued") {
		t.Fatalf("log capture did not see the events; logs:\n%s", logs)
	}
	recs, _ := ev.st.ListAudit(ctx, auth.AuditFilter{})
	var audit strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&audit, "%+v\n", r)
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret in the list: a step above did not produce its credential")
		}
		if strings.Contains(logs, s) {
			t.Errorf("secret %.6s… appears in the logs", s)
		}
		if strings.Contains(audit.String(), s) {
			t.Errorf("secret %.6s… appears in the audit log", s)
		}
	}
}
