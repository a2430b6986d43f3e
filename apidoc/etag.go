package apidoc

import "strings"

// match reports whether an If-None-Match header value matches etag
// (RFC 9110 §13.1.2: "*" or a list of entity tags compared weakly, so
// W/"x" matches "x").
func match(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}
