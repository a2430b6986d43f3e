package main

import (
	"fmt"
	"strconv"
	"time"

	janusconfig "github.com/frontdesk/frontdesk/janus-config"
	"github.com/frontdesk/frontdesk/turn"
)

// defaultTURNTTL is the lifetime of the TURN credential rendered into
// Janus's nat.turn_user/turn_pwd: Janus keeps it for its whole run, so it
// is long; a container restart renders a fresh one.
const defaultTURNTTL = 365 * 24 * time.Hour

// renderJanus writes the Janus configuration into dir from the
// environment and returns the path of janus.jcfg:
//
//	JANUS_SERVER_NAME             server_name, the events' emitter (required)
//	JANUS_ADMIN_SECRET[_FILE]     admin_secret (required)
//	JANUS_ADMIN_KEY[_FILE]        VideoRoom admin_key (required)
//	JANUS_RTP_PORT_RANGE          media UDP range, e.g. 20000-20099
//	JANUS_NAT_1_1_MAPPING         public IP put in host candidates
//	JANUS_STUN_SERVER, JANUS_STUN_PORT
//	JANUS_TURN_SERVER, JANUS_TURN_PORT  Janus's own TURN relay (coturn)
//	TURN_SHARED_SECRET[_FILE]     coturn static-auth-secret: Janus gets a TURN
//	                              REST API credential for "<expiry>:<server name>"
//	JANUS_TURN_TTL                its lifetime (Go duration), default 8760h
//	JANUS_EVENTS_URL              Frontdesk's webhook, e.g. http://frontdesk:8080/janus/events
//	JANUS_EVENTS_USER, JANUS_EVENTS_PASSWORD[_FILE]  its Basic auth, or:
//	EVENTS_PASSWORD[_FILE]        the operator's events secret: the user is the
//	                              server name and the password
//	                              instanceEventsPassword(secret, server name),
//	                              as render frontdesk-config writes them
//	JANUS_DEBUG_LEVEL             0-7
//	JANUS_BIND_IP                 listeners' address, default 0.0.0.0
//	JANUS_HTTP_PORT, JANUS_WS_PORT, JANUS_ADMIN_PORT  default 8088, 8188, 7088
//	JANUS_MODULES_DIR             default Debian's /usr/lib/x86_64-linux-gnu/janus
//	JANUS_SIP                     "true" loads the SIP plugin (phone calls)
//	JANUS_SIP_LOCAL_IP            its SIP and RTP address (local_ip), which the
//	                              registrar and phones must reach
//	JANUS_SIP_SDP_IP              address put in its SDP (sdp_ip), e.g. behind NAT
//	JANUS_SIP_RTP_PORT_RANGE      its plain-RTP UDP range, default 10000-19999
func renderJanus(dir string, getenv func(string) string, now time.Time) (string, error) {
	p := janusconfig.Params{
		ServerName:   getenv("JANUS_SERVER_NAME"),
		RTPPortRange: getenv("JANUS_RTP_PORT_RANGE"),
		NAT1to1:      getenv("JANUS_NAT_1_1_MAPPING"),
		STUNServer:   getenv("JANUS_STUN_SERVER"),
		TURNServer:   getenv("JANUS_TURN_SERVER"),
		EventsURL:    getenv("JANUS_EVENTS_URL"),
		EventsUser:   getenv("JANUS_EVENTS_USER"),
		BindIP:       getenv("JANUS_BIND_IP"),

		SIPLocalIP:      getenv("JANUS_SIP_LOCAL_IP"),
		SIPSDPIP:        getenv("JANUS_SIP_SDP_IP"),
		SIPRTPPortRange: getenv("JANUS_SIP_RTP_PORT_RANGE"),
	}
	switch v := getenv("JANUS_SIP"); v {
	case "", "false":
	case "true":
		p.SIP = true
	default:
		return "", fmt.Errorf("JANUS_SIP: %q is not true or false", v)
	}
	var err error
	for _, s := range []struct {
		name string
		dst  *string
	}{{"JANUS_ADMIN_SECRET", &p.AdminSecret}, {"JANUS_ADMIN_KEY", &p.AdminKey}, {"JANUS_EVENTS_PASSWORD", &p.EventsPassword}} {
		if *s.dst, err = secret(getenv, s.name); err != nil {
			return "", err
		}
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"JANUS_STUN_PORT", &p.STUNPort}, {"JANUS_TURN_PORT", &p.TURNPort}, {"JANUS_DEBUG_LEVEL", &p.DebugLevel},
		{"JANUS_HTTP_PORT", &p.HTTPPort}, {"JANUS_WS_PORT", &p.WSPort}, {"JANUS_ADMIN_PORT", &p.AdminPort}} {
		if v := getenv(n.name); v != "" {
			if *n.dst, err = strconv.Atoi(v); err != nil {
				return "", fmt.Errorf("%s: %w", n.name, err)
			}
		}
	}
	if p.EventsPassword == "" {
		master, err := secret(getenv, "EVENTS_PASSWORD")
		if err != nil {
			return "", err
		}
		if master != "" {
			if p.EventsUser != "" && p.EventsUser != p.ServerName {
				return "", fmt.Errorf("EVENTS_PASSWORD derives the credentials of user %q (the server name), not JANUS_EVENTS_USER %q", p.ServerName, p.EventsUser)
			}
			p.EventsUser, p.EventsPassword = p.ServerName, instanceEventsPassword(master, p.ServerName)
		}
	}
	if d := getenv("JANUS_MODULES_DIR"); d != "" {
		p.PluginsFolder, p.TransportsFolder, p.EventsFolder, p.LoggersFolder = d+"/plugins", d+"/transports", d+"/events", d+"/loggers"
	}
	if p.TURNServer != "" {
		shared, err := secret(getenv, "TURN_SHARED_SECRET")
		if err != nil {
			return "", err
		}
		if shared == "" {
			return "", fmt.Errorf("JANUS_TURN_SERVER is set but TURN_SHARED_SECRET(_FILE) is not")
		}
		ttl := defaultTURNTTL
		if v := getenv("JANUS_TURN_TTL"); v != "" {
			if ttl, err = time.ParseDuration(v); err != nil {
				return "", fmt.Errorf("JANUS_TURN_TTL: %w", err)
			}
		}
		c, err := turn.Sign([]byte(shared), p.ServerName, now.Add(ttl))
		if err != nil {
			return "", fmt.Errorf("TURN credential for %q: %w", p.ServerName, err)
		}
		p.TURNUser, p.TURNPassword = c.Username, c.Credential
	}
	return janusconfig.Render(dir, p)
}
