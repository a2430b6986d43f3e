package sfu

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoTokenAuth means AddToken was called on a Server without
// WithStoredTokens.
var ErrNoTokenAuth = errors.New("sfu: stored tokens are off (WithStoredTokens)")

// WithStoredTokens turns on token authentication against stored tokens,
// like Janus's token_auth without token_auth_secret: every Janus API
// request but info and ping must carry a "token" (a "token" query
// parameter on long-polls) added with AddToken, or it fails with 403
// (Janus's JANUS_ERROR_UNAUTHORIZED). Unlike Janus's add_token, a token
// here belongs to one room and is forgotten when the room is destroyed, so
// a call's credentials end with the call.
func WithStoredTokens() Option {
	return func(s *Server) {
		s.tokens = map[string]uint64{}
		s.tokenValid = s.storedToken
	}
}

// AddToken stores token as valid for Janus API requests while room exists
// (adding it again is a no-op). It fails with ErrNoSuchRoom (wrapped) for
// an unknown room, ErrNoTokenAuth without WithStoredTokens, and on an
// empty token.
func (s *Server) AddToken(_ context.Context, room uint64, token string) error {
	if token == "" {
		return fmt.Errorf("sfu: add token: empty token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.tokens == nil:
		return ErrNoTokenAuth
	case s.rooms[room] == nil:
		return fmt.Errorf("sfu: add token: %w", roomErr(ErrNoSuchRoom, "No such room (%d)", room))
	}
	s.tokens[token] = room
	return nil
}

// RemoveToken forgets token (like Janus's remove_token); an unknown token
// is not an error. Sessions created with it stay, but their next request
// fails with 403.
func (s *Server) RemoveToken(_ context.Context, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// storedToken reports whether token was added and its room still exists.
func (s *Server) storedToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	room, ok := s.tokens[token]
	return ok && s.rooms[room] != nil
}

// forgetRoomTokensLocked drops the tokens of room; s.mu must be held.
func (s *Server) forgetRoomTokensLocked(room uint64) {
	for tok, r := range s.tokens {
		if r == room {
			delete(s.tokens, tok)
		}
	}
}
