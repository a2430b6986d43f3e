package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Masked is what a non-empty secret prints as.
const Masked = "[REDACTED]"

// Secret is a string that must never be printed or logged: admin secrets,
// admin keys, passwords, shared secrets. Every fmt verb, slog, JSON and YAML
// render it as [Masked] ("" when empty, so an unset secret stays visible as
// unset). Call Reveal to get the value where it is actually needed.
type Secret string

// Reveal returns the secret value. Only pass it to the peer that needs it
// (Janus, the TURN HMAC, a password hash), never to a log or a browser.
func (s Secret) Reveal() string { return string(s) }

// String returns [Masked], or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Masked
}

// GoString masks the value for the %#v verb.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format masks the value for every fmt verb (%v, %s, %q, %x, %d ...).
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	default:
		fmt.Fprint(f, s.String())
	}
}

// LogValue masks the value in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON masks the value in JSON.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML masks the value in YAML.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// SecretURI is a connection URI (e.g. a MongoDB URI) whose credentials must
// never be printed. It prints with the password replaced by [Masked]
// (mongodb://frontdesk:[REDACTED]@db:27017/frontdesk) and its query, if
// any, masked too; a string without "://" prints as [Masked] entirely.
type SecretURI string

// Reveal returns the URI with its credentials, for the driver only.
func (u SecretURI) Reveal() string { return string(u) }

// String returns the URI with its password and query masked. It parses
// by hand (not net/url) so multi-host MongoDB URIs and passwords with
// unescaped '/' or '@' are masked too.
func (u SecretURI) String() string {
	s := string(u)
	if s == "" {
		return ""
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return Masked
	}
	head, rest := s[:i+3], s[i+3:]
	query := ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest, query = rest[:q], "?"+Masked
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		user, _, hasPass := strings.Cut(rest[:at], ":")
		if hasPass {
			user += ":" + Masked
		}
		rest = user + "@" + rest[at+1:]
	}
	return head + rest + query
}

// GoString masks the credentials for the %#v verb.
func (u SecretURI) GoString() string { return fmt.Sprintf("config.SecretURI(%q)", u.String()) }

// Format masks the credentials for every fmt verb.
func (u SecretURI) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", u.String())
	default:
		fmt.Fprint(f, u.String())
	}
}

// LogValue masks the credentials in log/slog output.
func (u SecretURI) LogValue() slog.Value { return slog.StringValue(u.String()) }

// MarshalJSON masks the credentials in JSON.
func (u SecretURI) MarshalJSON() ([]byte, error) { return json.Marshal(u.String()) }

// MarshalYAML masks the credentials in YAML.
func (u SecretURI) MarshalYAML() (any, error) { return u.String(), nil }
