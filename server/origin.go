package server

import (
	"net/http"
	"net/url"
	"strings"
)

// CheckOrigin reports whether a browser request may be served across
// origins, for WebSocket upgrades (gorilla/websocket Upgrader.CheckOrigin)
// and state-changing API calls: true when there is no Origin header
// (non-browser clients), when the Origin's host is the request's Host
// (same origin), when it equals the origin of http.public_url, or when it
// is listed in http.allowed_origins (compared case-insensitively, RFC 6454).
func (s *Server) CheckOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	if s.cfg.PublicURL != "" {
		if p, err := url.Parse(s.cfg.PublicURL); err == nil && strings.EqualFold(p.Scheme+"://"+p.Host, u.Scheme+"://"+u.Host) {
			return true
		}
	}
	for _, a := range s.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimSuffix(a, "/"), u.Scheme+"://"+u.Host) {
			return true
		}
	}
	return false
}
