package auth

import (
	"context"
	"testing"
	"time"
)

// BenchmarkPasswordVerify measures one argon2id verification with the
// production parameters (DefaultArgon2Params): the CPU cost of a login.
func BenchmarkPasswordVerify(b *testing.B) {
	h, err := HashPassword("correct horse battery", DefaultArgon2Params)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := VerifyPassword("correct horse battery", h)
		if err != nil || !ok {
			b.Fatal("verify failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/verify")
}

// BenchmarkVerifyTicket measures call ticket verification (HS256), what the
// proxy does per connection.
func BenchmarkVerifyTicket(b *testing.B) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s, err := New(NewMemoryStore(), testRing(b, "k1", 7), WithArgon2Params(testArgon), WithClock(func() time.Time { return now }), WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := s.IssueTicket(Ticket{CallID: "c1", Room: 1234, Instance: "janus-a", Subject: "u1", ParticipantID: 7, Display: "Ada", Role: CallHost})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.VerifyTicket(tok); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "us/verify")
}

// BenchmarkAuthenticateSession measures the per-request cost of a session
// cookie with the in-memory store (JWT check, session and user lookups).
func BenchmarkAuthenticateSession(b *testing.B) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s, err := New(NewMemoryStore(), testRing(b, "k1", 7), WithArgon2Params(testArgon), WithClock(func() time.Time { return now }), WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.AddUser(ctx, "a@example.com", "", "0123456789ab", RoleHost); err != nil {
		b.Fatal(err)
	}
	res, err := s.Login(ctx, "a@example.com", "0123456789ab", "192.0.2.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AuthenticateSession(ctx, res.Cookie); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "us/request")
}
