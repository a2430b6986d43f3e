// Package webui serves Frontdesk's browser front end: static HTML, CSS and
// JavaScript modules embedded in the binary with go:embed (no build step).
//
// Pages (all GET):
//
//	/                 start page: sign in, links to the consoles
//	/q/:slug          caller page for the queue with that slug (or ID)
//	/host             host console
//	/admin            admin console
//	/setup            first-admin setup (with the code from the server's log)
//	/ui/*             assets (CSS, ES modules), cached for an hour
//
// The pages talk only to the REST API under /api/v1, the live-update
// WebSocket /api/v1/ws and the Janus API proxy /janus (with the call ticket
// as WebSocket subprotocol "frontdesk-ticket.<jwt>", see package proxy).
// They never see a room secret, pin or Janus token.
package webui

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

//go:embed static
var static embed.FS

// assets is the embedded tree rooted at static/.
var assets = mustSub(static, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic("webui: " + err.Error())
	}
	return s
}

// pages maps a page route to its HTML file in the embedded tree.
var pages = map[string]string{
	"/":        "index.html",
	"/login":   "index.html",
	"/q/:slug": "caller.html",
	"/host":    "host.html",
	"/admin":   "admin.html",
	"/setup":   "setup.html",
}

// AssetPrefix is the URL path under which assets are served.
const AssetPrefix = "/ui/"

// contentSecurityPolicy keeps the pages to their own origin: scripts and
// styles from /ui/, fetch and WebSockets to the same host, media from
// getUserMedia streams.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Register mounts the pages and assets on e (GET and HEAD only). It does
// not touch /api, /janus or the operational endpoints.
func Register(e *echo.Echo) {
	h := Handler()
	wrapped := echo.WrapHandler(h)
	for route := range pages {
		e.GET(route, wrapped)
		e.HEAD(route, wrapped)
	}
	e.GET(AssetPrefix+"*", wrapped)
	e.HEAD(AssetPrefix+"*", wrapped)
}

// Handler returns an http.Handler serving the pages and assets: a page
// route ("/", "/login", "/q/<slug>", "/host", "/admin", "/setup") gets its HTML,
// "/ui/<file>" an asset; anything else is 404. Only GET and HEAD are
// allowed (405 otherwise).
func Handler() http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		hdr := w.Header()
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")
		p := r.URL.Path
		if rest, ok := strings.CutPrefix(p, AssetPrefix); ok {
			clean := path.Clean("/" + rest)
			name := strings.TrimPrefix(clean, "/")
			// Only regular, non-HTML files: no directory listings, no
			// invalid names (fs.ValidPath), no pages under another URL.
			if !fs.ValidPath(name) || !utf8.ValidString(name) || strings.HasSuffix(name, ".html") {
				http.NotFound(w, r)
				return
			}
			if st, err := fs.Stat(assets, name); err != nil || !st.Mode().IsRegular() {
				http.NotFound(w, r)
				return
			}
			hdr.Set("Cache-Control", "public, max-age=3600")
			r2 := r.Clone(r.Context())
			r2.URL.Path = clean
			files.ServeHTTP(w, r2)
			return
		}
		file, ok := pageFor(p)
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(assets, file)
		if err != nil {
			http.Error(w, "page missing", http.StatusInternalServerError)
			return
		}
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("Permissions-Policy", "camera=(self), microphone=(self)")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	})
}

// pageFor maps a request path to its page file.
func pageFor(p string) (string, bool) {
	switch p {
	case "/", "/login":
		return "index.html", true
	case "/host", "/host/":
		return "host.html", true
	case "/admin", "/admin/":
		return "admin.html", true
	case "/setup", "/setup/":
		return "setup.html", true
	}
	if slug, ok := strings.CutPrefix(p, "/q/"); ok {
		slug = strings.TrimSuffix(slug, "/")
		if slug != "" && !strings.Contains(slug, "/") {
			return "caller.html", true
		}
	}
	return "", false
}
