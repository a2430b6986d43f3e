package server

import (
	"net"
	"net/netip"

	"github.com/labstack/echo/v4"
)

// ipExtractor tells who a request comes from. Without trusted proxies it
// is the TCP peer and X-Forwarded-For is ignored (a client could write
// anything there). With them (http.trusted_proxies, validated CIDRs), a
// request from a trusted proxy comes from the last X-Forwarded-For address
// that is not one (echo.ExtractIPFromXFFHeader); loopback, link-local and
// private ranges are trusted only when listed.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			continue // config validation refuses it first
		}
		_, n, _ := net.ParseCIDR(pfx.Masked().String())
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
