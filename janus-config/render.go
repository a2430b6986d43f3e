// Package janusconfig renders the Janus 1.1 configuration that Frontdesk
// needs (the files in templates/) from [Params]. Tests and deployments use
// the same renderer, so the repository holds no secrets: admin secret,
// VideoRoom admin key and event-handler credentials are parameters.
//
// The rendered set is: janus.jcfg (token_auth on, admin_secret, event
// handlers), the HTTP transport (Janus API with long-poll at /janus, Admin
// API at /admin), the WebSocket transport, the VideoRoom plugin (admin_key),
// the EchoTest plugin (to check token scoping), the SIP plugin (loaded only
// with Params.SIP) and the sample HTTP event handler (grouping, Basic auth). The key names are those of Janus's own
// samples (conf/*.jcfg.sample.in in meetecho/janus-gateway).
package janusconfig

import (
	"embed"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// ErrInvalidParams is returned (wrapped, naming the field) by [Params.Validate]
// and [Render] when a parameter is missing or cannot be written safely.
var ErrInvalidParams = errors.New("janusconfig: invalid parameters")

// Params fills the placeholders of the templates. Zero values of optional
// fields take the defaults listed on each field (see [Params.WithDefaults]).
type Params struct {
	// ServerName is Janus's server_name; it is also the "emitter" of every
	// event-handler event. Required.
	ServerName string
	// BindIP is the address the HTTP, WebSocket and Admin listeners bind to.
	// Default "0.0.0.0".
	BindIP string
	// HTTPPort is the Janus API HTTP port (path /janus). Default 8088.
	HTTPPort int
	// WSPort is the Janus API WebSocket port. Default 8188.
	WSPort int
	// AdminPort is the Admin API HTTP port (path /admin). Default 7088.
	AdminPort int
	// AdminSecret is Janus's admin_secret. Required; never logged.
	AdminSecret string
	// AdminKey is the VideoRoom plugin's admin_key, needed to create rooms.
	// Required; never logged.
	AdminKey string
	// SessionTimeout is Janus's session_timeout in seconds. Default 60.
	SessionTimeout int
	// RTPPortRange is the UDP range for media, "min-max". Default "20000-40000".
	RTPPortRange string
	// STUNServer and STUNPort, when set, make Janus gather server-reflexive
	// candidates. Leave empty in tests (an unreachable STUN server delays start-up).
	STUNServer string
	// STUNPort is the STUN server's UDP port. Default 3478 when STUNServer is set.
	STUNPort int
	// NAT1to1 is Janus's nat_1_1_mapping: the public IP put in host candidates.
	NAT1to1 string
	// TURNServer, TURNPort, TURNUser and TURNPassword configure Janus's own
	// TURN relay (nat.turn_*). Optional.
	TURNServer string
	// TURNPort is the TURN server's port. Default 3478 when TURNServer is set.
	TURNPort int
	// TURNUser is the TURN username.
	TURNUser string
	// TURNPassword is the TURN password; never logged.
	TURNPassword string
	// EventsURL is where the sample HTTP event handler posts (Frontdesk's
	// webhook, e.g. "http://10.0.0.1:8080/janus/events"). Empty disables
	// event handlers.
	EventsURL string
	// EventsUser and EventsPassword are the Basic-auth credentials of the
	// event handler (backend_user/backend_pwd). Required when EventsURL is
	// set. They must be this instance's own (Frontdesk's
	// janus.instances[].events_user/events_password, or the shared
	// events.user/password with a single instance): Frontdesk applies a
	// post's events only when their emitter, ServerName, is the instance the
	// credentials belong to.
	EventsUser string
	// EventsPassword is the event handler's Basic-auth password; never logged.
	EventsPassword string
	// StatsPeriod is how often, in seconds, Janus emits media statistics
	// events. Default 5.
	StatsPeriod int
	// DebugLevel is Janus's debug_level, 0-7. Default 4.
	DebugLevel int
	// SIP enables Janus's SIP plugin (janus.plugin.sip, libjanus_sip.so):
	// without it the plugin is listed in plugins.disable of janus.jcfg and
	// janus.plugin.sip.jcfg, rendered all the same, is not read. Default
	// false. The SIP* fields below fill janus.plugin.sip.jcfg; their keys
	// and Janus's own defaults are those of janus.plugin.sip.jcfg.sample
	// and janus_sip.c (meetecho/janus-gateway). That file also always sets
	// behind_nat = false (no STUN lookup of a public address), events = true
	// (SIP events go to the event handlers when EventsURL is set),
	// keepalive_interval = 120 (s, OPTIONS keep-alives) and
	// sip_timer_t1x64 = 32000 (ms, the SIP transaction timeout).
	SIP bool
	// SIPLocalIP is the address the SIP plugin binds its SIP stack to
	// (local_ip) and its media to (local_media_ip defaults to it), e.g.
	// "10.0.0.2": the SIP registrar and phones must reach it. Default ""
	// (key omitted): Janus guesses an address of the host. IPv4 or IPv6
	// literal.
	SIPLocalIP string
	// SIPSDPIP is the address advertised in the SDP sent to SIP peers
	// (sdp_ip). Default SIPLocalIP (key omitted when both are empty).
	SIPSDPIP string
	// SIPRTPPortRange is the UDP range, "min-max", of the SIP plugin's
	// plain RTP/RTCP towards SIP peers (rtp_port_range; Janus's own default
	// is 10000-60000). Default [DefaultSIPRTPPortRange], apart from the
	// default WebRTC RTPPortRange.
	SIPRTPPortRange string
	// SIPRegisterTTL is the Expires, in seconds, of the plugin's SIP
	// REGISTERs (register_ttl; a register request may override it). Default
	// 3600, the sample's value.
	SIPRegisterTTL int
	// SIPUserAgent is the User-Agent header of the plugin's SIP requests
	// (user_agent). Default "Frontdesk".
	SIPUserAgent string
	// ConfigsFolder is where the rendered files live; Render sets it to its
	// dir argument.
	ConfigsFolder string
	// PluginsFolder, TransportsFolder, EventsFolder and LoggersFolder are
	// where Janus finds its modules. Defaults: Debian's
	// /usr/lib/x86_64-linux-gnu/janus/{plugins,transports,events,loggers}.
	PluginsFolder string
	// TransportsFolder: see PluginsFolder.
	TransportsFolder string
	// EventsFolder: see PluginsFolder.
	EventsFolder string
	// LoggersFolder: see PluginsFolder.
	LoggersFolder string

	// EventsEnabled is derived by Render from EventsURL.
	EventsEnabled bool
}

// Defaults of the SIP plugin's settings (see [Params.SIP]).
const (
	// DefaultSIPRTPPortRange is the default Params.SIPRTPPortRange.
	DefaultSIPRTPPortRange = "10000-19999"
	// DefaultSIPRegisterTTL is the default Params.SIPRegisterTTL, seconds.
	DefaultSIPRegisterTTL = 3600
	// DefaultSIPUserAgent is the default Params.SIPUserAgent.
	DefaultSIPUserAgent = "Frontdesk"
)

// DebianModulesDir is where Debian's janus package installs its modules.
const DebianModulesDir = "/usr/lib/x86_64-linux-gnu/janus"

// WithDefaults returns p with every unset optional field given its default.
func (p Params) WithDefaults() Params {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defs := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	defs(&p.BindIP, "0.0.0.0")
	def(&p.HTTPPort, 8088)
	def(&p.WSPort, 8188)
	def(&p.AdminPort, 7088)
	def(&p.SessionTimeout, 60)
	defs(&p.RTPPortRange, "20000-40000")
	def(&p.StatsPeriod, 5)
	def(&p.DebugLevel, 4)
	if p.STUNServer != "" {
		def(&p.STUNPort, 3478)
	}
	if p.TURNServer != "" {
		def(&p.TURNPort, 3478)
	}
	defs(&p.SIPSDPIP, p.SIPLocalIP)
	defs(&p.SIPRTPPortRange, DefaultSIPRTPPortRange)
	def(&p.SIPRegisterTTL, DefaultSIPRegisterTTL)
	defs(&p.SIPUserAgent, DefaultSIPUserAgent)
	defs(&p.PluginsFolder, DebianModulesDir+"/plugins")
	defs(&p.TransportsFolder, DebianModulesDir+"/transports")
	defs(&p.EventsFolder, DebianModulesDir+"/events")
	defs(&p.LoggersFolder, DebianModulesDir+"/loggers")
	p.EventsEnabled = p.EventsURL != ""
	return p
}

// Validate reports the first missing or unsafe parameter, wrapping
// [ErrInvalidParams] with the field name. Call it on defaulted params.
func (p Params) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidParams, field, why)
	}
	required := map[string]string{"ServerName": p.ServerName, "AdminSecret": p.AdminSecret, "AdminKey": p.AdminKey}
	for _, f := range []string{"ServerName", "AdminSecret", "AdminKey"} {
		if required[f] == "" {
			return bad(f, "required")
		}
	}
	if p.EventsURL != "" && (p.EventsUser == "" || p.EventsPassword == "") {
		return bad("EventsUser", "EventsUser and EventsPassword are required with EventsURL")
	}
	for _, port := range []struct {
		name string
		v    int
	}{{"HTTPPort", p.HTTPPort}, {"WSPort", p.WSPort}, {"AdminPort", p.AdminPort}} {
		if port.v < 1 || port.v > 65535 {
			return bad(port.name, "port out of range 1-65535")
		}
	}
	if p.DebugLevel < 0 || p.DebugLevel > 7 {
		return bad("DebugLevel", "must be 0-7")
	}
	if !validPortRange(p.RTPPortRange) {
		return bad("RTPPortRange", `want "min-max" within 1-65535`)
	}
	if !p.SIP {
		return nil
	}
	for _, a := range []struct{ name, v string }{{"SIPLocalIP", p.SIPLocalIP}, {"SIPSDPIP", p.SIPSDPIP}} {
		if a.v != "" && net.ParseIP(a.v) == nil {
			return bad(a.name, "want an IP address literal")
		}
	}
	if !validPortRange(p.SIPRTPPortRange) {
		return bad("SIPRTPPortRange", `want "min-max" within 1-65535`)
	}
	if p.SIPRegisterTTL < 1 {
		return bad("SIPRegisterTTL", "must be at least 1 second")
	}
	return nil
}

// validPortRange reports whether r is "min-max" with 1 <= min <= max <= 65535.
func validPortRange(r string) bool {
	lo, hi, ok := strings.Cut(r, "-")
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	return ok && err1 == nil && err2 == nil && l >= 1 && h <= 65535 && l <= h
}

// quote renders s as a libconfig string literal. Control characters cannot be
// written safely and are refused.
func quote(s string) (string, error) {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: control character in value", ErrInvalidParams)
		}
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`, nil
}

// Render writes the Janus configuration files into dir (created with mode
// 0700 if missing; files are 0600 because they hold secrets) and returns
// the path of janus.jcfg, to be passed to Janus as -C, with dir as -F.
func Render(dir string, p Params) (string, error) {
	p = p.WithDefaults()
	p.ConfigsFolder = dir
	if err := p.Validate(); err != nil {
		return "", err
	}
	tmpls, err := template.New("").Funcs(template.FuncMap{"q": quote}).ParseFS(templateFS, "templates/*.tmpl")
	if err != nil {
		return "", fmt.Errorf("janusconfig: parse templates: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("janusconfig: %w", err)
	}
	for _, t := range tmpls.Templates() {
		name := strings.TrimSuffix(t.Name(), ".tmpl")
		if name == t.Name() {
			continue
		}
		var b strings.Builder
		if err := t.Execute(&b, p); err != nil {
			return "", fmt.Errorf("janusconfig: render %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o600); err != nil {
			return "", fmt.Errorf("janusconfig: %w", err)
		}
	}
	return filepath.Join(dir, "janus.jcfg"), nil
}
