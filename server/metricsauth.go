package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/problem"
)

// WithMetrics sets where and to whom /metrics is served (the metrics
// section of the configuration): with Listen set, [Server.Listen] also
// opens that address, [Server.Serve] serves /metrics there and the main
// listener answers 404 for it; with Token set, /metrics answers 401
// unless the request carries "Authorization: Bearer <Token>". The token is
// never logged.
func WithMetrics(m config.Metrics) Option {
	return func(s *Server) { s.metricsCfg = m }
}

// bearerOnly wraps next so that it runs only for requests whose
// Authorization header is "Bearer <token>" (RFC 6750; the scheme is
// case-insensitive); others get a 401 problem with a WWW-Authenticate
// challenge. An empty token lets every request through. The comparison
// runs in constant time over SHA-256 digests.
func bearerOnly(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			problem.Write(w, r, problem.New(http.StatusUnauthorized, "metrics need a bearer token"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsOnly is the handler of the metrics listener: /metrics, and 404
// for every other path.
func metricsOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.New(http.StatusNotFound, "only /metrics is served here"))
	})
	return mux
}
