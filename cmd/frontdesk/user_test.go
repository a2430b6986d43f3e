package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/store"
)

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	environ := []string{"FRONTDESK_STORE_DATA_DIR=" + dir}
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantOut  string
	}{
		{"admin", []string{"user", "add", "--email", "Ada@Example.com", "--role", "admin"}, "a-long-enough-password\n", exitOK, "with role admin"},
		{"duplicate", []string{"user", "add", "--email", "ada@example.com"}, "a-long-enough-password\n", exitError, ""},
		{"no email", []string{"user", "add"}, "x\n", exitUsage, ""},
		{"bad role", []string{"user", "add", "--email", "b@example.com", "--role", "root"}, "a-long-enough-password\n", exitUsage, ""},
		{"weak password", []string{"user", "add", "--email", "c@example.com"}, "short\n", exitError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &env{stdin: strings.NewReader(tc.stdin), stdout: &out, stderr: &errb, environ: environ})
			if code != tc.wantCode || !strings.Contains(out.String(), tc.wantOut) {
				t.Fatalf("code %d out %q err %q", code, out.String(), errb.String())
			}
			if strings.Contains(out.String()+errb.String(), "a-long-enough-password") {
				t.Fatal("the password was printed")
			}
		})
	}
	// The account is in the store with its role and a working password.
	st, err := store.Open(context.Background(), store.Config{Path: dir + "/frontdesk.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	u, err := st.Auth().GetUserByEmail(context.Background(), "ada@example.com")
	if err != nil || u.Role != auth.RoleAdmin {
		t.Fatalf("stored user %+v, %v", u, err)
	}
}
